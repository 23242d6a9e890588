//! One run: a request sent and its whole answer read in the fault window
//! ([`exchange`]), how it ended ([`Outcome`]), which endings are allowed
//! ([`Errnos`], [`allowed`]) and what a listener heard ([`listen`]).

use super::*;

/// How one run ended.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Outcome {
    /// The whole answer: the expected replies and the ACK or DONE.
    Answered,
    /// An NLMSG_ERROR with this errno.
    ErrorReply(i32),
    /// An NLMSG_DONE ending a dump with this errno.
    DoneError(i32),
    /// `sendto` failed with this errno.
    SendFailed(i32),
    /// `recv` failed with this errno (ENOBUFS: a reply was dropped).
    RecvFailed(i32),
    /// Nothing (more) within ANSWER_TIMEOUT: the answer, or its rest, was
    /// dropped; what had arrived.
    Timeout(String),
    /// A datagram that is not netlink messages.
    Malformed(String),
    /// A message that is not (or not now) part of the expected answer: a
    /// wrong type, command or content, a duplicate, an extra reply.
    Wrong(String),
}

impl Outcome {
    pub(crate) fn label(&self) -> String {
        match self {
            Outcome::Answered => "answered (the failed allocation had a fallback)".into(),
            Outcome::ErrorReply(e) => format!("error reply {}", errno_name(*e)),
            Outcome::DoneError(e) => format!("dump DONE with {}", errno_name(*e)),
            Outcome::SendFailed(e) => format!("sendmsg {}", errno_name(*e)),
            Outcome::RecvFailed(e) => format!("recv {}", errno_name(*e)),
            Outcome::Timeout(_) => "no answer (timeout)".into(),
            Outcome::Malformed(m) => format!("MALFORMED datagram {m}"),
            Outcome::Wrong(m) => format!("WRONG answer: {m}"),
        }
    }
}

pub(crate) fn errno_name(e: i32) -> String {
    match e {
        libc::ENOMEM => "ENOMEM".to_owned(),
        libc::ENOBUFS => "ENOBUFS".to_owned(),
        libc::EINVAL => "EINVAL".to_owned(),
        libc::EMSGSIZE => "EMSGSIZE".to_owned(),
        e => format!("errno {e}"),
    }
}

/// The errnos a run may end with when an allocation fails, per call.
/// Derived from the code paths of Linux 6.12 and the modules:
#[derive(Clone, Copy)]
pub(crate) struct Errnos {
    /// In an error reply (NLMSG_ERROR): what the command's handler and the
    /// core before it return when an allocation fails.
    pub(crate) reply: &'static [i32],
}

/// `sendmsg`: `netlink_sendmsg` returns `-ENOBUFS` when
/// `netlink_alloc_large_skb` fails; nothing else on its path allocates
/// (no control messages, the socket is bound).
pub(crate) const SEND_ERRNOS: &[i32] = &[libc::ENOBUFS];
/// `recv`: `sk_err`, which `netlink_ack` sets to `ENOBUFS` when it cannot
/// allocate the ACK (or error reply), and `netlink_recvmsg` to the error of
/// `netlink_dump` (`-ENOBUFS` when the next skb of a dump cannot be
/// allocated).
pub(crate) const RECV_ERRNOS: &[i32] = &[libc::ENOBUFS];
/// A generic netlink `do`: `genl_family_rcv_msg_attrs_parse` returns
/// `-ENOMEM` when the attribute table cannot be allocated; the handlers of
/// both modules return `-ENOMEM` for each allocation of theirs (the reply
/// skb, `kmemdup`, `kzalloc`, `xa_alloc_cyclic`); a failed notification is
/// the listeners' `ENOBUFS`, not the request's error.
pub(crate) const DO_ERRNOS: Errnos = Errnos {
    reply: &[libc::ENOMEM],
};
/// A generic netlink dump: `genl_start` returns `-ENOMEM` when
/// `genl_dumpit_info_alloc` fails, `__netlink_dump_start` the `-ENOBUFS`
/// of the first `netlink_dump` (its skb). The dumpit allocates nothing:
/// its NLMSG_DONE always carries 0.
pub(crate) const DUMP_ERRNOS: Errnos = Errnos {
    reply: &[libc::ENOMEM, libc::ENOBUFS],
};
/// netlink_test's requests: `nltest_build` (the reply or event skb) and
/// the deferred reply's `kzalloc` return `-ENOMEM`; `netlink_rcv_skb`
/// allocates nothing itself.
pub(crate) const CLASSIC_ERRNOS: Errnos = Errnos {
    reply: &[libc::ENOMEM],
};

