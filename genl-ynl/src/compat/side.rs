//! What the run-time model does not carry, read from the specs' YAML:
//! required attributes, permissions, per-message extras.

use super::*;

#[derive(Default)]
pub(super) struct AttrExtra {
    pub(super) checks: BTreeMap<String, Yaml>,
    pub(super) required: bool,
}

#[derive(Default, Clone)]
pub(super) struct MsgExtra {
    pub(super) attrs: Vec<String>,
    pub(super) required: Vec<String>,
}

#[derive(Default)]
pub(super) struct OpExtra {
    pub(super) flags: Vec<String>,
    pub(super) dont_validate: Vec<String>,
    /// `do`/`dump`, `request`/`reply`: the message, if written.
    pub(super) msgs: HashMap<(&'static str, &'static str), MsgExtra>,
    pub(super) event: Option<MsgExtra>,
}

pub(super) struct Side {
    pub(super) fam: SpecFamily,
    /// (set, attribute) of full sets.
    pub(super) attrs: HashMap<(String, String), AttrExtra>,
    pub(super) ops: HashMap<String, OpExtra>,
}

pub(super) fn names(v: Option<&Yaml>, at: &str) -> Result<Vec<String>, SpecLoadError> {
    match v {
        None | Some(Yaml::Null) => Ok(Vec::new()),
        Some(Yaml::Sequence(s)) => s
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| SpecLoadError::wrong_type(at, "names", x))
            })
            .collect(),
        Some(v) => Err(SpecLoadError::wrong_type(at, "a list", v)),
    }
}

pub(super) fn list<'y>(m: &'y Mapping, k: &str, at: &str) -> Result<&'y [Yaml], SpecLoadError> {
    match m.get(k) {
        None | Some(Yaml::Null) => Ok(&[]),
        Some(Yaml::Sequence(s)) => Ok(s),
        Some(v) => Err(SpecLoadError::wrong_type(format!("{at}/{k}"), "a list", v)),
    }
}

pub(super) fn msg(m: Option<&Yaml>, at: &str) -> Result<Option<MsgExtra>, SpecLoadError> {
    match m {
        None => Ok(None),
        Some(Yaml::Null) => Ok(Some(MsgExtra::default())),
        Some(Yaml::Mapping(m)) => Ok(Some(MsgExtra {
            attrs: names(m.get("attributes"), &format!("{at}/attributes"))?,
            required: names(m.get("required"), &format!("{at}/required"))?,
        })),
        Some(v) => Err(SpecLoadError::wrong_type(at, "a map", v)),
    }
}

impl Side {
    pub(super) fn load(text: &str) -> Result<Side, SpecLoadError> {
        let fam = SpecFamily::parse(text).map_err(SpecLoadError::Family)?;
        let doc: Yaml = serde_yaml_ng::from_str(text).map_err(SpecLoadError::Yaml)?;
        let top = doc.as_mapping().ok_or(SpecLoadError::NotAMap)?;
        let mut attrs = HashMap::new();
        for s in list(top, "attribute-sets", "")? {
            let Some(s) = s.as_mapping() else { continue };
            if s.get("subset-of").is_some_and(|v| !v.is_null()) {
                continue;
            }
            let Some(sn) = s.get("name").and_then(Yaml::as_str) else {
                continue;
            };
            let at = format!("attribute-sets/{sn}");
            for a in list(s, "attributes", &at)? {
                let Some(a) = a.as_mapping() else { continue };
                let Some(an) = a.get("name").and_then(Yaml::as_str) else {
                    continue;
                };
                let aat = format!("{at}/{an}");
                let mut x = AttrExtra::default();
                match a.get("checks") {
                    None | Some(Yaml::Null) => {}
                    Some(Yaml::Mapping(c)) => {
                        for (k, v) in c {
                            let k = k.as_str().ok_or_else(|| {
                                SpecLoadError::wrong_type(format!("{aat}/checks"), "names", k)
                            })?;
                            x.checks.insert(k.to_owned(), v.clone());
                        }
                    }
                    Some(v) => {
                        return Err(SpecLoadError::wrong_type(
                            format!("{aat}/checks"),
                            "a map",
                            v,
                        ))
                    }
                }
                x.required = match a.get("required") {
                    None | Some(Yaml::Null) => false,
                    Some(Yaml::Bool(b)) => *b,
                    Some(v) => {
                        return Err(SpecLoadError::wrong_type(
                            format!("{aat}/required"),
                            "true or false",
                            v,
                        ))
                    }
                };
                attrs.insert((sn.to_owned(), an.to_owned()), x);
            }
        }
        let mut ops = HashMap::new();
        if let Some(Yaml::Mapping(o)) = top.get("operations") {
            for op in list(o, "list", "operations")? {
                let Some(op) = op.as_mapping() else { continue };
                let Some(on) = op.get("name").and_then(Yaml::as_str) else {
                    continue;
                };
                let at = format!("operations/{on}");
                let mut x = OpExtra {
                    flags: names(op.get("flags"), &format!("{at}/flags"))?,
                    dont_validate: names(op.get("dont-validate"), &format!("{at}/dont-validate"))?,
                    ..OpExtra::default()
                };
                for mode in ["do", "dump"] {
                    let Some(Yaml::Mapping(md)) = op.get(mode) else {
                        continue;
                    };
                    for dir in ["request", "reply"] {
                        if let Some(m) = msg(md.get(dir), &format!("{at}/{mode}/{dir}"))? {
                            x.msgs.insert((mode, dir), m);
                        }
                    }
                }
                x.event = msg(op.get("event"), &format!("{at}/event"))?;
                ops.insert(on.to_owned(), x);
            }
        }
        Ok(Side { fam, attrs, ops })
    }

    pub(super) fn attr_extra(&self, set: &AttrSet, attr: &str) -> Option<&AttrExtra> {
        let full = set.subset_of.as_deref().unwrap_or(&set.name);
        // A subset of a subset: follow to the full set.
        let mut full = full.to_owned();
        for _ in 0..16 {
            match self.fam.set(&full).and_then(|s| s.subset_of.clone()) {
                Some(p) => full = p,
                None => break,
            }
        }
        self.attrs.get(&(full, attr.to_owned()))
    }

    /// The attributes a request requires.
    pub(super) fn required(&self, op: &Op, mode: &'static str) -> Vec<String> {
        let Some(m) = self
            .ops
            .get(&op.name)
            .and_then(|x| x.msgs.get(&(mode, "request")))
        else {
            return Vec::new();
        };
        let set = op.attr_set.map(|i| &self.fam.sets[i]);
        let mut r: Vec<String> = m.required.clone();
        if let Some(set) = set {
            for a in &m.attrs {
                if self.attr_extra(set, a).is_some_and(|x| x.required) && !r.contains(a) {
                    r.push(a.clone());
                }
            }
        }
        r
    }

    pub(super) fn perm(&self, op: &str) -> u8 {
        self.ops.get(op).map_or(0, |x| {
            if x.flags.iter().any(|f| f == "admin-perm") {
                2
            } else if x.flags.iter().any(|f| f == "uns-admin-perm") {
                1
            } else {
                0
            }
        })
    }
}
