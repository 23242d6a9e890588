// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * genl_demo_raw: a raw C client of the genl_demo kernel module (kmod-c/),
 * the reference the VM benchmark (tests/vm_bench.rs) compares genl with.
 *
 * Plain sockets, no libnl: an AF_NETLINK/NETLINK_GENERIC socket, the family
 * resolved with CTRL_CMD_GETFAMILY, then requests built by hand with the
 * constants of the module's uapi header (generated from src/demo.rs).
 *
 * Each command may follow --no-sender-check (see check_sender below).
 *
 *   genl_demo_raw echo N        N ECHO round trips, one at a time; prints
 *                               "CBENCH echo <N> <ns per round trip>"
 *   genl_demo_raw dump [COUNT]  one KV_GET dump of the whole store, every
 *                               entry decoded; prints "CBENCH dump <entries>
 *                               <ns total>", then "CBENCH rss <kB before>
 *                               <kB after>" (the process's resident set
 *                               before and after the dump) and, with COUNT,
 *                               fails unless exactly COUNT entries came
 *   genl_demo_raw set N         N KV_SETs (keys c-00000..., values "value N"),
 *                               one round trip each, waiting for each ACK;
 *                               prints "CBENCH set <N> <ns per request>"
 *
 * An echo request asks for no ACK (as iproute2 and libnl send a request
 * with a reply, and as genl's Connection::query() does) and waits for its
 * reply; a KV_SET asks for the ACK, its only answer. Every reply is checked
 * (sequence number, port, command, message and cookie; each dumped entry's
 * attributes: the key a NUL-terminated string of 1 to 64 bytes, the value
 * at most 1024 bytes, the metadata nest's state and port sizes); any error
 * or mismatch ends the program with a message on stderr and status 1. Only
 * the loops are timed: socket setup and family resolution are not, so the
 * process start-up cost is not in the figures.
 *
 * Built statically by the VM harness (xtask/src/vm/helpers.rs):
 *   gcc -O2 -static -Wall -Wextra -Werror -I kmod-c/include/uapi ...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/genl_demo.h>

/* Receive buffer: more than the 32 KiB a kernel dump skb can hold. */
#define RX_SIZE (64 * 1024)
/* Requests are small: a header and two short attributes. */
#define TX_SIZE 256

/* The message echoed by every round trip (the cookie changes each time). */
#define ECHO_MSG "hello from the raw C client"

static uint8_t rx[RX_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
static uint8_t tx[TX_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));

/* Prints an error and exits with status 1. */
static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fputs("genl_demo_raw: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* An open socket and what replies must carry. */
struct conn {
	int fd;
	uint32_t portid;	/* our port, assigned by the kernel at bind() */
	uint32_t seq;		/* last sequence number sent */
};

static void conn_open(struct conn *c)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(sa);
	int one = 1;

	c->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (c->fd < 0)
		die("socket: %s", strerror(errno));
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind: %s", strerror(errno));
	if (getsockname(c->fd, (struct sockaddr *)&sa, &len) < 0)
		die("getsockname: %s", strerror(errno));
	/* Errors carry only the header of the request, not all of it. */
	setsockopt(c->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	c->portid = sa.nl_pid;
	c->seq = (uint32_t)time(NULL);
}

/* Starts a request in tx: netlink header + genl header; returns it. */
static struct nlmsghdr *msg_start(struct conn *c, uint16_t type, uint16_t flags,
				  uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)tx;
	struct genlmsghdr *g;

	memset(tx, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++c->seq;
	nlh->nlmsg_pid = 0;
	g = NLMSG_DATA(nlh);
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

/* Appends attribute (type, data) to the request. */
static void msg_put(struct nlmsghdr *nlh, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(tx + NLMSG_ALIGN(nlh->nlmsg_len));
	size_t total = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(NLA_HDRLEN + len);

	if (total > TX_SIZE)
		die("request too large");
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	/* Zero the padding so the request is deterministic. */
	memset((uint8_t *)a + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	nlh->nlmsg_len = (uint32_t)total;
}

static void msg_send(struct conn *c, struct nlmsghdr *nlh)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n = sendto(c->fd, nlh, nlh->nlmsg_len, 0,
			   (struct sockaddr *)&kernel, sizeof(kernel));

	if (n != (ssize_t)nlh->nlmsg_len)
		die("sendto: %s", n < 0 ? strerror(errno) : "short write");
}

/*
 * Whether only the kernel's datagrams (sender port 0) count, as iproute2's
 * rtnl_talk() and genl take them: on an unbound destination any process may
 * send to our port, so a client that does not check can be fed forged
 * replies. On by default; --no-sender-check reads with recv() and takes any
 * datagram (less work: the kernel copies no address out).
 */
static bool check_sender = true;

/* Receives one datagram (from the kernel) into rx; fails if it did not fit. */
static size_t recv_one(struct conn *c)
{
	struct sockaddr_nl from = { 0 };
	socklen_t alen;
	ssize_t n;

	for (;;) {
		if (check_sender) {
			alen = sizeof(from);
			n = recvfrom(c->fd, rx, sizeof(rx), MSG_TRUNC,
				     (struct sockaddr *)&from, &alen);
		} else {
			n = recv(c->fd, rx, sizeof(rx), MSG_TRUNC);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("recv: %s", strerror(errno));
		if ((size_t)n > sizeof(rx))
			die("datagram of %zd bytes truncated to %zu", n, sizeof(rx));
		if (check_sender && from.nl_pid != 0)
			continue; /* not the kernel's: skipped */
		return (size_t)n;
	}
}

/*
 * The next message of a datagram of len bytes at rx, after *off (0 at first);
 * NULL at its end. A message that does not fit is an error.
 */
static const struct nlmsghdr *next_msg(size_t len, size_t *off)
{
	const struct nlmsghdr *nlh;
	size_t left = len - *off;

	if (!left)
		return NULL;
	nlh = (const struct nlmsghdr *)(rx + *off);
	if (left < NLMSG_HDRLEN || nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > left)
		die("malformed netlink message");
	/* The last message may lack its alignment padding. */
	*off += NLMSG_ALIGN(nlh->nlmsg_len) < left ? NLMSG_ALIGN(nlh->nlmsg_len) : left;
	return nlh;
}

/* Checks that a message answers our request number seq. */
static void check_ours(const struct conn *c, const struct nlmsghdr *nlh, uint32_t seq)
{
	if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != c->portid)
		die("reply to seq %u port %u, expected seq %u port %u",
		    nlh->nlmsg_seq, nlh->nlmsg_pid, seq, c->portid);
}

/* The error code of an NLMSG_ERROR or NLMSG_DONE message. */
static int msg_errcode(const struct nlmsghdr *nlh)
{
	int code;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(int))
		die("truncated error/done message");
	memcpy(&code, NLMSG_DATA(nlh), sizeof(code));
	return code;
}

/* Finds attribute type in [attrs, attrs + len); NULL when absent. */
static const struct nlattr *attr_find(const uint8_t *attrs, size_t len, uint16_t type)
{
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)attrs;
		size_t step;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			die("malformed attribute");
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		step = NLA_ALIGN(a->nla_len);
		if (step >= len)
			break;
		attrs += step;
		len -= step;
	}
	return NULL;
}

static const void *attr_data(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

static size_t attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

/* The attributes of a genl message, after the genl header. */
static const uint8_t *genl_attrs(const struct nlmsghdr *nlh, size_t *len)
{
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		die("truncated genl message");
	*len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	return (const uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN;
}

/* CTRL_CMD_GETFAMILY genl_demo: returns the family id. */
static uint16_t resolve_family(struct conn *c)
{
	struct nlmsghdr *req = msg_start(c, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1);
	uint32_t seq = req->nlmsg_seq;
	size_t n, off, alen;
	const struct nlmsghdr *nlh;
	const struct nlattr *id;
	const uint8_t *attrs;

	msg_put(req, CTRL_ATTR_FAMILY_NAME, GENL_DEMO_FAMILY_NAME,
		sizeof(GENL_DEMO_FAMILY_NAME));
	msg_send(c, req);
	n = recv_one(c);
	off = 0;
	nlh = next_msg(n, &off);
	if (!nlh)
		die("empty GETFAMILY reply");
	check_ours(c, nlh, seq);
	if (nlh->nlmsg_type == NLMSG_ERROR)
		die("family %s: %s", GENL_DEMO_FAMILY_NAME, strerror(-msg_errcode(nlh)));
	if (nlh->nlmsg_type != GENL_ID_CTRL)
		die("GETFAMILY: unexpected message type %u", nlh->nlmsg_type);
	attrs = genl_attrs(nlh, &alen);
	id = attr_find(attrs, alen, CTRL_ATTR_FAMILY_ID);
	if (!id || attr_len(id) != sizeof(uint16_t))
		die("GETFAMILY reply without a family id");
	return *(const uint16_t *)attr_data(id);
}

/* One ECHO round trip with cookie, no ACK asked: checks the reply. */
static void echo_once(struct conn *c, uint16_t family, uint64_t cookie)
{
	struct nlmsghdr *req = msg_start(c, family, 0, GENL_DEMO_CMD_ECHO,
					 GENL_DEMO_FAMILY_VERSION);
	uint32_t seq = req->nlmsg_seq;
	int replies = 0;

	msg_put(req, GENL_DEMO_A_ECHO_MSG, ECHO_MSG, sizeof(ECHO_MSG));
	msg_put(req, GENL_DEMO_A_ECHO_COOKIE, &cookie, sizeof(cookie));
	msg_send(c, req);
	while (!replies) {
		size_t n = recv_one(c), off = 0;
		const struct nlmsghdr *nlh;

		while ((nlh = next_msg(n, &off))) {
			const struct nlattr *msg, *ck;
			const uint8_t *attrs;
			size_t alen;
			uint64_t got;

			check_ours(c, nlh, seq);
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				int code = msg_errcode(nlh);

				die("ECHO: %s", code ? strerror(-code) : "ACK without a reply");
			}
			if (nlh->nlmsg_type != family)
				die("ECHO: unexpected message type %u", nlh->nlmsg_type);
			if (((const struct genlmsghdr *)NLMSG_DATA(nlh))->cmd != GENL_DEMO_CMD_ECHO)
				die("ECHO: reply of another command");
			attrs = genl_attrs(nlh, &alen);
			msg = attr_find(attrs, alen, GENL_DEMO_A_ECHO_MSG);
			ck = attr_find(attrs, alen, GENL_DEMO_A_ECHO_COOKIE);
			if (!msg || attr_len(msg) != sizeof(ECHO_MSG) ||
			    memcmp(attr_data(msg), ECHO_MSG, sizeof(ECHO_MSG)))
				die("ECHO: message not echoed");
			if (!ck || attr_len(ck) != sizeof(got))
				die("ECHO: cookie missing");
			memcpy(&got, attr_data(ck), sizeof(got));
			if (got != cookie)
				die("ECHO: cookie %llx, sent %llx",
				    (unsigned long long)got, (unsigned long long)cookie);
			replies++;
		}
	}
	if (replies != 1)
		die("ECHO: %d replies", replies);
}

/*
 * Decodes one dumped entry, every attribute (one pass, as a hand-written
 * parser does): returns the key's length.
 */
static size_t decode_entry(const uint8_t *attrs, size_t len)
{
	const uint8_t *key = NULL, *value = NULL;
	size_t key_len = 0, value_len = 0;

	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)attrs;
		size_t step, alen;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			die("KV_GET dump: malformed attribute");
		alen = attr_len(a);
		switch (a->nla_type & NLA_TYPE_MASK) {
		case GENL_DEMO_A_KV_KEY:
			key = attr_data(a);
			if (alen < 2 || alen > 65 || key[alen - 1] ||
			    strnlen((const char *)key, alen) != alen - 1)
				die("KV_GET dump: bad key");
			key_len = alen - 1;
			break;
		case GENL_DEMO_A_KV_VALUE:
			if (alen > 1024)
				die("KV_GET dump: value too long");
			value = attr_data(a);
			value_len = alen;
			break;
		case GENL_DEMO_A_KV_META: {
			const uint8_t *nest = attr_data(a);
			const struct nlattr *st = attr_find(nest, alen, GENL_DEMO_A_META_STATE);
			const struct nlattr *port = attr_find(nest, alen, GENL_DEMO_A_META_PORT);

			if ((st && attr_len(st) != sizeof(uint32_t)) ||
			    (port && attr_len(port) != sizeof(uint16_t)))
				die("KV_GET dump: bad metadata");
			break;
		}
		default:
			break;
		}
		step = NLA_ALIGN(a->nla_len);
		if (step >= len)
			break;
		attrs += step;
		len -= step;
	}
	if (!key)
		die("KV_GET dump: entry without a key");
	if (!value)
		die("KV_GET dump: entry %.*s without a value", (int)key_len, key);
	(void)value_len;
	return key_len;
}

