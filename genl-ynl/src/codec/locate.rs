//! Offsets back to places: the attribute an extended ACK's offset points
//! at, for error messages.

use super::*;

impl SpecFamily {
    /// The path of the attribute at byte `offset` of `attrs` (a request's
    /// attributes, as [`encode_message`](Self::encode_message) wrote them
    /// after its fixed header), as `cli.py` reports an extended ACK's
    /// `bad-attr`: `.header.dev-name`.
    pub fn attr_path_at(&self, op: &Op, attrs: &[u8], offset: usize) -> Option<String> {
        let set = &self.sets[op.attr_set?];
        self.path_in(set, attrs, 0, offset)
    }

    pub(super) fn path_in(
        &self,
        set: &AttrSet,
        bytes: &[u8],
        base: usize,
        target: usize,
    ) -> Option<String> {
        let mut off = base;
        for t in tlvs(bytes, "").ok()? {
            let a = set.attr_by_id(t.id);
            let full = (t.raw.len() + 4 + 3) & !3;
            if off > target {
                return None;
            }
            if off == target {
                return Some(format!(
                    ".{}",
                    a.map_or_else(|| t.id.to_string(), |a| a.name.clone())
                ));
            }
            if off + full <= target {
                off += full;
                continue;
            }
            let a = a?;
            let inner = match a.ty {
                AttrType::Nest => &self.sets[a.nested?],
                _ => return Some(format!(".{}", a.name)),
            };
            let sub = self.path_in(inner, t.raw, off + 4, target)?;
            return Some(format!(".{}{sub}", a.name));
        }
        None
    }

    /// The set an extended ACK's `miss-nest` offset points into, for
    /// naming a missing attribute: the nest at byte `offset` of `attrs`.
    pub fn nest_set_at(&self, op: &Op, attrs: &[u8], offset: usize) -> Option<&AttrSet> {
        let mut set = &self.sets[op.attr_set?];
        let mut bytes = attrs;
        let mut off = 0;
        'outer: loop {
            for t in tlvs(bytes, "").ok()? {
                let full = (t.raw.len() + 4 + 3) & !3;
                if off + full <= offset {
                    off += full;
                    continue;
                }
                let a = set.attr_by_id(t.id)?;
                let inner = &self.sets[a.nested?];
                if off == offset {
                    return Some(inner);
                }
                set = inner;
                bytes = t.raw;
                off += 4;
                continue 'outer;
            }
            return None;
        }
    }
}
