//! Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'default'}`) and the
//! `${*}`, `${?}`, `${$}` escapes, in Resource and in string and ARN condition values.

use crate::context::Context;
use crate::glob::Glob;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Policy text: `*` and `?` are wildcards where the operator has them.
    Text(String),
    /// A character written as `${*}`, `${?}` or `${$}`.
    Escaped(char),
    /// `${key}` or `${key, 'default'}`.
    Variable { key: String, default: Option<String> },
}

/// A policy string with its variables located, resolved per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses `raw`; with `variables` false (policy Version 2008-10-17 or none) `${...}` is plain text.
    pub(crate) fn parse(raw: &str, variables: bool) -> Self {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = raw;
        while variables && let Some(start) = rest.find("${") {
            let Some(len) = rest[start..].find('}') else { break };
            let inner = &rest[start + 2..start + len];
            let piece = match inner {
                "*" | "?" | "$" => inner.chars().next().map(Piece::Escaped),
                _ => parse_variable(inner),
            };
            text.push_str(&rest[..start]);
            match piece {
                Some(piece) => {
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(piece);
                }
                // Not a variable: keep the characters as written.
                None => text.push_str(&rest[start..=start + len]),
            }
            rest = &rest[start + len + 1..];
        }
        text.push_str(rest);
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Self { pieces }
    }

    /// The pattern for this request, or `None` when a variable has no value and no default
    /// (AWS: such a value matches nothing, so a negated operator holds against it).
    pub(crate) fn resolve(&self, context: &Context) -> Option<Glob> {
        let mut glob = Glob::default();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => glob.push_pattern(text),
                Piece::Escaped(c) => glob.push_literal(c.encode_utf8(&mut [0; 4])),
                Piece::Variable { key, default } => match (context.single(key), default) {
                    (Some(value), _) => glob.push_literal(value),
                    (None, Some(default)) => glob.push_literal(default),
                    (None, None) => return None,
                },
            }
        }
        Some(glob)
    }
}

/// `key` or `key, 'default'` (a `''` in the default is one quote).
fn parse_variable(inner: &str) -> Option<Piece> {
    let (key, default) = match inner.split_once(',') {
        Some((key, default)) => {
            let quoted = default.trim().strip_prefix('\'')?.strip_suffix('\'')?;
            (key.trim(), Some(quoted.replace("''", "'")))
        }
        None => (inner.trim(), None),
    };
    if key.is_empty() || key.contains(char::is_whitespace) {
        return None;
    }
    Some(Piece::Variable { key: key.to_string(), default })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(raw: &str, context: &Context) -> Option<String> {
        Template::parse(raw, true).resolve(context).map(|g| g.as_text())
    }

    #[test]
    fn variables_are_replaced_from_the_context() {
        let context = Context::new().with("aws:username", "David");
        assert_eq!(resolve("arn:aws:s3:::bucket/${aws:username}/*", &context).unwrap(), "arn:aws:s3:::bucket/David/*");
        assert_eq!(resolve("${AWS:UserName}", &context).unwrap(), "David");
    }

    #[test]
    fn a_variable_without_value_resolves_to_nothing_unless_it_has_a_default() {
        let context = Context::new();
        assert_eq!(resolve("bucket-${aws:PrincipalTag/team}", &context), None);
        assert_eq!(
            resolve("bucket-${aws:PrincipalTag/team, 'company-wide'}", &context).unwrap(),
            "bucket-company-wide"
        );
        assert_eq!(resolve("${aws:username, 'it''s'}", &context).unwrap(), "it's");
    }

    #[test]
    fn escapes_are_literal_characters() {
        let glob = Template::parse("a${*}b${?}${$}", true).resolve(&Context::new()).unwrap();
        assert!(glob.matches("a*b?$"));
        assert!(!glob.matches("aXb?$"));
    }

    #[test]
    fn substituted_values_are_literal_even_with_wildcard_characters() {
        let context = Context::new().with("aws:PrincipalTag/team", "*");
        let glob = Template::parse("team-${aws:PrincipalTag/team}", true).resolve(&context).unwrap();
        assert!(glob.matches("team-*"));
        assert!(!glob.matches("team-red"));
    }

    #[test]
    fn without_variables_or_when_malformed_the_text_is_kept() {
        let context = Context::new().with("aws:username", "David");
        assert_eq!(Template::parse("${aws:username}", false).resolve(&context).unwrap().as_text(), "${aws:username}");
        assert_eq!(resolve("${unclosed", &context).unwrap(), "${unclosed");
        assert_eq!(resolve("${key, unquoted}", &context).unwrap(), "${key, unquoted}");
    }

    #[test]
    fn multivalued_keys_cannot_be_variables() {
        let context = Context::new().with_multi("aws:TagKeys", ["a"]);
        assert_eq!(resolve("${aws:TagKeys}", &context), None);
    }
}
