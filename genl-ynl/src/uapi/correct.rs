//! The spec rewritten with the headers' values.

use std::io;
use std::path::PathBuf;

use super::*;

/// A spec read from `path` and corrected ([`corrected`]) with the headers
/// of `include_dir` (or [`default_include_dir`] when `None`); with
/// `enabled` false, or no headers found, the text as it is. Returns the
/// text, and the directory used with what the check found.
pub fn read_corrected(
    path: &Path,
    include_dir: Option<&Path>,
    enabled: bool,
) -> Result<(String, Option<(PathBuf, CrossCheck)>), UapiReadError> {
    let spec_error = |error| UapiReadError::Spec {
        path: path.to_owned(),
        error,
    };
    let text = std::fs::read_to_string(path).map_err(|error| UapiReadError::Read {
        path: path.to_owned(),
        error,
    })?;
    if !enabled {
        return Ok((text, None));
    }
    let Some(dir) = include_dir
        .map(Path::to_path_buf)
        .or_else(|| default_include_dir(path))
    else {
        return Ok((text, None));
    };
    if !dir.join("linux").is_dir() {
        return Err(UapiReadError::NoHeaders { dir });
    }
    // Only the headers that can define one of the spec's names: those
    // holding the first word of one (`NL_`, `CTRL_`, `ETHTOOL_`, …).
    let mut stems: Vec<String> = spec_names(&text)
        .map_err(spec_error)?
        .iter()
        .filter_map(|n| n.c_name.split_inclusive('_').next().map(str::to_owned))
        .collect();
    stems.sort();
    stems.dedup();
    let headers = match HeaderConstants::from_include_dir_where(&dir, |t| {
        stems.iter().any(|s| t.contains(s.as_str()))
    }) {
        Ok(h) => h,
        Err(error) => return Err(UapiReadError::Headers { dir, error }),
    };
    let (fixed, check) = corrected(&text, &headers).map_err(spec_error)?;
    Ok((fixed, Some((dir, check))))
}

/// Why [`read_corrected`] gave no spec: the spec or the headers could not
/// be read. `Display` names the file or the directory.
#[derive(Debug)]
pub enum UapiReadError {
    /// The spec could not be read.
    Read {
        /// The spec.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// The include directory has no `linux/` directory of headers.
    NoHeaders {
        /// The include directory.
        dir: PathBuf,
    },
    /// The spec could not be read as a spec (to name or correct its
    /// numbers): it is not YAML, or not shaped as a spec.
    Spec {
        /// The spec.
        path: PathBuf,
        /// What is wrong.
        error: UapiError,
    },
    /// The include directory's headers could not be read.
    Headers {
        /// The include directory.
        dir: PathBuf,
        /// What the system said.
        error: io::Error,
    },
}

impl fmt::Display for UapiReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UapiReadError::Read { path, error } => write!(f, "{}: {error}", path.display()),
            UapiReadError::NoHeaders { dir } => write!(
                f,
                "{}: no linux/ headers there (give an include directory such as /usr/include \
                 or a kernel tree's include/uapi)",
                dir.display()
            ),
            UapiReadError::Spec { path, error } => write!(f, "{}: {error}", path.display()),
            UapiReadError::Headers { dir, error } => write!(f, "{}: {error}", dir.display()),
        }
    }
}

impl std::error::Error for UapiReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            UapiReadError::Read { error, .. } | UapiReadError::Headers { error, .. } => Some(error),
            UapiReadError::Spec { error, .. } => Some(error),
            UapiReadError::NoHeaders { .. } => None,
        }
    }
}

