//! Condition operator names: `[ForAnyValue:|ForAllValues:]<Operator>[IfExists]`.

/// The comparison an operator makes, in its positive sense (`StringNotEquals` is a negated
/// `StringEquals`; `ArnEquals` and `ArnLike` are the same comparison).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparison {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    ArnLike,
    Null,
}

/// How a multivalued request key is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetOperator {
    /// At least one request value must match; false for an absent or empty key.
    ForAnyValue,
    /// Every request value must match; true for an absent or empty key.
    ForAllValues,
}

/// A parsed condition operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Operator {
    /// As written in the policy.
    pub name: String,
    pub comparison: Comparison,
    /// A `Not` operator: holds when the request value matches none of the policy values.
    pub negated: bool,
    /// `...IfExists`: holds when the key is absent.
    pub if_exists: bool,
    pub set: Option<SetOperator>,
}

const OPERATORS: &[(&str, Comparison, bool)] = &[
    ("StringEquals", Comparison::StringEquals, false),
    ("StringNotEquals", Comparison::StringEquals, true),
    ("StringEqualsIgnoreCase", Comparison::StringEqualsIgnoreCase, false),
    ("StringNotEqualsIgnoreCase", Comparison::StringEqualsIgnoreCase, true),
    ("StringLike", Comparison::StringLike, false),
    ("StringNotLike", Comparison::StringLike, true),
    ("NumericEquals", Comparison::NumericEquals, false),
    ("NumericNotEquals", Comparison::NumericEquals, true),
    ("NumericLessThan", Comparison::NumericLessThan, false),
    ("NumericLessThanEquals", Comparison::NumericLessThanEquals, false),
    ("NumericGreaterThan", Comparison::NumericGreaterThan, false),
    ("NumericGreaterThanEquals", Comparison::NumericGreaterThanEquals, false),
    ("DateEquals", Comparison::DateEquals, false),
    ("DateNotEquals", Comparison::DateEquals, true),
    ("DateLessThan", Comparison::DateLessThan, false),
    ("DateLessThanEquals", Comparison::DateLessThanEquals, false),
    ("DateGreaterThan", Comparison::DateGreaterThan, false),
    ("DateGreaterThanEquals", Comparison::DateGreaterThanEquals, false),
    ("Bool", Comparison::Bool, false),
    ("BinaryEquals", Comparison::BinaryEquals, false),
    ("IpAddress", Comparison::IpAddress, false),
    ("NotIpAddress", Comparison::IpAddress, true),
    ("ArnEquals", Comparison::ArnLike, false),
    ("ArnLike", Comparison::ArnLike, false),
    ("ArnNotEquals", Comparison::ArnLike, true),
    ("ArnNotLike", Comparison::ArnLike, true),
    ("Null", Comparison::Null, false),
];

impl Operator {
    /// Parses an operator name, or says why it is not one.
    pub(crate) fn parse(name: &str) -> Result<Operator, String> {
        let (set, rest) = match name.split_once(':') {
            Some((prefix, rest)) if prefix.eq_ignore_ascii_case("ForAnyValue") => {
                (Some(SetOperator::ForAnyValue), rest)
            }
            Some((prefix, rest)) if prefix.eq_ignore_ascii_case("ForAllValues") => {
                (Some(SetOperator::ForAllValues), rest)
            }
            Some(_) => return Err(format!("unknown condition operator `{name}`")),
            None => (None, name),
        };
        let lookup = |base: &str| OPERATORS.iter().find(|(n, ..)| n.eq_ignore_ascii_case(base));
        let (found, if_exists) = match lookup(rest) {
            Some(found) => (found, false),
            None => match rest.len().checked_sub("IfExists".len()).filter(|at| rest.is_char_boundary(*at)) {
                Some(at) if rest[at..].eq_ignore_ascii_case("IfExists") => {
                    (lookup(&rest[..at]).ok_or_else(|| format!("unknown condition operator `{name}`"))?, true)
                }
                _ => return Err(format!("unknown condition operator `{name}`")),
            },
        };
        let &(_, comparison, negated) = found;
        if comparison == Comparison::Null && (if_exists || set.is_some()) {
            return Err(format!("`{name}`: Null takes neither IfExists nor a set operator"));
        }
        Ok(Operator { name: name.to_string(), comparison, negated, if_exists, set })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_suffixes_are_recognised() {
        let op = Operator::parse("ForAllValues:StringNotLikeIfExists").unwrap();
        assert_eq!(op.comparison, Comparison::StringLike);
        assert!(op.negated && op.if_exists);
        assert_eq!(op.set, Some(SetOperator::ForAllValues));
        let op = Operator::parse("ArnEquals").unwrap();
        assert_eq!((op.comparison, op.negated, op.if_exists, op.set), (Comparison::ArnLike, false, false, None));
    }

    #[test]
    fn unknown_and_invalid_operators_are_rejected() {
        assert!(Operator::parse("StringSortOf").is_err());
        assert!(Operator::parse("ForSomeValues:StringEquals").is_err());
        assert!(Operator::parse("NullIfExists").is_err());
        assert!(Operator::parse("ForAnyValue:Null").is_err());
        assert!(Operator::parse("IfExists").is_err());
    }
}
