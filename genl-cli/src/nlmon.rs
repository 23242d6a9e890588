//! Live netlink capture, as `genl trace` does it: an `nlmon` device created
//! through rtnetlink (in-process, on genl-core's classic netlink client; no
//! `ip` command), brought up, and an `AF_PACKET` socket bound to it.
//!
//! The kernel hands every netlink datagram of the device's network namespace
//! to its nlmon devices (`netlink_deliver_tap`), so the packet socket sees
//! each one once, with the netlink protocol in `sll_protocol` and the
//! datagram as it went over the socket. The packet type the socket reports
//! is `PACKET_OUTGOING` (the transmit tap of `dev_queue_xmit_nit` overwrites
//! nlmon's `PACKET_KERNEL`/`PACKET_USER`), so the direction is not on the
//! wire: [`crate::trace`] takes it from `NLM_F_REQUEST`, as Wireshark does.
//!
//! [`Nlmon`] removes the device it created when dropped (on return, error
//! or after a caught signal; a `SIGKILL` leaves it, named `genlmon<pid>`).

use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::time::Duration;

use genl_core::classic::ClassicConnection;

/// `NETLINK_ROUTE`.
const NETLINK_ROUTE: isize = 0;
/// `RTM_NEWLINK`, `RTM_DELLINK`.
const RTM_NEWLINK: u16 = 16;
const RTM_DELLINK: u16 = 17;
/// `NLM_F_EXCL | NLM_F_CREATE`.
const NLM_F_EXCL: u16 = 0x200;
const NLM_F_CREATE: u16 = 0x400;
/// `IFLA_IFNAME`, `IFLA_LINKINFO`, `IFLA_INFO_KIND`.
const IFLA_IFNAME: u16 = 3;
const IFLA_LINKINFO: u16 = 18;
const IFLA_INFO_KIND: u16 = 1;
const NLA_F_NESTED: u16 = 0x8000;
/// `IFF_UP`.
const IFF_UP: u32 = 1;
/// `PACKET_OUTGOING`: what the packet socket reports for nlmon traffic.
pub const PACKET_OUTGOING: u8 = 4;

/// Why a capture could not start. `Display` is the message `genl trace`
/// prints.
#[derive(Debug)]
#[non_exhaustive]
pub enum CaptureError {
    /// The kernel has no nlmon link type: the kernel's message
    /// (`Unknown device type`).
    NoNlmon(String),
    /// Creating the device or the packet socket needs a capability: the
    /// capability and what for.
    Permission(&'static str),
    /// A device of that name exists: its name.
    Exists(String),
    /// `--netns NAME`: the namespace's file could not be opened.
    NetnsOpen {
        /// The namespace's file (`/run/netns/NAME`, or the path given).
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// `--netns NAME`: the namespace could not be entered (`setns`).
    NetnsEnter {
        /// The namespace's file.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// No rtnetlink socket.
    Rtnetlink(genl_core::Error),
    /// The kernel refused to create the device.
    Create {
        /// The device's name.
        name: String,
        /// What the kernel said.
        error: genl_core::Error,
    },
    /// The device's name has a NUL byte.
    NulInName {
        /// The name.
        name: String,
    },
    /// The device was created but has no interface index.
    NotFound {
        /// The device's name.
        name: String,
        /// What `if_nametoindex` said.
        error: io::Error,
    },
    /// No `AF_PACKET` socket.
    PacketSocket(io::Error),
    /// The packet socket could not be bound to the device.
    Bind {
        /// The device's interface index.
        ifindex: u32,
        /// What the system said.
        error: io::Error,
    },
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::NoNlmon(why) => write!(
                f,
                "this kernel has no nlmon device ({why}): it is built without \
                 CONFIG_NETLINK_MON, or the nlmon module is not installed \
                 (try `modprobe nlmon`). Without nlmon, record the program's own \
                 traffic instead: run it with GENL_PCAP=FILE.pcap (or \
                 Socket::record) and read that with `genl trace --read FILE.pcap`"
            ),
            CaptureError::Permission(cap) => write!(
                f,
                "permission denied: live capture needs {cap} (run as root, or \
                 `sudo setcap cap_net_admin,cap_net_raw+ep $(command -v genl)`); \
                 without it, record with GENL_PCAP=FILE.pcap and use `genl trace --read`"
            ),
            CaptureError::Exists(name) => write!(
                f,
                "a device named {name} exists already (another genl trace, or one \
                 killed with SIGKILL: remove it with `ip link del {name}`)"
            ),
            CaptureError::NetnsOpen { path, error } => {
                write!(f, "network namespace {}: {error}", path.display())
            }
            CaptureError::NetnsEnter { path, error } => {
                write!(f, "entering network namespace {}: {error}", path.display())
            }
            CaptureError::Rtnetlink(e) => write!(f, "rtnetlink socket: {e}"),
            CaptureError::Create { name, error } => {
                write!(f, "creating nlmon device {name}: {error}")
            }
            CaptureError::NulInName { name } => write!(f, "device name {name:?} has a NUL"),
            CaptureError::NotFound { name, error } => {
                write!(f, "nlmon device {name} created but not found: {error}")
            }
            CaptureError::PacketSocket(e) => write!(f, "AF_PACKET socket: {e}"),
            CaptureError::Bind { ifindex, error } => write!(
                f,
                "binding the packet socket to interface {ifindex}: {error}"
            ),
        }
    }
}

impl std::error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CaptureError::NetnsOpen { error, .. }
            | CaptureError::NetnsEnter { error, .. }
            | CaptureError::NotFound { error, .. }
            | CaptureError::Bind { error, .. } => Some(error),
            CaptureError::PacketSocket(e) => Some(e),
            CaptureError::Rtnetlink(e) | CaptureError::Create { error: e, .. } => Some(e),
            _ => None,
        }
    }
}

