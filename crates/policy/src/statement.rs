//! One policy statement: parsing and matching a request against it.

use serde_json::Value;

use crate::condition::{self, Condition};
use crate::context::Context;
use crate::error::{PolicyError, StatementAt};
use crate::glob::Glob;
use crate::policy::string_list;
use crate::principal::{self, Principal, PrincipalMatch, PrincipalPattern};
use crate::template::Template;

/// Whether a statement allows or denies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// A listed element (`Action`, `Resource`, `Principal`) or its `Not` form.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Selector<T> {
    Listed(Vec<T>),
    AllExcept(Vec<T>),
}

/// The elements a statement may have.
const ELEMENTS: [&str; 9] =
    ["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"];

/// A parsed statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    sid: Option<String>,
    effect: Effect,
    /// Lower-cased patterns: actions match case-insensitively.
    actions: Selector<Glob>,
    /// `None`: no Resource element (as in trust policies), which covers the resource the
    /// policy is attached to.
    resources: Option<Selector<Template>>,
    principals: Option<Selector<PrincipalPattern>>,
    conditions: Vec<Condition>,
}

impl Statement {
    /// The statement's `Sid`, if any.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Whether the statement has a `Principal` or `NotPrincipal` element.
    pub fn names_principals(&self) -> bool {
        self.principals.is_some()
    }

    /// Whether the statement has a `Resource` or `NotResource` element.
    pub fn names_resources(&self) -> bool {
        self.resources.is_some()
    }

    pub(crate) fn parse(index: usize, value: &Value, variables: bool) -> Result<Statement, PolicyError> {
        let sid = value.get("Sid").and_then(Value::as_str).map(str::to_string);
        let at = StatementAt { index, sid: sid.clone() };
        Self::parse_elements(value, sid, variables).map_err(|problem| PolicyError::Statement { at, problem })
    }

    fn parse_elements(value: &Value, sid: Option<String>, variables: bool) -> Result<Statement, String> {
        let Value::Object(elements) = value else { return Err("a statement must be an object".into()) };
        if let Some(name) = elements.keys().find(|name| !ELEMENTS.contains(&name.as_str())) {
            return Err(format!("unknown statement element `{name}`"));
        }
        if elements.get("Sid").is_some_and(|s| !s.is_string()) {
            return Err("Sid must be a string".into());
        }
        let effect = match elements.get("Effect").map(|e| e.as_str()) {
            None => return Err("missing Effect".into()),
            Some(Some("Allow")) => Effect::Allow,
            Some(Some("Deny")) => Effect::Deny,
            Some(_) => return Err("Effect must be \"Allow\" or \"Deny\"".into()),
        };
        let actions = selector(elements, "Action", "NotAction", |text| {
            let valid = text == "*"
                || text.split_once(':').is_some_and(|(service, action)| !service.is_empty() && !action.is_empty());
            valid
                .then(|| Glob::new(&text.to_lowercase()))
                .ok_or_else(|| format!("`{text}` is not `service:action` or `*`"))
        })?
        .ok_or("missing Action or NotAction")?;
        let resources = selector(elements, "Resource", "NotResource", |text| {
            (text == "*" || text.starts_with("arn:"))
                .then(|| Template::parse(text, variables))
                .ok_or_else(|| format!("`{text}` is not an ARN or `*`"))
        })?;
        let principals = match (elements.get("Principal"), elements.get("NotPrincipal")) {
            (Some(_), Some(_)) => return Err("both Principal and NotPrincipal".into()),
            (Some(p), None) => {
                Some(Selector::Listed(PrincipalPattern::parse_element(p).map_err(|e| format!("Principal {e}"))?))
            }
            (None, Some(p)) => {
                if effect == Effect::Allow {
                    return Err("NotPrincipal can only be used with \"Effect\": \"Deny\"".into());
                }
                Some(Selector::AllExcept(PrincipalPattern::parse_element(p).map_err(|e| format!("NotPrincipal {e}"))?))
            }
            (None, None) => None,
        };
        let conditions = match elements.get("Condition") {
            Some(block) => condition::parse_block(block, variables)?,
            None => Vec::new(),
        };
        Ok(Statement { sid, effect, actions, resources, principals, conditions })
    }