/* One KV_GET dump of the whole store; returns the number of entries. */
static unsigned long dump_all(struct conn *c, uint16_t family)
{
	struct nlmsghdr *req = msg_start(c, family, NLM_F_DUMP, GENL_DEMO_CMD_KV_GET,
					 GENL_DEMO_FAMILY_VERSION);
	uint32_t seq = req->nlmsg_seq;
	unsigned long entries = 0, key_bytes = 0;

	msg_send(c, req);
	for (;;) {
		size_t n = recv_one(c), off = 0;
		const struct nlmsghdr *nlh;

		while ((nlh = next_msg(n, &off))) {
			const uint8_t *attrs;
			size_t alen;

			check_ours(c, nlh, seq);
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				die("KV_GET dump interrupted by a change");
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int code = msg_errcode(nlh);

				if (code < 0)
					die("KV_GET dump: %s", strerror(-code));
				if (key_bytes < entries)
					die("KV_GET dump: empty keys");
				return entries;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR)
				die("KV_GET dump: %s", strerror(-msg_errcode(nlh)));
			if (nlh->nlmsg_type != family)
				die("KV_GET dump: unexpected message type %u", nlh->nlmsg_type);
			attrs = genl_attrs(nlh, &alen);
			key_bytes += decode_entry(attrs, alen);
			entries++;
		}
	}
}