/// Whether a run's outcome is one the kernel may give when an allocation
/// fails (see the module docs); the reason when not.
pub(crate) fn allowed(o: &Outcome, errnos: Errnos) -> Result<(), String> {
    let check = |what: &str, e: i32, list: &[i32]| {
        if list.contains(&e) {
            Ok(())
        } else {
            Err(format!(
                "{what} {} is none of {:?}, the errnos its code path can return when an \
                 allocation fails",
                errno_name(e),
                list.iter().map(|e| errno_name(*e)).collect::<Vec<_>>()
            ))
        }
    };
    match o {
        Outcome::Answered => Ok(()),
        Outcome::ErrorReply(e) => check("error reply", *e, errnos.reply),
        Outcome::SendFailed(e) => check("sendmsg", *e, SEND_ERRNOS),
        Outcome::RecvFailed(e) => check("recv", *e, RECV_ERRNOS),
        Outcome::DoneError(e) => Err(format!(
            "a dump ended with {}: the dumpit allocates nothing",
            errno_name(*e)
        )),
        Outcome::Timeout(had) => Err(format!(
            "nothing more within {ANSWER_TIMEOUT:?} after {had}: the rest of the answer \
             (reply, ACK or error) dropped in silence"
        )),
        Outcome::Malformed(m) => Err(format!("malformed datagram: {m}")),
        Outcome::Wrong(m) => Err(format!("wrong answer: {m}")),
    }
}

/// A message an answer must hold: its netlink type and a check of the
/// whole message.
#[derive(Clone, Copy)]
pub(crate) struct Reply<'a> {
    pub(crate) ty: u16,
    pub(crate) check: &'a dyn Fn(&Msg) -> Result<(), String>,
}

impl Reply<'_> {
    pub(crate) fn matches(&self, m: &Msg) -> Result<(), String> {
        if m.ty != self.ty {
            return Err(format!("message type {} (expected {})", m.ty, self.ty));
        }
        (self.check)(m)
    }
}

/// What a complete answer looks like.
#[derive(Clone, Copy)]
pub(crate) enum Answer<'a> {
    /// These replies, in order, then the ACK.
    Acked { replies: &'a [Reply<'a>] },
    /// Messages (`NLM_F_MULTI`) each of which `entry` checks and names,
    /// until NLMSG_DONE: exactly the `entries`, each once.
    Dump {
        ty: u16,
        entry: &'a dyn Fn(&Msg) -> Result<String, String>,
        entries: &'a BTreeSet<String>,
    },
    /// The ACK and, in any order, `reply` sent later (each exactly once).
    AckThenLater { reply: Reply<'a> },
}

/// How long one run may take in all, whatever arrives.
pub(crate) const RUN_DEADLINE: Duration = Duration::from_secs(10);

