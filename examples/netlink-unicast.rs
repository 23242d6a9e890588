//! User↔user netlink: two sockets in one process exchange messages over
//! `NETLINK_USERSOCK` (unicast by port id, then multicast on group 1), the
//! user-space half of the classic netlink tutorials genl grew from.
//!
//! ```text
//! cargo run --example netlink-unicast
//! ```

use genl_core::classic::{ClassicConnection, NETLINK_USERSOCK};

/// A message type of our own (above the reserved control types).
const MSG_HELLO: u16 = 0x20;

fn main() -> Result<(), genl_core::Error> {
    let mut alice = ClassicConnection::new(NETLINK_USERSOCK)?;
    let mut bob = ClassicConnection::new(NETLINK_USERSOCK)?;
    println!(
        "alice is port {}, bob is port {}",
        alice.port_id(),
        bob.port_id()
    );

    let seq = alice.send(bob.port_id(), 0, MSG_HELLO, 0, b"hello bob")?;
    let d = bob.recv()?;
    let msg = d.first()?;
    println!(
        "bob got {:?} from port {} (type {:#x}, seq {seq})",
        String::from_utf8_lossy(msg.payload),
        d.sender,
        msg.header.message_type
    );
    let sender = d.sender;
    bob.send(sender, 0, MSG_HELLO, 0, b"hello alice")?;
    let d = alice.recv()?;
    println!(
        "alice got {:?} from port {}",
        String::from_utf8_lossy(d.first()?.payload),
        d.sender
    );

    // Multicast between user sockets (needs CAP_NET_ADMIN on most kernels).
    match bob.join_group(1) {
        Ok(()) => {
            // The kernel always also unicasts to the destination port, and
            // NETLINK_USERSOCK has no kernel socket: address alice herself
            // (she gets a copy) plus the group.
            let me = alice.port_id();
            alice.send(me, 1, MSG_HELLO, 0, b"hello group 1")?;
            alice.recv()?;
            let d = bob.recv()?;
            println!(
                "bob got {:?} on group 1",
                String::from_utf8_lossy(d.first()?.payload)
            );
        }
        Err(e) => println!("multicast skipped: {e}"),
    }
    Ok(())
}