/// Why an nlmon device could not be removed ([`Nlmon::remove`]).
#[derive(Debug)]
pub struct RemoveError {
    /// The device's name.
    pub name: String,
    /// What the kernel said.
    pub error: genl_core::Error,
}

impl fmt::Display for RemoveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "removing nlmon device {}: {}", self.name, self.error)
    }
}

impl std::error::Error for RemoveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Moves the calling thread into the network namespace `name`
/// (`/run/netns/NAME`, as `ip netns` names them; a path is taken as is).
/// Sockets and devices created afterwards on this thread belong to it.
pub fn enter_netns(name: &str) -> Result<(), CaptureError> {
    let path = if name.contains('/') {
        std::path::PathBuf::from(name)
    } else {
        std::path::Path::new("/run/netns").join(name)
    };
    let f = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(error) => return Err(CaptureError::NetnsOpen { path, error }),
    };
    // SAFETY: setns on an open descriptor; it changes this thread only.
    if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EPERM) {
            return Err(CaptureError::Permission(
                "CAP_SYS_ADMIN to enter another network namespace",
            ));
        }
        return Err(CaptureError::NetnsEnter { path, error: e });
    }
    Ok(())
}

fn nla(out: &mut Vec<u8>, ty: u16, payload: &[u8]) {
    out.extend_from_slice(&((payload.len() + 4) as u16).to_ne_bytes());
    out.extend_from_slice(&ty.to_ne_bytes());
    out.extend_from_slice(payload);
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

/// `struct ifinfomsg`: family, type, index, flags, change.
fn ifinfomsg(index: i32, flags: u32, change: u32) -> Vec<u8> {
    let mut m = vec![0u8; 4]; // ifi_family AF_UNSPEC, pad, ifi_type
    m.extend_from_slice(&index.to_ne_bytes());
    m.extend_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(&change.to_ne_bytes());
    m
}

/// The `RTM_NEWLINK` payload that creates nlmon device `name`, up.
pub fn newlink_payload(name: &str) -> Vec<u8> {
    let mut p = ifinfomsg(0, IFF_UP, IFF_UP);
    let mut ifname = name.as_bytes().to_vec();
    ifname.push(0);
    nla(&mut p, IFLA_IFNAME, &ifname);
    let mut kind = Vec::new();
    nla(&mut kind, IFLA_INFO_KIND, b"nlmon\0");
    nla(&mut p, IFLA_LINKINFO | NLA_F_NESTED, &kind);
    p
}

/// An nlmon device this process created; removed when dropped.
#[derive(Debug)]
pub struct Nlmon {
    rtnl: ClassicConnection,
    name: String,
    ifindex: u32,
}

impl Nlmon {
    /// Creates nlmon device `name` (at most 15 bytes) in the calling
    /// thread's network namespace and brings it up.
    pub fn create(name: &str) -> Result<Nlmon, CaptureError> {
        let mut rtnl = ClassicConnection::new(NETLINK_ROUTE).map_err(CaptureError::Rtnetlink)?;
        let payload = newlink_payload(name);
        match rtnl.exchange(
            RTM_NEWLINK,
            NLM_F_CREATE | NLM_F_EXCL,
            &payload,
            false,
            |_| Ok(()),
        ) {
            Ok(_) => {}
            Err(genl_core::Error::Kernel(k)) => return Err(match k.errno {
                libc::EOPNOTSUPP => CaptureError::NoNlmon(
                    k.message
                        .clone()
                        .unwrap_or_else(|| "RTM_NEWLINK: EOPNOTSUPP".into()),
                ),
                libc::EPERM => CaptureError::Permission(
                    "CAP_NET_ADMIN (in the capture's network namespace) to create the nlmon device",
                ),
                libc::EEXIST => CaptureError::Exists(name.to_owned()),
                _ => CaptureError::Create {
                    name: name.to_owned(),
                    error: genl_core::Error::Kernel(k),
                },
            }),
            Err(error) => {
                return Err(CaptureError::Create {
                    name: name.to_owned(),
                    error,
                })
            }
        }
        let cname = std::ffi::CString::new(name).map_err(|_| CaptureError::NulInName {
            name: name.to_owned(),
        })?;
        // SAFETY: a NUL-terminated name.
        let ifindex = unsafe { libc::if_nametoindex(cname.as_ptr()) };
        let dev = Nlmon {
            rtnl,
            name: name.to_owned(),
            ifindex,
        };
        if ifindex == 0 {
            return Err(CaptureError::NotFound {
                name: name.to_owned(),
                error: io::Error::last_os_error(),
            });
        }
        Ok(dev)
    }

    /// The device's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The device's interface index.
    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// Removes the device now, reporting a failure (dropping does the same
    /// and prints it).
    pub fn remove(mut self) -> Result<(), RemoveError> {
        let r = self.delete();
        self.ifindex = 0;
        r
    }

    fn delete(&mut self) -> Result<(), RemoveError> {
        if self.ifindex == 0 {
            return Ok(());
        }
        let payload = ifinfomsg(self.ifindex as i32, 0, 0);
        self.rtnl
            .exchange(RTM_DELLINK, 0, &payload, false, |_| Ok(()))
            .map(drop)
            .map_err(|error| RemoveError {
                name: self.name.clone(),
                error,
            })
    }
}

impl Drop for Nlmon {
    fn drop(&mut self) {
        if let Err(e) = self.delete() {
            eprintln!("genl trace: {e}");
        }
    }
}

/// One datagram from the packet socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Captured {
    /// `sll_pkttype` ([`PACKET_OUTGOING`] for nlmon).
    pub pkttype: u8,
    /// The netlink protocol (`sll_protocol`, 16 for generic netlink).
    pub protocol: u16,
    /// Bytes received (at most the buffer).
    pub len: usize,
    /// The datagram's real length (more than `len`: cut).
    pub orig_len: usize,
}