/// The spec with the headers' numbers where they disagree: every
/// attribute of a set, entry of an enum and operation (unified model)
/// that holds a disagreement gets an explicit `value:` (the header's where
/// it has one, the spec's own otherwise, so that nothing else moves), and
/// the corrected ones a `doc:` line saying so. Returns the rewritten YAML
/// and the check it acted on; the YAML is the input unchanged when
/// nothing disagrees. Disagreements it cannot correct (a string, a
/// directional message id, a flags value that is not a single bit) stay
/// in the returned check and the spec keeps its value.
pub fn corrected(
    spec_yaml: &str,
    headers: &HeaderConstants,
) -> Result<(String, CrossCheck), UapiError> {
    let mut v: Value =
        serde_yaml_ng::from_str(spec_yaml).map_err(|e| UapiError(format!("not YAML: {e}")))?;
    let names = names_of(&v)?;
    let check = check_names(names.clone(), headers);
    // The corrected value of each disagreeing slot.
    let mut fix: BTreeMap<(u8, usize, usize), (i128, &Disagreement)> = BTreeMap::new();
    for d in &check.disagreements {
        let ConstValue::Int(h) = d.header.value else {
            continue;
        };
        let key = match d.name.slot {
            Slot::Attr(s, a) => (0, s, a),
            Slot::Op(o) => (1, 0, o),
            Slot::Entry(e, i) => (2, e, i),
            Slot::None => continue,
        };
        let new = if d.name.kind == NameKind::FlagsEntry {
            if h <= 0 || h & (h - 1) != 0 {
                continue;
            }
            i128::from(h.trailing_zeros())
        } else {
            h
        };
        fix.insert(key, (new, d));
    }
    if fix.is_empty() {
        return Ok((spec_yaml.to_owned(), check));
    }
    // Lists with a correction are pinned whole: every member keeps its
    // number unless corrected.
    let pinned_lists: std::collections::BTreeSet<(u8, usize)> =
        fix.keys().map(|(k, l, _)| (*k, *l)).collect();
    let top = v
        .as_mapping_mut()
        .expect("names_of checked it is a mapping");
    for n in &names {
        let (key, orig) = match (n.slot, &n.value) {
            (Slot::Attr(s, a), ConstValue::Int(x)) => ((0u8, s, a), *x),
            (Slot::Op(o), ConstValue::Int(x)) => ((1, 0, o), *x),
            (Slot::Entry(e, i), ConstValue::Int(x)) => {
                let pos = if n.kind == NameKind::FlagsEntry {
                    i128::from(x.trailing_zeros())
                } else {
                    *x
                };
                ((2, e, i), pos)
            }
            _ => continue,
        };
        if !pinned_lists.contains(&(key.0, key.1)) {
            continue;
        }
        let (value, note) = match fix.get(&key) {
            Some((new, d)) => (
                *new,
                Some(format!(
                    "The spec numbers this {}, but `{}` has `{}` = {}: the header's value is \
                     used.",
                    n.value, d.header.header, d.name.c_name, d.header.value
                )),
            ),
            None => (orig, None),
        };
        let item = match key.0 {
            0 => top
                .get_mut("attribute-sets")
                .and_then(|x| x.get_mut(key.1))
                .and_then(|x| x.get_mut("attributes"))
                .and_then(|x| x.get_mut(key.2)),
            1 => top
                .get_mut("operations")
                .and_then(|x| x.get_mut("list"))
                .and_then(|x| x.get_mut(key.2)),
            _ => top
                .get_mut("definitions")
                .and_then(|x| x.get_mut(key.1))
                .and_then(|x| x.get_mut("entries"))
                .and_then(|x| x.get_mut(key.2)),
        };
        let Some(item) = item else { continue };
        if let Value::String(name) = item {
            let mut m = Mapping::new();
            m.insert("name".into(), Value::String(name.clone()));
            *item = Value::Mapping(m);
        }
        let Some(m) = item.as_mapping_mut() else {
            continue;
        };
        m.insert("value".into(), Value::Number((value as i64).into()));
        if let Some(note) = note {
            let doc = match m.get("doc").and_then(Value::as_str) {
                Some(d) => format!("{}\n\n{note}", d.trim_end()),
                None => note,
            };
            m.insert("doc".into(), Value::String(doc));
        }
    }
    let text = serde_yaml_ng::to_string(&v).map_err(|e| UapiError(e.to_string()))?;
    Ok((text, check))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    fn fixtures(dir: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures")
            .join(dir)
    }

    #[test]
    fn read_errors_say_what_they_said_as_text() {
        let e = UapiReadError::Read {
            path: PathBuf::from("s.yaml"),
            error: io::Error::from_raw_os_error(2),
        };
        assert_eq!(
            e.to_string(),
            "s.yaml: No such file or directory (os error 2)"
        );
        assert!(e.source().unwrap().is::<io::Error>());
        let e = UapiReadError::NoHeaders {
            dir: PathBuf::from("/inc"),
        };
        assert_eq!(
            e.to_string(),
            "/inc: no linux/ headers there (give an include directory such as /usr/include or \
             a kernel tree's include/uapi)"
        );
        assert!(e.source().is_none());
        let e = UapiReadError::Spec {
            path: PathBuf::from("s.yaml"),
            error: UapiError("not YAML: did not find expected node content".into()),
        };
        assert_eq!(
            e.to_string(),
            "s.yaml: not YAML: did not find expected node content"
        );
        assert!(e.source().unwrap().is::<UapiError>());
        let e = UapiReadError::Headers {
            dir: PathBuf::from("/inc"),
            error: io::Error::from_raw_os_error(13),
        };
        assert_eq!(e.to_string(), "/inc: Permission denied (os error 13)");
        assert!(e.source().unwrap().is::<io::Error>());
    }

    #[test]
    fn each_failure_of_read_corrected_has_its_variant() {
        let missing = fixtures("no-such.yaml");
        let e = read_corrected(&missing, None, true).unwrap_err();
        assert!(matches!(e, UapiReadError::Read { ref path, .. } if *path == missing));
        let spec = std::fs::read_dir(fixtures("ynl"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "yaml"))
            .unwrap();
        let e = read_corrected(&spec, Some(&fixtures("ynl")), true).unwrap_err();
        assert!(matches!(e, UapiReadError::NoHeaders { ref dir } if *dir == fixtures("ynl")));
        let bad = std::env::temp_dir().join(format!("genl-ynl-bad-{}.yaml", std::process::id()));
        std::fs::write(&bad, "name: [").unwrap();
        let e = read_corrected(&bad, Some(&fixtures("uapi")), true);
        std::fs::remove_file(&bad).unwrap();
        let e = e.unwrap_err();
        assert!(matches!(e, UapiReadError::Spec { ref path, .. } if *path == bad));
        assert!(e
            .to_string()
            .starts_with(&format!("{}: not YAML: ", bad.display())));
    }
}
