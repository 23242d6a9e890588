//! The operating system's netlink socket: open and bind, send, receive
//! with truncation (`MSG_TRUNC`) and overflow (`ENOBUFS`) detection, wait
//! with a deadline, join multicast groups. The connections use it through
//! [`Transport`](crate::transport::Transport); the tokio ones register its
//! descriptor with the reactor.

use std::os::fd::{AsRawFd, RawFd};
use std::sync::OnceLock;
use std::time::Instant;

use netlink_sys::SocketAddr;

use crate::error::{Error, Result};
use crate::pcap::{PacketType, Recorder};

/// Receive buffer size. The kernel sizes dump skbs to at most 32 KiB plus
/// headroom for large-page systems; 64 KiB holds any of them, and larger
/// datagrams are detected with `MSG_TRUNC` rather than cut silently.
pub const RX_BUF_SIZE: usize = 64 * 1024;

/// What one receive call produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recv {
    /// A datagram is in the buffer; its sender's port id (0: the kernel).
    Datagram {
        /// The sender's port id.
        sender: u32,
    },
    /// Interrupted by a signal; nothing received.
    Interrupted,
    /// A non-blocking receive found nothing queued.
    WouldBlock,
}

/// An open, bound netlink socket of one protocol.
#[derive(Debug)]
pub struct Socket {
    sock: netlink_sys::Socket,
    portid: u32,
    protocol: u16,
    /// Where sends and receives are recorded ([`crate::pcap`]); empty: off.
    recorder: OnceLock<Recorder>,
}

impl Socket {
    /// Opens a socket of netlink `protocol` and binds it to a port the
    /// kernel picks. Extended ACKs and capped ACKs are asked for (best
    /// effort: kernels without them still work, with less detail).
    pub fn open(protocol: isize) -> Result<Self> {
        let mut sock = netlink_sys::Socket::new(protocol)?;
        let addr = sock.bind_auto()?;
        let _ = sock.set_ext_ack(true);
        let _ = sock.set_cap_ack(true);
        let recorder = OnceLock::new();
        if let Some(r) = crate::pcap::process_recorder() {
            let _ = recorder.set(r);
        }
        Ok(Socket {
            sock,
            portid: addr.port_number(),
            protocol: protocol as u16,
            recorder,
        })
    }

    /// Records every datagram this socket sends or receives from now on to
    /// `rec` (see [`crate::pcap`]). A socket records to one recorder for
    /// its lifetime: if it already has one (from an earlier call,
    /// [`record_all`](crate::pcap::record_all) or `GENL_PCAP`), `rec` is
    /// handed back as the error.
    pub fn record(&self, rec: Recorder) -> std::result::Result<(), Recorder> {
        self.recorder.set(rec)
    }

    /// The recorder this socket records to, if any.
    pub fn recorder(&self) -> Option<&Recorder> {
        self.recorder.get()
    }

    /// The port id (`nl_pid`) the kernel assigned.
    pub fn port_id(&self) -> u32 {
        self.portid
    }

    /// The netlink-sys socket, for socket options.
    pub fn inner(&self) -> &netlink_sys::Socket {
        &self.sock
    }

    /// Sends `bytes` (one or more whole messages) to port `port` (0: the
    /// kernel) and multicast group `group` (0: none; 1..=32 only, the
    /// range a `sockaddr_nl` group mask can address).
    pub fn send_to(&self, bytes: &[u8], port: u32, group: u32) -> Result<()> {
        let groups = match group {
            0 => 0,
            g @ 1..=32 => 1u32 << (g - 1),
            g => {
                return Err(Error::InvalidArgument(format!(
                    "multicast group {g}: a send can address groups 1 to 32 only"
                )))
            }
        };
        let n = if port == 0 && groups == 0 {
            // To the kernel: a plain `send`, which the kernel addresses to
            // port 0 of an unconnected socket (`netlink_sendmsg` without a
            // name), without copying and checking a `sockaddr_nl` per
            // request.
            // SAFETY: `bytes` is valid for reads of its length.
            let n = unsafe { raw::send(self.sock.as_raw_fd(), bytes) };
            if n < 0 {
                return Err(Error::Io(std::io::Error::last_os_error()));
            }
            n as usize
        } else {
            self.sock
                .send_to(bytes, &SocketAddr::new(port, groups), 0)?
        };
        if let Some(rec) = self.recorder.get() {
            let to = if port == 0 && groups == 0 {
                PacketType::ToKernel
            } else {
                PacketType::ToUser
            };
            rec.record(to, self.protocol, &bytes[..n.min(bytes.len())]);
        }
        if n != bytes.len() {
            return Err(Error::ShortSend {
                sent: n,
                len: bytes.len(),
            });
        }
        Ok(())
    }

