//! The family as a whole: name, protocol, version, definitions, structs
//! and multicast groups.

use super::*;

impl Cmp<'_> {
    pub(super) fn family(&mut self) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        if o.name != n.name {
            self.push(
                FAMILY_RENAMED,
                "name",
                format!(
                    "the family `{}` is now `{}`: an old client resolving `{}` through nlctrl gets ENOENT",
                    o.name, n.name, o.name
                ),
            );
        }
        if o.protocol != n.protocol {
            let p = |p: Protocol| match p {
                Protocol::Genetlink => "generic netlink".to_owned(),
                Protocol::Raw { protonum } => format!("netlink protocol {protonum}"),
            };
            self.push(
                PROTOCOL_CHANGED,
                "protocol",
                format!("{} is now {}", p(o.protocol), p(n.protocol)),
            );
        }
        if o.version != n.version {
            self.push(
                VERSION_CHANGED,
                "version",
                format!(
                    "version {} is now {}: the kernel accepts requests of any version; clients that check the version nlctrl reports may refuse the module",
                    o.version, n.version
                ),
            );
        }
    }

    pub(super) fn definitions(&mut self) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        let mut enums: Vec<&String> = o.enums.keys().collect();
        enums.sort();
        for name in enums {
            let oe = &o.enums[name];
            let at = format!("definitions/{name}");
            let Some(ne) = n.enums.get(name) else {
                self.push(
                    ENUM_REMOVED,
                    at,
                    format!(
                        "the {} `{name}` is gone",
                        if oe.flags { "flags" } else { "enum" }
                    ),
                );
                continue;
            };
            if oe.flags != ne.flags {
                self.push(
                    ENUM_KIND_CHANGED,
                    at,
                    if oe.flags {
                        "flags (bits) became an enum (values)"
                    } else {
                        "an enum (values) became flags (bits)"
                    },
                );
                continue;
            }
            let what = |flags: bool, v: u64| {
                if flags {
                    format!("bit {v} (0x{:x})", 1u128 << v.min(127))
                } else {
                    format!("{v}")
                }
            };
            let mut removed = Vec::new();
            for (en, ov) in &oe.entries {
                match ne.value_of(en) {
                    Some(nv) if nv != *ov => self.push(
                        ENUM_ENTRY_RENUMBERED,
                        format!("{at}/{en}"),
                        format!(
                            "`{en}` was {} and is now {}: old and new peers read each other's value as another entry",
                            what(oe.flags, *ov),
                            what(ne.flags, nv)
                        ),
                    ),
                    Some(_) => {}
                    None => removed.push((en.as_str(), *ov)),
                }
            }
            let mut added: Vec<(&str, u64)> = ne
                .entries
                .iter()
                .filter(|(en, _)| oe.value_of(en).is_none())
                .map(|(en, v)| (en.as_str(), *v))
                .collect();
            for (r, a) in pair_renames(&mut removed, &mut added, |r, a| r.1 == a.1) {
                self.push(
                    ENUM_ENTRY_RENAMED,
                    format!("{at}/{}", r.0),
                    format!(
                        "`{}` is now `{}` (same value {})",
                        r.0,
                        a.0,
                        what(oe.flags, r.1)
                    ),
                );
            }
            for (en, v) in removed {
                self.push(
                    ENUM_ENTRY_REMOVED,
                    format!("{at}/{en}"),
                    format!(
                        "`{en}` ({}) is gone: an old client sending it may get EINVAL, and the new module never reports it",
                        what(oe.flags, v)
                    ),
                );
            }
            for (en, v) in added {
                self.push(
                    ENUM_ENTRY_ADDED,
                    format!("{at}/{en}"),
                    format!(
                        "new `{en}` ({}): an old client may receive it and not know it; a new client sending it to an old module may get EINVAL (out of range) or have it misread",
                        what(ne.flags, v)
                    ),
                );
            }
        }
        let mut consts: Vec<&String> = o.consts.keys().collect();
        consts.sort();
        for name in consts {
            let at = format!("definitions/{name}");
            match n.consts.get(name) {
                None => self.push(CONST_REMOVED, at, format!("the constant `{name}` is gone")),
                Some(v) if *v != o.consts[name] => self.push(
                    CONST_CHANGED,
                    at,
                    format!("`{name}` was {} and is now {v}", o.consts[name]),
                ),
                Some(_) => {}
            }
        }
    }

    pub(super) fn structs(&mut self) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        let headers: HashSet<&str> = o
            .ops
            .iter()
            .filter_map(|op| op.fixed_header.as_deref())
            .chain(
                o.sub_messages
                    .values()
                    .flat_map(|s| s.formats.iter().filter_map(|f| f.fixed_header.as_deref())),
            )
            .collect();
        let mut names: Vec<&String> = o.structs.keys().collect();
        names.sort();
        for name in names {
            let os = &o.structs[name];
            let at = format!("definitions/{name}");
            let Some(ns) = n.structs.get(name) else {
                self.push(STRUCT_REMOVED, at, format!("the struct `{name}` is gone"));
                continue;
            };
            let (lo, ln) = (layout(os), layout(ns));
            if lo != ln {
                if !headers.contains(name.as_str()) {
                    self.push(
                        STRUCT_LAYOUT_CHANGED,
                        at,
                        format!(
                            "the struct `{name}` changed layout ({} bytes, now {}): peers misread its members",
                            os.size, ns.size
                        ),
                    );
                }
                continue;
            }
            for (a, b) in os.members.iter().zip(&ns.members) {
                if a.name != b.name {
                    self.push(
                        STRUCT_MEMBER_RENAMED,
                        format!("{at}/{}", a.name),
                        format!("member `{}` is now `{}`", a.name, b.name),
                    );
                }
            }
        }
    }

    pub(super) fn groups(&mut self) {
        let (o, n) = (&self.old.fam, &self.new.fam);
        let mut removed: Vec<&crate::family::McastGroup> = Vec::new();
        for g in &o.mcast_groups {
            match n.mcast_groups.iter().find(|x| x.name == g.name) {
                Some(x) if x.value != g.value => self.push(
                    MCGRP_RENUMBERED,
                    format!("mcast-groups/{}", g.name),
                    format!(
                        "group number {} is now {}",
                        g.value.map_or("-".into(), |v| v.to_string()),
                        x.value.map_or("-".into(), |v| v.to_string())
                    ),
                ),
                Some(_) => {}
                None => removed.push(g),
            }
        }
        let mut added: Vec<&crate::family::McastGroup> = n
            .mcast_groups
            .iter()
            .filter(|x| o.mcast_groups.iter().all(|g| g.name != x.name))
            .collect();
        // Renamed: the same fixed number, or the same notifications moved.
        let moved = |a: &str, b: &str| {
            o.ops.iter().any(|op| {
                op.mcgrp.as_deref() == Some(a)
                    && n.op(&op.name)
                        .is_some_and(|x| x.mcgrp.as_deref() == Some(b))
            })
        };
        let renamed = pair_renames(&mut removed, &mut added, |r, a| {
            (r.value.is_some() && r.value == a.value) || moved(&r.name, &a.name)
        });
        for (r, a) in renamed {
            self.push(
                MCGRP_RENAMED,
                format!("mcast-groups/{}", r.name),
                format!(
                    "group `{}` is now `{}`: an old client joining `{}` by name fails",
                    r.name, a.name, r.name
                ),
            );
        }
        for r in removed {
            self.push(
                MCGRP_REMOVED,
                format!("mcast-groups/{}", r.name),
                format!(
                    "group `{}` is gone: an old client joining it fails (nlctrl does not list it)",
                    r.name
                ),
            );
        }
        for a in added {
            self.push(
                MCGRP_ADDED,
                format!("mcast-groups/{}", a.name),
                format!("new group `{}`: a new client joining it on an old module fails to resolve it; old clients are unaffected", a.name),
            );
        }
    }
}
