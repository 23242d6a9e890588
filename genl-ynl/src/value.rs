//! An ordered JSON value, as `cli.py` reads and prints it: objects keep
//! their keys in document (or decode) order, integers are exact up to 128
//! bits, and [`Value::to_python_json`] prints what Python's
//! `json.dumps(obj)` prints (`", "` and `": "` separators, non-ASCII as
//! `\uXXXX`), so `genl ynl`'s output can be compared with `cli.py
//! --output-json` byte for byte.

use std::fmt::{self, Write as _};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Why JSON text is not a [`Value`] ([`Value::parse_json`]): it is not
/// JSON, has text after the value, or has a number that is not an
/// integer. `Display` is serde_json's message, with the line and column.
#[derive(Debug)]
pub struct JsonValueError(pub serde_json::Error);

impl fmt::Display for JsonValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for JsonValueError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// A JSON value whose objects keep their key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer (every netlink scalar fits).
    Int(i128),
    /// A string.
    Str(String),
    /// An array.
    List(Vec<Value>),
    /// An object, keys in order.
    Map(Vec<(String, Value)>),
}

impl Value {
    /// Parses JSON text, keeping the order of object keys. Numbers must be
    /// integers (netlink has no floating point); the error says where.
    pub fn parse_json(text: &str) -> Result<Value, JsonValueError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let v = Value::deserialize(&mut de).map_err(JsonValueError)?;
        de.end().map_err(JsonValueError)?;
        Ok(v)
    }

    /// The value of key `key` of an object (`None` for other values).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Python's truthiness: `null`, `false`, `0`, `""`, `[]` and `{}` are
    /// false (how `cli.py` decides whether to send a flag attribute).
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
        }
    }

    /// A short name of the value's JSON type, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Str(_) => "a string",
            Value::List(_) => "an array",
            Value::Map(_) => "an object",
        }
    }

    /// Inserts or replaces `key` in an object, as Python's `dict[key] =
    /// value` does: a replaced key keeps its position.
    pub fn set(map: &mut Vec<(String, Value)>, key: &str, value: Value) {
        match map.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => map.push((key.to_owned(), value)),
        }
    }

    /// The value as Python's `json.dumps` prints it.
    pub fn to_python_json(&self) -> String {
        let mut s = String::new();
        self.write_python_json(&mut s);
        s
    }

    fn write_python_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Str(s) => write_py_str(out, s),
            Value::List(l) => {
                out.push('[');
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_python_json(out);
                }
                out.push(']');
            }
            Value::Map(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_py_str(out, k);
                    out.push_str(": ");
                    v.write_python_json(out);
                }
                out.push('}');
            }
        }
    }
}

/// A string as Python's `json.dumps` (with `ensure_ascii`) writes it.
fn write_py_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if !(' '..='~').contains(&c) => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_python_json())
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value with integer numbers")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Err(E::custom(format!(
            "{v} is not an integer (netlink values are integers, strings, objects or arrays)"
        )))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element()? {
            v.push(x);
        }
        Ok(Value::List(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut m: Vec<(String, Value)> = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            // A repeated key: the last wins, as in Python's json.loads.
            Value::set(&mut m, &k, v);
        }
        Ok(Value::Map(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_json_text() {
        // What `python3 -c 'import json; print(json.dumps({"a": [1, -2,
        // "é\u2603\U0001f600\n\"\\x\x7f\x01"], "b": None, "c": True,
        // "d": {}}))'` printed (Python 3.11).
        let v = Value::parse_json(
            r#"{"a": [1, -2, "é☃😀\n\"\\x\u007f\u0001"], "b": null, "c": true, "d": {}}"#,
        )
        .unwrap();
        assert_eq!(
            v.to_python_json(),
            r#"{"a": [1, -2, "\u00e9\u2603\ud83d\ude00\n\"\\x\u007f\u0001"], "b": null, "c": true, "d": {}}"#
        );
    }

    #[test]
    fn key_order_is_kept_and_floats_are_refused() {
        let v = Value::parse_json(r#"{"z": 1, "a": 2, "z": 3}"#).unwrap();
        assert_eq!(
            v,
            Value::Map(vec![
                ("z".into(), Value::Int(3)),
                ("a".into(), Value::Int(2))
            ])
        );
        let e = Value::parse_json(r#"{"mtu": 1.5}"#).unwrap_err();
        assert!(e.to_string().contains("not an integer"), "{e}");
        assert!(Value::parse_json("{} x").is_err());
        assert_eq!(
            Value::parse_json("18446744073709551615").unwrap(),
            Value::Int(u64::MAX.into())
        );
    }

    #[test]
    fn json_errors_are_serde_json_s_messages_and_keep_the_cause() {
        use std::error::Error as _;
        // What `e.to_string()` of serde_json's error gave before.
        let e = Value::parse_json(r#"{"mtu": 1.5}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "1.5 is not an integer (netlink values are integers, strings, objects or arrays) \
             at line 1 column 11"
        );
        let cause = e.source().unwrap().downcast_ref::<serde_json::Error>();
        assert_eq!(cause.map(|c| (c.line(), c.column())), Some((1, 11)));
        let e = Value::parse_json("{} x").unwrap_err();
        assert_eq!(e.to_string(), "trailing characters at line 1 column 4");
        assert!(e.source().unwrap().is::<serde_json::Error>());
    }
}