    /// One `recvfrom` into `buf` (resized to the datagram), from any
    /// sender; with `nonblocking`, `MSG_DONTWAIT`. A datagram larger than
    /// the buffer is [`Error::Truncated`]; `ENOBUFS` is
    /// [`Error::EventsLost`]. On any error `buf` is left empty.
    pub fn recv_from(&self, buf: &mut Vec<u8>, nonblocking: bool) -> Result<Recv> {
        // Receive into the spare capacity: no zeroing of 64 KiB per call.
        buf.clear();
        buf.reserve(RX_BUF_SIZE);
        let cap = buf.capacity();
        let flags = libc::MSG_TRUNC | if nonblocking { libc::MSG_DONTWAIT } else { 0 };
        // SAFETY: an all-zero sockaddr_nl is valid; recvfrom writes at most
        // `cap` bytes into the buffer's allocation and at most `alen` into
        // `addr`.
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        let mut alen = std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;
        let n = unsafe {
            raw::recvfrom(
                self.sock.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                cap,
                flags,
                (&mut addr as *mut libc::sockaddr_nl).cast(),
                &mut alen,
            )
        };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::ENOBUFS) => Err(Error::EventsLost),
                Some(libc::EINTR) => Ok(Recv::Interrupted),
                Some(libc::EAGAIN) => Ok(Recv::WouldBlock),
                _ => Err(Error::Io(e)),
            };
        }
        let n = n as usize;
        if n > cap {
            return Err(Error::Truncated {
                size: n,
                buffer: cap,
            });
        }
        // SAFETY: the kernel initialized the first `n <= cap` bytes.
        unsafe { buf.set_len(n) };
        if let Some(rec) = self.recorder.get() {
            rec.record(PacketType::ToUser, self.protocol, buf);
        }
        Ok(Recv::Datagram {
            sender: addr.nl_pid,
        })
    }

    /// Waits until a datagram is queued, or `deadline` passes
    /// ([`Error::Timeout`]); `None` waits as long as it takes.
    pub fn wait_readable(&self, deadline: Option<Instant>) -> Result<()> {
        loop {
            let ms = match deadline {
                None => -1,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    left.as_millis().min(i32::MAX as u128) as i32
                }
            };
            let mut pfd = libc::pollfd {
                fd: self.sock.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let r = unsafe { libc::poll(&mut pfd, 1, ms) };
            if r > 0 {
                return Ok(());
            }
            if r == 0 {
                return Err(Error::Timeout);
            }
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EINTR) {
                return Err(Error::Io(e));
            }
        }
    }

    /// Joins multicast group `group` (`NETLINK_ADD_MEMBERSHIP`, which works
    /// for ids above 31 too).
    pub fn join_group(&self, group: u32) -> Result<()> {
        self.sock.add_membership(group)?;
        Ok(())
    }

    /// Makes receives non-blocking (for the tokio reactor).
    pub fn set_nonblocking(&self, on: bool) -> Result<()> {
        self.sock.set_non_blocking(on)?;
        Ok(())
    }

    /// Sets the receive buffer size (`SO_RCVBUF`).
    pub fn set_recv_buffer(&self, bytes: usize) -> Result<()> {
        self.sock.set_rx_buf_sz(bytes)?;
        Ok(())
    }
}

/// `send` and `recvfrom` for a request's round trip. Where the C library's
/// `syscall(2)` can make them directly, it does: glibc's `send` and
/// `recvfrom` are thread-cancellation points, and switch asynchronous
/// cancellation on and off around every call (about 60 instructions of the
/// 120 a round trip spends in the C library, measured with callgrind).
/// Rust threads are not cancelled with `pthread_cancel`, so nothing is lost;
/// elsewhere the C library's functions are called.
mod raw {
    use libc::{c_void, sockaddr, socklen_t, ssize_t};

    /// Whether `syscall(2)` makes the calls (where `SYS_sendto` and
    /// `SYS_recvfrom` exist as such).
    macro_rules! direct {
        ($direct:expr, $wrapped:expr) => {{
            #[cfg(any(
                target_arch = "x86_64",
                target_arch = "aarch64",
                target_arch = "riscv64",
                target_arch = "loongarch64"
            ))]
            let r = $direct;
            #[cfg(not(any(
                target_arch = "x86_64",
                target_arch = "aarch64",
                target_arch = "riscv64",
                target_arch = "loongarch64"
            )))]
            let r = $wrapped;
            r
        }};
    }

    /// `send(fd, bytes, 0)` (`sendto` with no address).
    ///
    /// # Safety
    /// `bytes` is a valid slice; `fd` any descriptor.
    #[inline]
    pub(super) unsafe fn send(fd: i32, bytes: &[u8]) -> ssize_t {
        direct!(
            libc::syscall(
                libc::SYS_sendto,
                libc::c_long::from(fd),
                bytes.as_ptr() as libc::c_long,
                bytes.len() as libc::c_long,
                0 as libc::c_long,
                0 as libc::c_long,
                0 as libc::c_long,
            ) as ssize_t,
            libc::send(fd, bytes.as_ptr().cast(), bytes.len(), 0)
        )
    }

    /// `recvfrom(2)`.
    ///
    /// # Safety
    /// As `recvfrom(2)`: `buf` valid for writes of `len` bytes, `addr` for
    /// `*alen` bytes.
    #[inline]
    pub(super) unsafe fn recvfrom(
        fd: i32,
        buf: *mut c_void,
        len: usize,
        flags: i32,
        addr: *mut sockaddr,
        alen: *mut socklen_t,
    ) -> ssize_t {
        direct!(
            libc::syscall(
                libc::SYS_recvfrom,
                libc::c_long::from(fd),
                buf as libc::c_long,
                len as libc::c_long,
                libc::c_long::from(flags),
                addr as libc::c_long,
                alen as libc::c_long,
            ) as ssize_t,
            libc::recvfrom(fd, buf, len, flags, addr, alen)
        )
    }
}

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        self.sock.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `sockaddr_nl` group mask addresses groups 1 to 32 (netlink(7));
    /// 33 is refused before any syscall, as a bad argument.
    #[test]
    fn a_send_to_a_group_past_32_is_an_invalid_argument() {
        let sock = Socket::open(netlink_sys::protocols::NETLINK_GENERIC)
            .expect("a NETLINK_GENERIC socket");
        match sock.send_to(&[0u8; 20], 0, 33) {
            Err(Error::InvalidArgument(why)) => assert!(why.contains("33"), "{why}"),
            other => panic!("group 33: {other:?}"),
        }
    }
}
