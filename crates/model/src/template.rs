//! `${address.output}` references inside string properties.
//!
//! A reference names another resource and one of its outputs, e.g. `${kms_key.pii.arn}`. The
//! engine derives dependency edges from them and substitutes the values before a provider sees
//! the properties; during planning, values not known yet become [`UNKNOWN`].

use std::collections::BTreeSet;
use std::ops::Range;

use serde_json::Value;

use crate::props::strings::Strings;
use crate::{Address, AddressError};

/// What an unresolved reference reads as in a plan.
pub const UNKNOWN: &str = "(known after apply)";

/// One `${address.output}` reference.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reference {
    pub address: Address,
    pub output: String,
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "${{{}.{}}}", self.address, self.output)
    }
}

/// The references in one string, in order.
pub fn references(s: &str) -> Result<Vec<Reference>, AddressError> {
    Ok(pieces(s)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Reference { reference, .. } => Some(reference),
            Piece::Text(_) => None,
        })
        .collect())
}

/// A part of a string property, by byte range in it: literal text, or a reference (with the
/// range of its output's name).
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Text(Range<usize>),
    Reference { reference: Reference, output: Range<usize> },
}

/// A string split into literal text and references, in order: parsed once, substituted often.
pub fn pieces(s: &str) -> Result<Vec<Piece>, AddressError> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = s[at..].find("${") {
        let start = at + found;
        if start > at {
            out.push(Piece::Text(at..start));
        }
        let inner_start = start + 2;
        let end = s[inner_start..]
            .find('}')
            .map(|e| inner_start + e)
            .ok_or_else(|| AddressError(format!("unterminated reference in `{s}`")))?;
        let reference = parse(&s[inner_start..end])?;
        out.push(Piece::Reference { output: end - reference.output.len()..end, reference });
        at = end + 1;
    }
    if at < s.len() {
        out.push(Piece::Text(at..s.len()));
    }
    Ok(out)
}

/// One reference from what is inside its `${...}`.
fn parse(inner: &str) -> Result<Reference, AddressError> {
    let (addr, output) = inner
        .rsplit_once('.')
        .ok_or_else(|| AddressError(format!("reference `${{{inner}}}` must look like ${{kind.name.output}}")))?;
    Ok(Reference { address: addr.parse()?, output: output.to_string() })
}

/// Every reference in every string of a JSON value.
pub fn references_in(value: &Value) -> Result<BTreeSet<Reference>, AddressError> {
    let mut out = BTreeSet::new();
    value.each_str(&mut |s: &str| {
        out.extend(references(s)?);
        Ok(())
    })?;
    Ok(out)
}

/// Substitutes every reference in every string of `value` (see [`resolve_string`]).
pub fn resolve(
    value: &mut Value,
    lookup: &impl Fn(&Reference) -> Option<String>,
    on_missing: Option<&str>,
) -> Result<(), Unresolved> {
    value.each_string_mut(&mut |s: &mut String| resolve_string(s, lookup, on_missing))
}

/// Substitutes every reference in `s`. `lookup` returns an output's value; when it returns
/// `None`, `on_missing` decides: `Some(text)` substitutes that text, `None` fails.
pub fn resolve_string(
    s: &mut String,
    lookup: &impl Fn(&Reference) -> Option<String>,
    on_missing: Option<&str>,
) -> Result<(), Unresolved> {
    if !s.contains("${") {
        return Ok(());
    }
    let split = pieces(s).map_err(|e| Unresolved(e.0))?;
    let mut resolved = String::with_capacity(s.len());
    for piece in &split {
        match piece {
            Piece::Text(text) => resolved.push_str(&s[text.clone()]),
            Piece::Reference { reference, .. } => {
                push_value(&mut resolved, lookup(reference).as_deref(), on_missing, || reference.to_string())?
            }
        }
    }
    *s = resolved;
    Ok(())
}

/// Appends a reference's value to `out`: `value`, else `on_missing`; with neither, fails naming
/// the reference (`named`, as `${kind.name.output}`).
pub fn push_value(
    out: &mut String,
    value: Option<&str>,
    on_missing: Option<&str>,
    named: impl FnOnce() -> String,
) -> Result<(), Unresolved> {
    let text = value.or(on_missing).ok_or_else(|| Unresolved(named()))?;
    out.push_str(text);
    Ok(())
}

/// A reference whose value is not available.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reference {0} has no value")]
pub struct Unresolved(pub String);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_references_in_templates() {
        let s = "a-${subnet.a.id},${subnet.b.arn}";
        let split = pieces(s).unwrap();
        assert_eq!(split.len(), 4);
        assert_eq!(split[0], Piece::Text(0..2));
        let Piece::Reference { reference, output } = &split[1] else { panic!("{split:?}") };
        assert_eq!((reference.address.to_string(), &s[output.clone()]), ("subnet.a".to_string(), "id"));
        assert_eq!(split[2], Piece::Text(16..17));
        let Piece::Reference { reference, output } = &split[3] else { panic!("{split:?}") };
        assert_eq!((reference.address.name(), &s[output.clone()]), ("b", "arn"));
        let refs = references("${subnet.a.id},${subnet.b.id}").unwrap();
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[1].address.to_string(), "subnet.b");
        assert_eq!(refs[1].output, "id");
        let refs = references("${ssm_parameter.network/vpc-id.arn}").unwrap();
        assert_eq!(refs[0].address.name(), "network/vpc-id");
        assert!(references("${vpc.main").is_err());
        assert!(references("${bogus.x.id}").is_err());
        assert!(references("plain").unwrap().is_empty());
    }

    #[test]
    fn resolves_nested_strings_and_marks_unknowns() {
        let mut v = json!({"a": ["x-${vpc.main.id}-y", {"b": "${kms_key.pii.arn}"}], "n": 3});
        let lookup = |r: &Reference| (r.output == "id").then(|| "vpc-1".to_string());
        assert!(resolve(&mut v.clone(), &lookup, None).is_err());
        resolve(&mut v, &lookup, Some(UNKNOWN)).unwrap();
        assert_eq!(v, json!({"a": ["x-vpc-1-y", {"b": UNKNOWN}], "n": 3}));
    }
}
