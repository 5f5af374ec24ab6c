//! The `Condition` element: operators, keys and values, evaluated against a request context.
//!
//! Semantics (IAM User Guide, "Condition operators" and "Single-valued vs. multivalued context
//! keys"): all operators of a block and all keys of an operator must hold; the values of one key
//! are alternatives. A negated operator (`StringNotEquals`, ...) holds when the request value
//! matches none of the values. An absent key makes a positive operator false and a negated one
//! true; `...IfExists` makes it true either way; `Null` tests presence. `ForAnyValue:` needs one
//! request value to hold (false for an absent or empty key), `ForAllValues:` needs every one to
//! hold (true for an absent or empty key). Without a set operator a multivalued key holds when
//! any value matches a positive operator, and when no value matches a negated one.

mod date;
mod ip;
mod operator;

use serde_json::Value;

use crate::arn;
use crate::context::Context;
use crate::glob::Glob;
use crate::template::Template;
use date::parse_timestamp;
use ip::Cidr;
use operator::{Comparison, Operator, SetOperator};

/// One operator applied to one key with its values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    operator: Operator,
    key: String,
    values: Vec<ConditionValue>,
}

/// A policy value, parsed for its operator.
#[derive(Debug, Clone, PartialEq)]
enum ConditionValue {
    /// String and ARN operators: may hold policy variables.
    Text(Template),
    Number(f64),
    /// Milliseconds since the epoch.
    Date(i64),
    Bool(bool),
    /// Base64 text, compared as written.
    Binary(String),
    Network(Cidr),
    /// `Null`: `true` expects the key to be absent.
    Absent(bool),
}

