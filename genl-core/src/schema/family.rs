//! A family ([`FamilySchema`]) and its commands ([`CommandSchema`]), with
//! the request and reply sets of each operation and the notifications.

use super::{AttrSetSchema, ValueEnumSchema};

/// The request and reply of one operation (`do` or `dump`) of a command.
#[derive(Debug, Clone, Copy)]
pub struct OpSchema {
    /// The attribute set a request carries; `None`: no attributes.
    pub request: Option<&'static AttrSetSchema>,
    /// The attribute set the reply (each dumped message) carries; `None`:
    /// the operation is answered by an ACK only.
    pub reply: Option<&'static AttrSetSchema>,
}

/// A notification the kernel multicasts.
#[derive(Debug, Clone, Copy)]
pub struct EventSchema {
    /// The attribute set the notification carries.
    pub attrs: &'static AttrSetSchema,
    /// The multicast group it is sent to (one of the family's groups).
    pub group: &'static str,
}

/// One command of a family.
#[derive(Debug, Clone, Copy)]
pub struct CommandSchema {
    /// The Rust variant name.
    pub name: &'static str,
    /// The command number (`genlmsghdr.cmd`).
    pub id: u8,
    /// The `do` operation (`doit`), if the kernel serves one.
    pub do_: Option<OpSchema>,
    /// The `dump` operation (`dumpit`), if the kernel serves one.
    pub dump: Option<OpSchema>,
    /// The notification, if the kernel sends the command as an event.
    pub event: Option<EventSchema>,
    /// Whether the command needs `CAP_NET_ADMIN` (`GENL_ADMIN_PERM`).
    pub admin_perm: bool,
    /// Doc comment.
    pub doc: &'static str,
}

impl CommandSchema {
    /// The request set of the `do` operation, else of the `dump`.
    pub fn request_set(&self) -> Option<&'static AttrSetSchema> {
        self.do_
            .and_then(|o| o.request)
            .or_else(|| self.dump.and_then(|o| o.request))
    }

    /// Whether the kernel serves this command (it has a do or a dump).
    pub fn is_op(&self) -> bool {
        self.do_.is_some() || self.dump.is_some()
    }

    /// Every set the command names: requests, replies, the event's set.
    pub fn sets(&self) -> impl Iterator<Item = &'static AttrSetSchema> {
        let ops = [self.do_, self.dump];
        ops.into_iter()
            .flatten()
            .flat_map(|o| [o.request, o.reply])
            .chain([self.event.map(|e| e.attrs)])
            .flatten()
    }
}

/// A generic netlink family.
#[derive(Debug)]
pub struct FamilySchema {
    /// The family name registered with the controller (at most 15 bytes).
    pub name: &'static str,
    /// The family version (`genlmsghdr.version`).
    pub version: u8,
    /// Prefix of the C constants (`DEMO`), if declared.
    pub c_prefix: Option<&'static str>,
    /// The uapi header's path under `include/uapi/` (`linux/demo.h`), if
    /// declared; see [`uapi_header`](Self::uapi_header).
    pub uapi_header: Option<&'static str>,
    /// Multicast group names.
    pub mcast_groups: &'static [&'static str],
    /// The commands.
    pub commands: &'static [CommandSchema],
    /// Doc comment.
    pub doc: &'static str,
}

impl FamilySchema {
    /// The command with number `id`.
    pub fn command(&self, id: u8) -> Option<&'static CommandSchema> {
        self.commands.iter().find(|c| c.id == id)
    }

    /// The uapi header's path under `include/uapi/`: the declared one, or
    /// `linux/<name>.h` (`-` in the name becomes `_`).
    pub fn uapi_header(&self) -> String {
        match self.uapi_header {
            Some(h) => h.to_owned(),
            None => format!("linux/{}.h", self.name.replace('-', "_")),
        }
    }

    /// Every attribute set reachable from the commands (requests, replies,
    /// events and their nests, subsets included), each once, in first-seen
    /// order.
    pub fn attr_sets(&self) -> Vec<&'static AttrSetSchema> {
        let mut out: Vec<&'static AttrSetSchema> = Vec::new();
        fn visit(set: &'static AttrSetSchema, out: &mut Vec<&'static AttrSetSchema>) {
            if out.iter().any(|s| s.path == set.path) {
                return;
            }
            out.push(set);
            if let Some(p) = set.subset_of {
                visit(p, out);
            }
            for a in set.attrs {
                if let Some(n) = a.ty.nested_set() {
                    visit(n, out);
                }
            }
        }
        for c in self.commands {
            for s in c.sets() {
                visit(s, &mut out);
            }
        }
        out
    }

    /// Every value enum used by the family's attribute sets, each once.
    pub fn value_enums(&self) -> Vec<&'static ValueEnumSchema> {
        let mut out: Vec<&'static ValueEnumSchema> = Vec::new();
        for s in self.attr_sets() {
            for a in s.attrs {
                if let Some(e) = a.value_enum {
                    if !out.iter().any(|x| x.path == e.path) {
                        out.push(e);
                    }
                }
            }
        }
        out
    }
}
