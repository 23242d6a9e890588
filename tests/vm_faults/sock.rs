//! A raw netlink socket through libc ([`Sock`]) and the messages it reads
//! ([`Msg`]).

use super::*;

/// A netlink socket through libc, so that the fault window holds exactly
/// the `sendto` and `recv` calls of the exchange.
pub(crate) struct Sock {
    pub(crate) fd: OwnedFd,
    pub(crate) seq: u32,
    pub(crate) buf: Vec<u8>,
}

/// One message: type, flags, seq, payload (after the 16-byte header).
pub(crate) struct Msg {
    pub(crate) ty: u16,
    pub(crate) flags: u16,
    pub(crate) seq: u32,
    pub(crate) payload: Vec<u8>,
}

impl Msg {
    /// The errno of an NLMSG_ERROR or NLMSG_DONE (0: ACK or clean end).
    pub(crate) fn code(&self) -> i32 {
        self.payload
            .get(..4)
            .map_or(0, |b| -i32::from_ne_bytes(b.try_into().unwrap()))
    }
}

#[derive(Debug)]
pub(crate) enum RecvError {
    Timeout,
    Errno(i32),
    /// A datagram that is not a sequence of netlink messages.
    Malformed(String),
}

impl Sock {
    pub(crate) fn new(protocol: i32, timeout: Duration) -> Sock {
        // SAFETY: plain socket calls on a descriptor this function owns;
        // the option values are the types and sizes passed.
        unsafe {
            let fd = libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                protocol,
            );
            assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
            let fd = OwnedFd::from_raw_fd(fd);
            let mut addr: libc::sockaddr_nl = std::mem::zeroed();
            addr.nl_family = libc::AF_NETLINK as u16;
            let r = libc::bind(
                fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            );
            assert_eq!(r, 0, "bind: {}", std::io::Error::last_os_error());
            let tv = libc::timeval {
                tv_sec: timeout.as_secs() as libc::time_t,
                tv_usec: timeout.subsec_micros() as libc::suseconds_t,
            };
            let r = libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&tv as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as u32,
            );
            assert_eq!(r, 0, "SO_RCVTIMEO: {}", std::io::Error::last_os_error());
            Sock {
                fd,
                seq: 1,
                // Not zeroes: written, so that every page is there before
                // a fault window (recv would page-fault on a fresh one).
                buf: vec![0x5a; 256 * 1024],
            }
        }
    }

    pub(crate) fn join(&self, group: u32) {
        // SAFETY: setsockopt with a u32 value of the size passed.
        let r = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_NETLINK,
                libc::NETLINK_ADD_MEMBERSHIP,
                (&group as *const u32).cast(),
                4,
            )
        };
        assert_eq!(
            r,
            0,
            "join group {group}: {}",
            std::io::Error::last_os_error()
        );
    }

    /// Gives `msg` (one complete message) the next sequence number.
    pub(crate) fn stamp(&mut self, msg: &mut [u8]) -> u32 {
        self.seq += 1;
        msg[8..12].copy_from_slice(&self.seq.to_ne_bytes());
        self.seq
    }

    /// Sends `msg` to the kernel; the errno of `sendto` on failure.
    pub(crate) fn send(&self, msg: &[u8]) -> Result<(), i32> {
        let mut addr: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        addr.nl_family = libc::AF_NETLINK as u16;
        // SAFETY: the buffer and address are valid for the sizes passed.
        let n = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                msg.as_ptr().cast(),
                msg.len(),
                0,
                (&addr as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if n < 0 {
            return Err(std::io::Error::last_os_error().raw_os_error().unwrap());
        }
        assert_eq!(n as usize, msg.len(), "short send");
        Ok(())
    }

    /// The messages of the next datagram.
    pub(crate) fn recv(&mut self) -> Result<Vec<Msg>, RecvError> {
        let n = self.recv_raw()?;
        self.parse(n)
    }

    /// Receives the next datagram into the buffer (the system call alone);
    /// its length.
    pub(crate) fn recv_raw(&mut self) -> Result<usize, RecvError> {
        // SAFETY: the buffer is valid for its length.
        let n = unsafe {
            libc::recv(
                self.fd.as_raw_fd(),
                self.buf.as_mut_ptr().cast(),
                self.buf.len(),
                0,
            )
        };
        if n < 0 {
            let e = std::io::Error::last_os_error().raw_os_error().unwrap();
            return Err(if e == libc::EAGAIN {
                RecvError::Timeout
            } else {
                RecvError::Errno(e)
            });
        }
        Ok(n as usize)
    }

    /// The messages of the datagram of `n` bytes in the buffer.
    pub(crate) fn parse(&self, n: usize) -> Result<Vec<Msg>, RecvError> {
        let d = &self.buf[..n];
        let mut out = Vec::new();
        let mut pos = 0;
        while pos + 16 <= d.len() {
            let len = u32::from_ne_bytes(d[pos..pos + 4].try_into().unwrap()) as usize;
            if len < 16 || pos + len > d.len() {
                return Err(RecvError::Malformed(format!(
                    "at {pos} (nlmsg_len {len}) of {} bytes: {:02x?}",
                    d.len(),
                    &d[..d.len().min(64)]
                )));
            }
            out.push(Msg {
                ty: u16::from_ne_bytes([d[pos + 4], d[pos + 5]]),
                flags: u16::from_ne_bytes([d[pos + 6], d[pos + 7]]),
                seq: u32::from_ne_bytes(d[pos + 8..pos + 12].try_into().unwrap()),
                payload: d[pos + 16..pos + len].to_vec(),
            });
            pos += (len + 3) & !3;
        }
        Ok(out)
    }
}