/* One KV_SET of key c-<i> = "value <i>", waiting for its ACK. */
static void set_once(struct conn *c, uint16_t family, unsigned long i)
{
	struct nlmsghdr *req = msg_start(c, family, NLM_F_ACK, GENL_DEMO_CMD_KV_SET,
					 GENL_DEMO_FAMILY_VERSION);
	uint32_t seq = req->nlmsg_seq;
	char key[32], value[32];
	int kl = snprintf(key, sizeof(key), "c-%05lu", i);
	int vl = snprintf(value, sizeof(value), "value %lu", i);
	size_t n, off = 0;
	const struct nlmsghdr *nlh;

	msg_put(req, GENL_DEMO_A_KV_KEY, key, (size_t)kl + 1);
	msg_put(req, GENL_DEMO_A_KV_VALUE, value, (size_t)vl);
	msg_send(c, req);
	n = recv_one(c);
	nlh = next_msg(n, &off);
	if (!nlh)
		die("KV_SET: empty answer");
	check_ours(c, nlh, seq);
	if (nlh->nlmsg_type != NLMSG_ERROR)
		die("KV_SET: unexpected message type %u", nlh->nlmsg_type);
	if (msg_errcode(nlh))
		die("KV_SET %s: %s", key, strerror(-msg_errcode(nlh)));
}

