//! Policy documents: parsing and validating `Version`, `Id` and `Statement`.

use serde_json::Value;

use crate::error::PolicyError;
use crate::statement::Statement;

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    id: Option<String>,
    statements: Vec<Statement>,
}

impl Policy {
    /// Parses a policy document, given as JSON or as a JSON string (as AWS APIs return it).
    ///
    /// Policy variables are substituted only under `"Version": "2012-10-17"`; under `2008-10-17`
    /// or without a Version, `${...}` is literal text, as in AWS.
    pub fn parse(document: &Value) -> Result<Policy, PolicyError> {
        if let Value::String(text) = document {
            return Self::parse_str(text);
        }
        let Value::Object(elements) = document else { return Err(PolicyError::NotAnObject) };
        let mut variables = false;
        let mut id = None;
        let mut statements = None;
        for (name, value) in elements {
            match name.as_str() {
                "Version" => match value.as_str() {
                    Some("2012-10-17") => variables = true,
                    Some("2008-10-17") => variables = false,
                    Some(other) => return Err(PolicyError::UnsupportedVersion(other.to_string())),
                    None => return Err(PolicyError::NotAString("Version")),
                },
                "Id" => id = Some(value.as_str().ok_or(PolicyError::NotAString("Id"))?.to_string()),
                "Statement" => statements = Some(value),
                other => return Err(PolicyError::UnknownElement(other.to_string())),
            }
        }
        let statements = match statements.ok_or(PolicyError::MissingStatement)? {
            Value::Array(items) => items.iter().collect(),
            single => vec![single],
        };
        let statements = statements
            .into_iter()
            .enumerate()
            .map(|(index, statement)| Statement::parse(index, statement, variables))
            .collect::<Result<_, _>>()?;
        Ok(Policy { id, statements })
    }

    /// Parses a policy document from JSON text.
    pub fn parse_str(text: &str) -> Result<Policy, PolicyError> {
        let value: Value = serde_json::from_str(text).map_err(|e| PolicyError::InvalidJson(e.to_string()))?;
        if value.is_string() {
            return Err(PolicyError::NotAnObject);
        }
        Self::parse(&value)
    }

    /// The policy's `Id`, if any.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }
}

/// A string or a list of strings (the form of Action, Resource and Principal entries).
pub(crate) fn string_list(value: &Value) -> Result<Vec<String>, String> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string).ok_or_else(|| format!("entries must be strings, not {item}")))
            .collect(),
        other => Err(format!("must be a string or a list of strings, not {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_single_statement_object_or_a_list() {
        let single = Policy::parse(&json!({"Version": "2012-10-17", "Statement":
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}))
        .unwrap();
        assert_eq!(single.statements().len(), 1);
        let text = r#"{"Id": "p1", "Statement": [{"Sid": "A", "Effect": "Deny", "Action": "*", "Resource": "*"}]}"#;
        let from_string = Policy::parse(&Value::String(text.into())).unwrap();
        assert_eq!(from_string.id(), Some("p1"));
        assert_eq!(from_string.statements()[0].sid(), Some("A"));
    }

    #[test]
    fn malformed_documents_are_rejected() {
        let statement = json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"});
        assert_eq!(Policy::parse(&json!([])), Err(PolicyError::NotAnObject));
        assert_eq!(Policy::parse(&json!({"Version": "2012-10-17"})), Err(PolicyError::MissingStatement));
        assert_eq!(
            Policy::parse(&json!({"Version": "2019-01-01", "Statement": statement})),
            Err(PolicyError::UnsupportedVersion("2019-01-01".into()))
        );
        assert_eq!(Policy::parse(&json!({"Statment": statement})), Err(PolicyError::UnknownElement("Statment".into())));
        assert!(matches!(Policy::parse_str("{"), Err(PolicyError::InvalidJson(_))));
    }
}
