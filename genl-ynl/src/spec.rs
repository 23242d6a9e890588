//! The subset of the YNL spec format (`Documentation/netlink/genetlink*.yaml`
//! schemas) that the importer reads. Unknown keys are ignored here; the
//! importer rejects or skips the constructs it cannot express.

use serde::Deserialize;

/// A whole spec file.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Spec {
    pub name: String,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub version: Option<u64>,
    #[serde(default)]
    pub definitions: Vec<Definition>,
    #[serde(default)]
    pub attribute_sets: Vec<AttrSetSpec>,
    #[serde(default)]
    pub operations: Option<Operations>,
    #[serde(default)]
    pub mcast_groups: Option<McastGroups>,
}

/// An entry of `definitions`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Definition {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub entries: Vec<Entry>,
    #[serde(default)]
    pub value_start: Option<u64>,
    #[serde(default)]
    pub value: Option<serde_yaml_ng::Value>,
}

/// An entry of an `enum` or `flags` definition: a bare name or a map.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Entry {
    Name(String),
    Full(EntryFull),
}

/// The map form of an entry.
#[derive(Debug, Deserialize)]
pub struct EntryFull {
    pub name: String,
    #[serde(default)]
    pub value: Option<u64>,
    #[serde(default)]
    pub doc: Option<String>,
}

impl Entry {
    pub fn name(&self) -> &str {
        match self {
            Entry::Name(n) => n,
            Entry::Full(f) => &f.name,
        }
    }
    pub fn value(&self) -> Option<u64> {
        match self {
            Entry::Name(_) => None,
            Entry::Full(f) => f.value,
        }
    }
    pub fn doc(&self) -> Option<&str> {
        match self {
            Entry::Name(_) => None,
            Entry::Full(f) => f.doc.as_deref(),
        }
    }
}

/// An entry of `attribute-sets`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct AttrSetSpec {
    pub name: String,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub subset_of: Option<String>,
    #[serde(default)]
    pub attributes: Vec<AttrSpec>,
}

/// One attribute of a set.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct AttrSpec {
    pub name: String,
    #[serde(rename = "type", default)]
    pub ty: Option<String>,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub multi_attr: Option<bool>,
    #[serde(default)]
    pub nested_attributes: Option<String>,
    #[serde(default)]
    pub byte_order: Option<String>,
    #[serde(rename = "enum", default)]
    pub enum_: Option<String>,
    #[serde(default)]
    pub checks: Option<AttrChecks>,
    #[serde(default)]
    pub sub_type: Option<String>,
    #[serde(default)]
    pub type_value: Option<Vec<String>>,
    #[serde(rename = "struct", default)]
    pub struct_: Option<String>,
    #[serde(default)]
    pub sub_message: Option<String>,
    #[serde(default)]
    pub selector: Option<String>,
}

/// `operations`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Operations {
    #[serde(default)]
    pub list: Vec<OpSpec>,
}

/// One operation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OpSpec {
    pub name: String,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub attribute_set: Option<String>,
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(rename = "do", default)]
    pub do_: Option<OpMode>,
    #[serde(default)]
    pub dump: Option<OpMode>,
    #[serde(default)]
    pub notify: Option<String>,
    #[serde(default)]
    pub event: Option<OpMsg>,
    /// The multicast group of a notification or event.
    #[serde(default)]
    pub mcgrp: Option<String>,
}

/// `do` or `dump` of an operation.
#[derive(Debug, Default, Deserialize)]
pub struct OpMode {
    #[serde(default)]
    pub request: Option<OpMsg>,
    #[serde(default)]
    pub reply: Option<OpMsg>,
}

/// A request, reply or event message.
#[derive(Debug, Default, Deserialize)]
pub struct OpMsg {
    /// The attributes it carries, by name.
    #[serde(default)]
    pub attributes: Vec<String>,
}

/// `checks` of an attribute, by name. The run-time model
/// (`family::Checks`) reads their values; the importer only needs to know
/// the checks it cannot express.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct AttrChecks(pub std::collections::BTreeMap<String, serde_yaml_ng::Value>);

/// `mcast-groups`.
#[derive(Debug, Deserialize)]
pub struct McastGroups {
    #[serde(default)]
    pub list: Vec<McastGroup>,
}

/// One multicast group.
#[derive(Debug, Deserialize)]
pub struct McastGroup {
    pub name: String,
}
