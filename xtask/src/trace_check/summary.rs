//! What a comparison covered.

use super::*;

/// What a comparison covered.
#[derive(Debug, Default)]
pub struct Summary {
    /// Frames (pcap records).
    pub frames: usize,
    /// Netlink messages genl decoded.
    pub messages: usize,
    /// Of them, the family's (its own, and the outcomes of its requests).
    pub family_messages: usize,
    /// Field values found equal.
    pub values: usize,
    /// Values by field (only fields with some).
    pub covered: BTreeMap<String, usize>,
    /// Fields in which genl's values came in another order than tshark's
    /// (attributes of one set under different parents).
    pub reordered: usize,
    /// `genl_<family>`.
    pub proto: String,
    /// The family's name.
    pub family: String,
}

impl Summary {
    /// The values of the family's attributes (fields
    /// `genl_<family>.<set>.<attr>`, not the outcome's).
    pub fn attribute_values(&self) -> usize {
        let p = format!("{}.", self.proto);
        self.covered
            .iter()
            .filter(|(k, _)| {
                k.strip_prefix(&p)
                    .is_some_and(|r| r.contains('.') && !r.starts_with("extack."))
            })
            .map(|(_, v)| v)
            .sum()
    }

    /// Fails unless each of `fields` (without the `genl_<family>.`
    /// prefix) had some value.
    pub fn require(&self, fields: &[&str]) -> Result<(), String> {
        for f in fields {
            let k = format!("{}.{f}", self.proto);
            if self.covered.get(&k).copied().unwrap_or(0) == 0 {
                return Err(format!(
                    "tshark showed no {k}: the session or the dissector lost it ({self})"
                ));
            }
        }
        Ok(())
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c: Vec<String> = self
            .covered
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={v}",
                    k.strip_prefix(&format!("{}.", self.proto)).unwrap_or(k)
                )
            })
            .collect();
        write!(
            f,
            "{} frames, {} messages ({} of {}), {} field values in {} fields equal in tshark and \
             genl trace ({})",
            self.frames,
            self.messages,
            self.family_messages,
            self.family,
            self.values,
            self.covered.len(),
            c.join(", ")
        )
    }
}
