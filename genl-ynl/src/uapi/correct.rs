//! The spec rewritten with the headers' values.

use super::*;

/// A spec read from `path` and corrected ([`corrected`]) with the headers
/// of `include_dir` (or [`default_include_dir`] when `None`); with
/// `enabled` false, or no headers found, the text as it is. Returns the
/// text, and the directory used with what the check found.
pub fn read_corrected(
    path: &Path,
    include_dir: Option<&Path>,
    enabled: bool,
) -> Result<(String, Option<(std::path::PathBuf, CrossCheck)>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
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
        return Err(format!(
            "{}: no linux/ headers there (give an include directory such as /usr/include \
             or a kernel tree's include/uapi)",
            dir.display()
        ));
    }
    // Only the headers that can define one of the spec's names: those
    // holding the first word of one (`NL_`, `CTRL_`, `ETHTOOL_`, …).
    let mut stems: Vec<String> = spec_names(&text)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .iter()
        .filter_map(|n| n.c_name.split_inclusive('_').next().map(str::to_owned))
        .collect();
    stems.sort();
    stems.dedup();
    let headers = HeaderConstants::from_include_dir_where(&dir, |t| {
        stems.iter().any(|s| t.contains(s.as_str()))
    })
    .map_err(|e| format!("{}: {e}", dir.display()))?;
    let (fixed, check) =
        corrected(&text, &headers).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((fixed, Some((dir, check))))
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
