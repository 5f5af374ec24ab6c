//! Canonical form of IAM-style policy documents, so that AWS's re-serialisation (spacing, key
//! order, a single value vs a one-element list, statement order) never shows up as drift.

use serde_json::{Map, Value};

/// Returns the canonical form of a policy document given as JSON or as a JSON string.
/// Unparseable strings are returned unchanged (and will then differ from any real document).
pub fn normalize(doc: &Value) -> Value {
    let parsed = match doc {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(v) => v,
            Err(_) => return doc.clone(),
        },
        other => other.clone(),
    };
    let Value::Object(mut map) = parsed else { return parsed };
    if let Some(statements) = map.remove("Statement") {
        let mut list: Vec<Value> = as_list(statements).into_iter().map(normalize_statement).collect();
        list.sort_by_key(|s| s.to_string());
        map.insert("Statement".into(), Value::Array(list));
    }
    Value::Object(sorted(map))
}

fn normalize_statement(stmt: Value) -> Value {
    let Value::Object(map) = stmt else { return stmt };
    let mut out = Map::new();
    for (key, value) in map {
        let value = match key.as_str() {
            "Action" | "NotAction" | "Resource" | "NotResource" => string_set(value),
            "Principal" | "NotPrincipal" => match value {
                // `"*"` and `{"AWS": "*"}` mean the same: everyone.
                Value::String(s) if s == "*" => serde_json::json!({"AWS": ["*"]}),
                Value::Object(p) => Value::Object(p.into_iter().map(|(k, v)| (k, string_set(v))).collect()),
                other => other,
            },
            "Condition" => match value {
                Value::Object(ops) => Value::Object(
                    ops.into_iter()
                        .map(|(op, keys)| match keys {
                            Value::Object(k) => {
                                (op, Value::Object(sorted(k.into_iter().map(|(k, v)| (k, string_set(v))).collect())))
                            }
                            other => (op, other),
                        })
                        .collect(),
                ),
                other => other,
            },
            _ => value,
        };
        out.insert(key, value);
    }
    Value::Object(sorted(deep_sort(out)))
}

fn as_list(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items,
        other => vec![other],
    }
}

/// A value or list of values as a sorted, de-duplicated list of scalars.
fn string_set(v: Value) -> Value {
    let mut items: Vec<Value> = as_list(v)
        .into_iter()
        .map(|i| match i {
            // Condition values may be booleans or numbers; AWS stores them as strings.
            Value::Bool(b) => Value::String(b.to_string()),
            Value::Number(n) => Value::String(n.to_string()),
            other => other,
        })
        .collect();
    items.sort_by_key(|i| i.to_string());
    items.dedup();
    Value::Array(items)
}

fn deep_sort(map: Map<String, Value>) -> Map<String, Value> {
    map.into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::Object(m) => Value::Object(sorted(deep_sort(m))),
                other => other,
            };
            (k, v)
        })
        .collect()
}

fn sorted(map: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

/// Whether two policy documents mean the same thing, per [`normalize`].
pub fn equivalent(a: &Value, b: &Value) -> bool {
    normalize(a) == normalize(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn single_values_lists_and_order_are_equivalent() {
        let a = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "B", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:b", "arn:a"],
             "Condition": {"Bool": {"aws:SecureTransport": false}}},
            {"Sid": "A", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": ["kms:*"], "Resource": "*"}
        ]});
        let b = Value::String(
            r#"{"Statement": [{"Action": "kms:*", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::1:root"]}, "Resource": ["*"], "Sid": "A"},
            {"Action": ["s3:*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Effect": "Deny", "Principal": "*", "Resource": ["arn:a", "arn:b"], "Sid": "B"}],
            "Version": "2012-10-17"}"#.to_string(),
        );
        assert!(equivalent(&a, &b));
    }

    #[test]
    fn different_effects_are_not_equivalent() {
        let a = json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}});
        let b = json!({"Statement": {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}});
        assert!(!equivalent(&a, &b));
    }
}
