//! The request context: condition keys and their values.

use std::collections::BTreeMap;

/// The value of one context key: AWS distinguishes single-valued keys (`aws:SourceIp`) from
/// multivalued ones (`aws:TagKeys`), which need `ForAnyValue:`/`ForAllValues:` and cannot be used
/// as policy variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    Single(String),
    Multi(Vec<String>),
}

impl ContextValue {
    /// The values, one for a single-valued key.
    pub fn values(&self) -> &[String] {
        match self {
            ContextValue::Single(value) => std::slice::from_ref(value),
            ContextValue::Multi(values) => values,
        }
    }
}

/// Condition keys of a request. Key names are case-insensitive, as in AWS
/// (`aws:CurrentTime` is `AWS:currenttime`); values are kept as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    entries: BTreeMap<String, ContextValue>,
}

impl Context {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a single-valued key.
    pub fn insert(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.entries.insert(key.to_lowercase(), ContextValue::Single(value.into()));
        self
    }

    /// Sets a multivalued key; an empty list is a key with no values, which the operators treat
    /// like an absent key.
    pub fn insert_multi<I, S>(&mut self, key: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.entries.insert(key.to_lowercase(), ContextValue::Multi(values.into_iter().map(Into::into).collect()));
        self
    }

    /// Builder form of [`Context::insert`].
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.insert(key, value);
        self
    }

    /// Builder form of [`Context::insert_multi`].
    pub fn with_multi<I, S>(mut self, key: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.insert_multi(key, values);
        self
    }

    /// Sets `aws:RequestTag/<key>` for each tag and `aws:TagKeys` to all the tag keys, as AWS does
    /// for a create or tag request that carries tags.
    pub fn with_request_tags<'a>(mut self, tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut keys = Vec::new();
        for (key, value) in tags {
            self.insert(&format!("aws:RequestTag/{key}"), value);
            keys.push(key.to_string());
        }
        self.insert_multi("aws:TagKeys", keys);
        self
    }

    /// The value of `key` (any case).
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.entries.get(&key.to_lowercase())
    }

    /// The values of `key`, empty when the key is absent or has no values.
    pub(crate) fn values(&self, key: &str) -> &[String] {
        self.get(key).map_or(&[], ContextValue::values)
    }

    /// The value of a single-valued key, for policy variables.
    pub(crate) fn single(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(ContextValue::Single(value)) => Some(value),
            _ => None,
        }
    }

    /// Removes `key` (any case).
    pub(crate) fn remove(&mut self, key: &str) {
        self.entries.remove(&key.to_lowercase());
    }

    /// Sets `key` only if it is not set yet.
    pub(crate) fn insert_if_absent(&mut self, key: &str, value: String) {
        self.entries.entry(key.to_lowercase()).or_insert(ContextValue::Single(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_are_case_insensitive_and_values_are_not() {
        let context = Context::new().with("aws:SourceVpc", "vpc-ABC");
        assert_eq!(context.single("AWS:SOURCEVPC"), Some("vpc-ABC"));
        assert_eq!(context.values("aws:sourcevpc"), ["vpc-ABC".to_string()]);
    }

    #[test]
    fn multivalued_keys_are_no_policy_variables() {
        let context = Context::new().with_multi("aws:TagKeys", ["a"]);
        assert_eq!(context.single("aws:TagKeys"), None);
        assert_eq!(context.values("aws:TagKeys").len(), 1);
    }

    #[test]
    fn request_tags_set_each_tag_and_the_tag_keys() {
        let context = Context::new().with_request_tags([("tenant_id", "t1"), ("env", "dev")]);
        assert_eq!(context.single("aws:RequestTag/tenant_id"), Some("t1"));
        assert_eq!(context.values("aws:TagKeys"), ["tenant_id".to_string(), "env".to_string()]);
    }
}