    /// Whether the action, resource and conditions match (the principal is checked apart).
    pub(crate) fn matches(&self, action: &str, resource: &str, context: &Context) -> bool {
        let action = action.to_lowercase();
        let action_listed = |list: &[Glob]| list.iter().any(|g| g.matches(&action));
        let action_matches = match &self.actions {
            Selector::Listed(list) => action_listed(list),
            Selector::AllExcept(list) => !action_listed(list),
        };
        // A resource pattern whose variable has no value matches no resource.
        let resource_listed =
            |list: &[Template]| list.iter().filter_map(|t| t.resolve(context)).any(|g| g.matches(resource));
        let resource_matches = match &self.resources {
            None => true,
            Some(Selector::Listed(list)) => resource_listed(list),
            Some(Selector::AllExcept(list)) => !resource_listed(list),
        };
        action_matches && resource_matches && self.conditions.iter().all(|c| c.holds(context))
    }

    /// Whether the statement covers `caller`, and how directly it names it. Statements without a
    /// principal element (identity-based policies, SCPs, boundaries) cover their principal.
    /// `caller_has_boundary`: AWS documents that a Deny with NotPrincipal always applies to an
    /// IAM principal with a permissions boundary, whatever it lists.
    pub(crate) fn covers(&self, caller: &Principal, caller_has_boundary: bool) -> Option<PrincipalMatch> {
        match &self.principals {
            None => Some(PrincipalMatch::Direct),
            Some(Selector::Listed(patterns)) => principal::match_level(patterns, caller),
            Some(Selector::AllExcept(_)) if caller_has_boundary => Some(PrincipalMatch::Direct),
            Some(Selector::AllExcept(patterns)) => {
                (!principal::exempts(patterns, caller)).then_some(PrincipalMatch::Direct)
            }
        }
    }
}

/// Parses an element and its `Not` form, of which at most one may be present.
fn selector<T>(
    elements: &serde_json::Map<String, Value>,
    listed: &str,
    excluded: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<Selector<T>>, String> {
    let entries = |name: &str, value: &Value| -> Result<Vec<T>, String> {
        let list = string_list(value).map_err(|e| format!("{name} {e}"))?;
        if list.is_empty() {
            return Err(format!("{name} must not be empty"));
        }
        list.iter().map(|text| parse(text).map_err(|e| format!("{name}: {e}"))).collect()
    };
    match (elements.get(listed), elements.get(excluded)) {
        (Some(_), Some(_)) => Err(format!("both {listed} and {excluded}")),
        (Some(value), None) => Ok(Some(Selector::Listed(entries(listed, value)?))),
        (None, Some(value)) => Ok(Some(Selector::AllExcept(entries(excluded, value)?))),
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problem(statement: Value) -> String {
        match Statement::parse(3, &statement, true) {
            Err(PolicyError::Statement { at, problem }) => {
                assert_eq!(at.index, 3);
                problem
            }
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn malformed_statements_name_the_problem() {
        assert_eq!(problem(json!({"Action": "s3:*", "Resource": "*"})), "missing Effect");
        assert!(problem(json!({"Effect": "allow", "Action": "s3:*", "Resource": "*"})).contains("Effect must be"));
        assert_eq!(problem(json!({"Effect": "Allow", "Resource": "*"})), "missing Action or NotAction");
        assert_eq!(
            problem(json!({"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"})),
            "both Action and NotAction"
        );
        assert_eq!(
            problem(json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "NotResource": "*"})),
            "both Resource and NotResource"
        );
        assert!(problem(json!({"Effect": "Allow", "Action": "s3", "Resource": "*"})).contains("not `service:action`"));
        assert!(problem(json!({"Effect": "Allow", "Action": "s3:*", "Resource": "bucket"})).contains("not an ARN"));
        assert!(problem(json!({"Effect": "Allow", "Action": [], "Resource": "*"})).contains("must not be empty"));
        assert!(
            problem(json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Conditions": {}}))
                .contains("unknown")
        );
        assert!(
            problem(json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualz": {}}}))
                .contains("unknown condition operator `StringEqualz`")
        );
        assert!(problem(json!({"Effect": "Allow", "NotPrincipal": "*", "Action": "s3:*"})).contains("NotPrincipal"));
    }

    #[test]
    fn errors_carry_the_sid() {
        let error = Statement::parse(0, &json!({"Sid": "Broken", "Action": "s3:*"}), true).unwrap_err();
        assert_eq!(error.to_string(), "statement 0 (Sid `Broken`): missing Effect");
    }

    #[test]
    fn actions_match_case_insensitively_and_resources_case_sensitively() {
        let statement = Statement::parse(
            0,
            &json!({"Effect": "Allow", "Action": "S3:get*", "Resource": "arn:aws:s3:::Bucket/*"}),
            true,
        )
        .unwrap();
        let context = Context::new();
        assert!(statement.matches("s3:GetObject", "arn:aws:s3:::Bucket/key", &context));
        assert!(!statement.matches("s3:GetObject", "arn:aws:s3:::bucket/key", &context));
    }
}