/// Parses a `Condition` element into its conditions.
pub(crate) fn parse_block(block: &Value, variables: bool) -> Result<Vec<Condition>, String> {
    let Value::Object(operators) = block else { return Err("Condition must be an object".into()) };
    let mut conditions = Vec::new();
    for (name, keys) in operators {
        let operator = Operator::parse(name)?;
        let Value::Object(keys) = keys else { return Err(format!("`{name}` must map condition keys to values")) };
        for (key, values) in keys {
            let values = scalar_list(values)
                .ok_or_else(|| format!("`{name}` `{key}`: values must be strings, numbers or booleans"))?
                .iter()
                .map(|text| {
                    parse_value(operator.comparison, text, variables)
                        .ok_or_else(|| format!("`{name}` `{key}`: `{text}` is not a valid value for this operator"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            conditions.push(Condition { operator: operator.clone(), key: key.clone(), values });
        }
    }
    Ok(conditions)
}

/// A value or list of scalars as text (AWS stores `true` and `10` as `"true"` and `"10"`).
fn scalar_list(value: &Value) -> Option<Vec<String>> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|s| vec![s]),
    }
}

fn parse_value(comparison: Comparison, text: &str, variables: bool) -> Option<ConditionValue> {
    use Comparison::*;
    Some(match comparison {
        StringEquals | StringEqualsIgnoreCase | StringLike | ArnLike => {
            ConditionValue::Text(Template::parse(text, variables))
        }
        NumericEquals | NumericLessThan | NumericLessThanEquals | NumericGreaterThan | NumericGreaterThanEquals => {
            ConditionValue::Number(parse_number(text)?)
        }
        DateEquals | DateLessThan | DateLessThanEquals | DateGreaterThan | DateGreaterThanEquals => {
            ConditionValue::Date(parse_timestamp(text)?)
        }
        Bool => ConditionValue::Bool(parse_bool(text)?),
        BinaryEquals => ConditionValue::Binary(text.to_string()),
        IpAddress => ConditionValue::Network(Cidr::parse(text)?),
        Null => ConditionValue::Absent(parse_bool(text)?),
    })
}

fn parse_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        t if t.eq_ignore_ascii_case("true") => Some(true),
        t if t.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

impl Condition {
    /// Whether this condition holds for the request context.
    pub(crate) fn holds(&self, context: &Context) -> bool {
        let request_values = context.values(&self.key);
        if self.operator.comparison == Comparison::Null {
            let absent = request_values.is_empty();
            return self.values.contains(&ConditionValue::Absent(absent));
        }
        if request_values.is_empty() {
            return match self.operator.set {
                _ if self.operator.if_exists => true,
                Some(SetOperator::ForAllValues) => true,
                Some(SetOperator::ForAnyValue) => false,
                None => self.operator.negated,
            };
        }
        // Policy values resolved once; a value whose variable has no value matches nothing.
        let resolved: Vec<Resolved> = self.values.iter().filter_map(|v| v.resolve(context)).collect();
        let holds_for = |request_value: &String| {
            let matched = resolved.iter().any(|policy_value| self.compare(request_value, policy_value));
            matched != self.operator.negated
        };
        match self.operator.set {
            Some(SetOperator::ForAllValues) => request_values.iter().all(holds_for),
            Some(SetOperator::ForAnyValue) => request_values.iter().any(holds_for),
            None if self.operator.negated => request_values.iter().all(holds_for),
            None => request_values.iter().any(holds_for),
        }
    }

    /// The positive comparison of one request value with one policy value.
    fn compare(&self, request_value: &str, policy_value: &Resolved) -> bool {
        use Comparison::*;
        match (self.operator.comparison, policy_value) {
            (StringEquals, Resolved::Pattern(p)) => request_value == p.as_text(),
            (StringEqualsIgnoreCase, Resolved::Pattern(p)) => {
                request_value.to_lowercase() == p.as_text().to_lowercase()
            }
            (StringLike, Resolved::Pattern(p)) => p.matches(request_value),
            (ArnLike, Resolved::Pattern(p)) => arn::arn_like(p, request_value),
            (comparison, Resolved::Number(policy)) => {
                parse_number(request_value).is_some_and(|request| match comparison {
                    NumericEquals => request == *policy,
                    NumericLessThan => request < *policy,
                    NumericLessThanEquals => request <= *policy,
                    NumericGreaterThan => request > *policy,
                    NumericGreaterThanEquals => request >= *policy,
                    _ => false,
                })
            }
            (comparison, Resolved::Date(policy)) => {
                parse_timestamp(request_value).is_some_and(|request| match comparison {
                    DateEquals => request == *policy,
                    DateLessThan => request < *policy,
                    DateLessThanEquals => request <= *policy,
                    DateGreaterThan => request > *policy,
                    DateGreaterThanEquals => request >= *policy,
                    _ => false,
                })
            }
            (Bool, Resolved::Bool(policy)) => parse_bool(request_value) == Some(*policy),
            (BinaryEquals, Resolved::Binary(policy)) => request_value == *policy,
            (IpAddress, Resolved::Network(network)) => network.contains(request_value),
            _ => false,
        }
    }
}

/// A policy value ready for comparison.
enum Resolved<'a> {
    Pattern(Glob),
    Number(f64),
    Date(i64),
    Bool(bool),
    Binary(&'a str),
    Network(&'a Cidr),
}

impl ConditionValue {
    fn resolve(&self, context: &Context) -> Option<Resolved<'_>> {
        Some(match self {
            ConditionValue::Text(template) => Resolved::Pattern(template.resolve(context)?),
            ConditionValue::Number(n) => Resolved::Number(*n),
            ConditionValue::Date(d) => Resolved::Date(*d),
            ConditionValue::Bool(b) => Resolved::Bool(*b),
            ConditionValue::Binary(b) => Resolved::Binary(b),
            ConditionValue::Network(n) => Resolved::Network(n),
            ConditionValue::Absent(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn holds(block: Value, context: &Context) -> bool {
        parse_block(&block, true).unwrap().iter().all(|c| c.holds(context))
    }

    #[test]
    fn absent_keys_fail_positive_operators_and_satisfy_negated_ones() {
        let empty = Context::new();
        assert!(!holds(json!({"StringEquals": {"k": "v"}}), &empty));
        assert!(holds(json!({"StringNotEquals": {"k": "v"}}), &empty));
        assert!(holds(json!({"StringEqualsIfExists": {"k": "v"}}), &empty));
        assert!(!holds(json!({"NumericLessThan": {"k": "5"}}), &empty));
        assert!(holds(json!({"NotIpAddress": {"k": "10.0.0.0/8"}}), &empty));
    }

    #[test]
    fn an_empty_multivalued_key_counts_as_absent() {
        let context = Context::new().with_multi("aws:TagKeys", Vec::<String>::new());
        assert!(holds(json!({"Null": {"aws:TagKeys": "true"}}), &context));
        assert!(holds(json!({"ForAllValues:StringEquals": {"aws:TagKeys": "a"}}), &context));
        assert!(!holds(json!({"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}), &context));
    }

    #[test]
    fn multivalued_keys_without_set_operator() {
        let context = Context::new().with_multi("aws:TagKeys", ["a", "b"]);
        assert!(holds(json!({"StringEquals": {"aws:TagKeys": "a"}}), &context));
        assert!(!holds(json!({"StringNotEquals": {"aws:TagKeys": "a"}}), &context));
        assert!(holds(json!({"StringNotEquals": {"aws:TagKeys": "c"}}), &context));
    }

    #[test]
    fn a_value_whose_variable_has_no_value_matches_nothing() {
        let context = Context::new().with("s3:ExistingObjectTag/Team", "red");
        assert!(!holds(json!({"StringEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}}), &context));
        assert!(holds(json!({"StringNotEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}}), &context));
        let tagged = context.with("aws:PrincipalTag/Team", "red");
        assert!(holds(json!({"StringEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}}), &tagged));
    }

    #[test]
    fn invalid_values_are_rejected_when_parsing() {
        for block in [
            json!({"NumericLessThan": {"k": "ten"}}),
            json!({"DateLessThan": {"k": "soon"}}),
            json!({"Bool": {"k": "yes"}}),
            json!({"Null": {"k": "maybe"}}),
            json!({"IpAddress": {"k": "10.0.0.0/40"}}),
            json!({"StringEquals": {"k": {"nested": true}}}),
            json!({"StringEquals": "k"}),
            json!({"StringEqualz": {"k": "v"}}),
        ] {
            assert!(parse_block(&block, true).is_err(), "{block}");
        }
    }

    #[test]
    fn string_equals_treats_wildcards_as_characters() {
        let context = Context::new().with("k", "a*");
        assert!(holds(json!({"StringEquals": {"k": "a*"}}), &context));
        assert!(!holds(json!({"StringEquals": {"k": "a?"}}), &context));
        assert!(!holds(json!({"StringEquals": {"k": "*"}}), &Context::new().with("k", "abc")));
    }
}