/// Sends `msg` on `sock` and reads its whole answer, each system call in
/// the fault window `w`.
pub(crate) fn exchange(
    sock: &mut Sock,
    mut msg: Vec<u8>,
    answer: Answer<'_>,
    w: &mut Window<'_>,
) -> Outcome {
    let seq = sock.stamp(&mut msg);
    if let Err(e) = w.during(|| sock.send(&msg)) {
        return Outcome::SendFailed(e);
    }
    let started = Instant::now();
    let (mut data, mut acked, mut later) = (0usize, false, false);
    let mut seen = BTreeSet::new();
    loop {
        if started.elapsed() > RUN_DEADLINE {
            return Outcome::Wrong(format!(
                "still receiving after {RUN_DEADLINE:?} ({data} messages)"
            ));
        }
        let msgs = match w.during(|| sock.recv_raw()).and_then(|n| sock.parse(n)) {
            Ok(m) => m,
            Err(RecvError::Timeout) => {
                return Outcome::Timeout(match answer {
                    _ if data == 0 && !acked && !later => "nothing".to_owned(),
                    Answer::Acked { replies } => format!("{data} of {} replies", replies.len()),
                    Answer::Dump { entries, .. } => {
                        format!("{data} of {} dump entries", entries.len())
                    }
                    Answer::AckThenLater { .. } if acked => "the ACK".to_owned(),
                    Answer::AckThenLater { .. } => "the reply, not the ACK".to_owned(),
                })
            }
            Err(RecvError::Errno(e)) => return Outcome::RecvFailed(e),
            Err(RecvError::Malformed(m)) => return Outcome::Malformed(m),
        };
        let n = msgs.len();
        for (i, m) in msgs.into_iter().enumerate() {
            let last = i + 1 == n;
            if m.seq != seq {
                return Outcome::Wrong(format!(
                    "a message of type {} with seq {} (the request's: {seq})",
                    m.ty, m.seq
                ));
            }
            match (m.ty, answer) {
                (NLMSG_ERROR, _) if m.code() != 0 => {
                    return if last {
                        Outcome::ErrorReply(m.code())
                    } else {
                        Outcome::Wrong("messages after the error reply".into())
                    }
                }
                (NLMSG_ERROR, Answer::Acked { replies }) => {
                    return if data != replies.len() {
                        Outcome::Wrong(format!(
                            "ACK after {data} of {} replies (a reply lost silently)",
                            replies.len()
                        ))
                    } else if !last {
                        Outcome::Wrong("messages after the ACK".into())
                    } else {
                        Outcome::Answered
                    };
                }
                (NLMSG_ERROR, Answer::AckThenLater { .. }) if acked => {
                    return Outcome::Wrong("a second ACK".into())
                }
                (NLMSG_ERROR, Answer::AckThenLater { .. }) => acked = true,
                (NLMSG_ERROR, Answer::Dump { .. }) => {
                    return Outcome::Wrong("an ACK ended a dump".into())
                }
                (NLMSG_DONE, Answer::Dump { entries, .. }) => {
                    if m.code() != 0 {
                        return Outcome::DoneError(m.code());
                    }
                    if !last {
                        return Outcome::Wrong("messages after NLMSG_DONE".into());
                    }
                    let missing: Vec<_> = entries.difference(&seen).collect();
                    return if missing.is_empty() {
                        Outcome::Answered
                    } else {
                        Outcome::Wrong(format!(
                            "the dump ended without {} of its {} entries: {missing:?}",
                            missing.len(),
                            entries.len()
                        ))
                    };
                }
                (_, Answer::Dump { ty, entry, entries }) => {
                    if m.ty != ty {
                        return Outcome::Wrong(format!("dump message of type {}", m.ty));
                    }
                    if m.flags & NLM_F_MULTI == 0 {
                        return Outcome::Wrong("dump part without NLM_F_MULTI".into());
                    }
                    if m.flags & NLM_F_DUMP_INTR != 0 {
                        return Outcome::Wrong("NLM_F_DUMP_INTR, nothing changed".into());
                    }
                    let key = match entry(&m) {
                        Ok(k) => k,
                        Err(e) => return Outcome::Wrong(format!("dump entry {data}: {e}")),
                    };
                    if !entries.contains(&key) {
                        return Outcome::Wrong(format!("dump entry {key:?}, not in the store"));
                    }
                    if !seen.insert(key.clone()) {
                        return Outcome::Wrong(format!("dump entry {key:?} twice"));
                    }
                    data += 1;
                }
                (_, Answer::AckThenLater { reply }) => {
                    if later {
                        return Outcome::Wrong("a second reply".into());
                    }
                    if let Err(e) = reply.matches(&m) {
                        return Outcome::Wrong(format!("the later reply: {e}"));
                    }
                    later = true;
                }
                (_, Answer::Acked { replies }) => {
                    let Some(r) = replies.get(data) else {
                        return Outcome::Wrong(format!("reply {} of {}", data + 1, replies.len()));
                    };
                    if let Err(e) = r.matches(&m) {
                        return Outcome::Wrong(format!("reply {}: {e}", data + 1));
                    }
                    data += 1;
                }
            }
        }
        if acked && later {
            return Outcome::Answered;
        }
    }
}

/// What a listener saw after a run.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Heard {
    /// The expected event, once.
    Event,
    /// ENOBUFS: the event could not be delivered.
    Lost,
    Nothing,
    /// A datagram that is not netlink messages (fails the sweep).
    Malformed(String),
    /// Another message than the expected event, or the event twice (fails
    /// the sweep).
    Wrong(String),
}

/// Reads what `sock` hears until it has been quiet for EVENT_WAIT (at most
/// RUN_DEADLINE); each message must be `event`.
pub(crate) fn listen(sock: &mut Sock, event: Reply<'_>) -> Heard {
    let mut heard = Heard::Nothing;
    let started = Instant::now();
    loop {
        if started.elapsed() > RUN_DEADLINE {
            return Heard::Wrong(format!("still hearing after {RUN_DEADLINE:?}"));
        }
        match sock.recv() {
            Ok(msgs) => {
                for m in msgs {
                    if let Err(e) = event.matches(&m) {
                        return Heard::Wrong(format!("not the event: {e}"));
                    }
                    if heard == Heard::Event {
                        return Heard::Wrong("the event twice".into());
                    }
                    heard = Heard::Event;
                }
            }
            Err(RecvError::Errno(libc::ENOBUFS)) => return Heard::Lost,
            Err(RecvError::Timeout) => return heard,
            Err(RecvError::Malformed(m)) => return Heard::Malformed(m),
            Err(RecvError::Errno(e)) => {
                return Heard::Wrong(format!("listener recv: {}", errno_name(e)))
            }
        }
    }
}
