//! A raw connection to any netlink protocol.
//!
//! ```text
//! cargo run --example raw-protocol                      # NETLINK_ROUTE: list links
//! cargo run --example raw-protocol -- 25 hello          # a NETLINK_TEST-style module:
//!                                                       # send text, print the reply
//! ```

use genl_core::classic::ClassicConnection;
use genl_core::message::Received;
use genl_core::AttrIter;

const NETLINK_ROUTE: isize = 0;
const RTM_GETLINK: u16 = 18;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_DUMP: u16 = 0x300;
const IFLA_IFNAME: u16 = 3;
/// `struct ifinfomsg` is 16 bytes.
const IFINFOMSG_LEN: usize = 16;

fn list_links() -> Result<(), genl_core::Error> {
    let mut conn = ClassicConnection::new(NETLINK_ROUTE)?;
    conn.send(
        0,
        0,
        RTM_GETLINK,
        NLM_F_REQUEST | NLM_F_DUMP,
        &[0u8; IFINFOMSG_LEN],
    )?;
    loop {
        let d = conn.recv()?;
        for msg in d.messages() {
            let msg = msg?;
            match msg.header.message_type {
                // NLMSG_DONE
                3 => return Ok(()),
                // NLMSG_ERROR
                2 => {
                    if let Received::Error { error: e, .. } = Received::parse(&msg)? {
                        if let Some(k) = e.to_kernel_error() {
                            return Err(k.into());
                        }
                    }
                }
                _ if msg.payload.len() >= IFINFOMSG_LEN => {
                    let index = i32::from_ne_bytes(msg.payload[4..8].try_into().unwrap());
                    let name = AttrIter::new(&msg.payload[IFINFOMSG_LEN..])
                        .filter_map(Result::ok)
                        .find(|a| a.id == IFLA_IFNAME)
                        .map(|a| {
                            String::from_utf8_lossy(a.value)
                                .trim_end_matches('\0')
                                .to_owned()
                        });
                    println!("{index}: {}", name.unwrap_or_default());
                }
                _ => {}
            }
        }
    }
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let r = match args.as_slice() {
        [] => list_links(),
        [proto, text] => (|| {
            let proto: isize = proto
                .parse()
                .map_err(|_| genl_core::Error::UnexpectedReply("the protocol is a number"))?;
            let mut conn = ClassicConnection::new(proto)?;
            conn.send(0, 0, 0x10, NLM_F_REQUEST, text.as_bytes())?;
            let d = conn.recv()?;
            let m = d.first()?;
            println!(
                "reply from port {}: {}",
                d.sender,
                String::from_utf8_lossy(m.payload)
            );
            Ok(())
        })(),
        _ => {
            eprintln!("usage: raw-protocol [PROTOCOL TEXT]");
            return std::process::ExitCode::from(2);
        }
    };
    match r {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("raw-protocol: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