/*
 * The resident set in kB: "Rss" of /proc/self/smaps_rollup, counted from the
 * page tables. (VmRSS of /proc/self/status is not used: before Linux 6.2 a
 * thread's page faults reach it only in batches of 64, so a small process
 * shows a few kB there.)
 */
static unsigned long rss_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	unsigned long kb = 0;
	bool found = false;

	if (!f)
		die("/proc/self/smaps_rollup: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Rss:", 4)) {
			kb = strtoul(line + 4, NULL, 10);
			found = true;
		}
	fclose(f);
	if (!found)
		die("/proc/self/smaps_rollup: no Rss line");
	return kb;
}

/* Parses a non-negative decimal argument. */
static unsigned long parse_count(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		die("not a count: %s", s);
	return v;
}

static void usage(void)
{
	fputs("usage: genl_demo_raw [--no-sender-check] echo N | dump [COUNT] | set N\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct conn c;
	uint16_t family;
	uint64_t t0, t1;

	if (argc > 1 && !strcmp(argv[1], "--no-sender-check")) {
		check_sender = false;
		argc--;
		argv++;
	}
	if (argc < 2)
		usage();
	conn_open(&c);
	family = resolve_family(&c);

	if (!strcmp(argv[1], "echo") && argc == 3) {
		unsigned long n = parse_count(argv[2]), i;

		if (!n)
			die("echo: N must be at least 1");
		echo_once(&c, family, 1); /* warm-up, not timed */
		t0 = now_ns();
		for (i = 0; i < n; i++)
			echo_once(&c, family, 0xc0ffee0000000000ull + i);
		t1 = now_ns();
		printf("CBENCH echo %lu %llu\n", n, (unsigned long long)((t1 - t0) / n));
	} else if (!strcmp(argv[1], "dump") && (argc == 2 || argc == 3)) {
		unsigned long entries, rss;

		rss = rss_kb();
		t0 = now_ns();
		entries = dump_all(&c, family);
		t1 = now_ns();
		printf("CBENCH dump %lu %llu\n", entries, (unsigned long long)(t1 - t0));
		printf("CBENCH rss %lu %lu\n", rss, rss_kb());
		if (argc == 3 && entries != parse_count(argv[2]))
			die("dump: %lu entries, expected %s", entries, argv[2]);
	} else if (!strcmp(argv[1], "set") && argc == 3) {
		unsigned long n = parse_count(argv[2]), i;

		if (!n)
			die("set: N must be at least 1");
		t0 = now_ns();
		for (i = 0; i < n; i++)
			set_once(&c, family, i);
		t1 = now_ns();
		printf("CBENCH set %lu %llu\n", n, (unsigned long long)((t1 - t0) / n));
	} else {
		usage();
	}
	if (fflush(stdout))
		die("stdout: %s", strerror(errno));
	close(c.fd);
	return 0;
}