/// An `AF_PACKET` socket bound to one device.
#[derive(Debug)]
pub struct PacketSocket {
    fd: OwnedFd,
}

impl PacketSocket {
    /// Opens a raw packet socket and binds it to interface `ifindex`, all
    /// protocols. Opened with protocol 0 (receiving nothing) and bound
    /// with `ETH_P_ALL`, so no other device's packet slips in first.
    pub fn bind(ifindex: u32) -> Result<PacketSocket, CaptureError> {
        // SAFETY: plain socket(2).
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EPERM) {
                return Err(CaptureError::Permission(
                    "CAP_NET_RAW to open the packet socket",
                ));
            }
            return Err(CaptureError::PacketSocket(e));
        }
        // SAFETY: fd is a new descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // A deep queue: a dump can burst many datagrams between reads.
        let size: libc::c_int = 8 << 20;
        for opt in [libc::SO_RCVBUFFORCE, libc::SO_RCVBUF] {
            // SAFETY: an int option.
            let r = unsafe {
                libc::setsockopt(
                    fd.as_raw_fd(),
                    libc::SOL_SOCKET,
                    opt,
                    (&size as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
            if r == 0 {
                break;
            }
        }
        // SAFETY: zeroed sockaddr_ll is valid.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
        sll.sll_ifindex = ifindex as i32;
        // SAFETY: bind with a sockaddr_ll of its size.
        let r = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sll as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if r != 0 {
            return Err(CaptureError::Bind {
                ifindex,
                error: io::Error::last_os_error(),
            });
        }
        Ok(PacketSocket { fd })
    }

    /// Waits up to `timeout` (`None`: do not wait) for a datagram and
    /// reads it into `buf`. `Ok(None)`: nothing came, or a signal
    /// interrupted the wait.
    pub fn recv(&self, buf: &mut [u8], timeout: Option<Duration>) -> io::Result<Option<Captured>> {
        let ms = timeout.map_or(0, |t| t.as_millis().min(i32::MAX as u128) as i32);
        let mut pfd = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one pollfd.
        let n = unsafe { libc::poll(&mut pfd, 1, ms) };
        if n < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::Interrupted {
                Ok(None)
            } else {
                Err(e)
            };
        }
        if n == 0 {
            return Ok(None);
        }
        // SAFETY: zeroed sockaddr_ll is valid.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        let mut alen = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
        // SAFETY: recvfrom into buf and sll, with their sizes.
        let r = unsafe {
            libc::recvfrom(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_TRUNC | libc::MSG_DONTWAIT,
                (&mut sll as *mut libc::sockaddr_ll).cast(),
                &mut alen,
            )
        };
        if r < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock => Ok(None),
                _ => Err(e),
            };
        }
        let orig_len = r as usize;
        Ok(Some(Captured {
            pkttype: sll.sll_pkttype,
            protocol: u16::from_be(sll.sll_protocol),
            len: orig_len.min(buf.len()),
            orig_len,
        }))
    }

    /// Datagrams the kernel dropped because the socket's queue was full
    /// (`PACKET_STATISTICS`; reading resets the count).
    pub fn drops(&self) -> u32 {
        let mut st = libc::tpacket_stats {
            tp_packets: 0,
            tp_drops: 0,
        };
        let mut len = std::mem::size_of::<libc::tpacket_stats>() as libc::socklen_t;
        // SAFETY: getsockopt into a tpacket_stats of its size.
        let r = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&mut st as *mut libc::tpacket_stats).cast(),
                &mut len,
            )
        };
        if r == 0 {
            st.tp_drops
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_left_behind_says_how_to_remove_it() {
        let e = CaptureError::Exists("genlmon7".into());
        assert_eq!(
            e.to_string(),
            "a device named genlmon7 exists already (another genl trace, or one killed with \
             SIGKILL: remove it with `ip link del genlmon7`)"
        );
    }

    #[test]
    fn a_namespace_that_does_not_open_is_named() {
        let e = CaptureError::NetnsOpen {
            path: "/run/netns/t1".into(),
            error: io::Error::from(io::ErrorKind::NotFound),
        };
        assert_eq!(
            e.to_string(),
            "network namespace /run/netns/t1: entity not found"
        );
        let e = CaptureError::Bind {
            ifindex: 9,
            error: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert_eq!(
            e.to_string(),
            "binding the packet socket to interface 9: permission denied"
        );
    }

    /// The layout of linux/rtnetlink.h and linux/if_link.h: a 16-byte
    /// ifinfomsg with IFF_UP in flags and change, IFLA_IFNAME (3) "nlmon0",
    /// IFLA_LINKINFO (18, nested) { IFLA_INFO_KIND (1) "nlmon" }, each
    /// attribute padded to 4 bytes.
    #[test]
    fn newlink_request_layout() {
        let p = newlink_payload("nlmon0");
        #[rustfmt::skip]
        let want: Vec<u8> = [
            &[0u8, 0, 0, 0][..],          // family, pad, type
            &[0, 0, 0, 0],                // index
            &1u32.to_ne_bytes(),          // IFF_UP
            &1u32.to_ne_bytes(),          // change
            &11u16.to_ne_bytes(), &3u16.to_ne_bytes(), b"nlmon0\0", &[0],
            &16u16.to_ne_bytes(), &0x8012u16.to_ne_bytes(),
            &10u16.to_ne_bytes(), &1u16.to_ne_bytes(), b"nlmon\0", &[0, 0],
        ]
        .concat();
        assert_eq!(p, want);
    }
}
