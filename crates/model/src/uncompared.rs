//! The attributes the planner deliberately does not compare, each with its reason: the one place
//! that says so. [`crate::diff`] leaves exactly these out of every comparison of live and desired
//! state (they are still set when a resource is created); every other attribute the specs declare
//! is read back from AWS and compared.

use crate::Kind;

/// An attribute of a kind that is set but never compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uncompared {
    pub kind: Kind,
    /// A top-level attribute, as in [`crate::Props::fields`].
    pub attribute: &'static str,
    pub reason: &'static str,
}

/// Every attribute the planner does not compare. None today: every attribute the model declares
/// is read back from AWS (`tests/e2e/drift_coverage.rs` changes each one out of band). An attribute
/// that cannot be read back (a write-only value, something AWS does not report) is listed here,
/// with its reason, and nowhere else skipped.
pub const UNCOMPARED: &[Uncompared] = &[];

/// The uncompared attributes of `kind`.
pub fn uncompared(kind: Kind) -> impl Iterator<Item = &'static str> {
    UNCOMPARED.iter().filter(move |u| u.kind == kind).map(|u| u.attribute)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::props::*;
    use serde::Deserialize;
    use serde::de::{self, Deserializer, Visitor};

    /// A deserializer that only records the field names a struct asks for.
    struct Fields(std::cell::Cell<&'static [&'static str]>);

    #[derive(Debug)]
    struct Stop;

    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("fields recorded")
        }
    }

    impl std::error::Error for Stop {}

    impl de::Error for Stop {
        fn custom<T: std::fmt::Display>(_: T) -> Self {
            Stop
        }
    }

    impl<'de> Deserializer<'de> for &Fields {
        type Error = Stop;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            self.0.set(fields);
            Err(Stop)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }

    /// The attributes a struct declares (its serialised fields).
    fn fields_of<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
        let recorder = Fields(std::cell::Cell::new(&[]));
        let _ = T::deserialize(&recorder);
        recorder.0.get()
    }

    fn attributes(kind: Kind) -> &'static [&'static str] {
        match kind {
            Kind::Vpc => fields_of::<ec2::Vpc>(),
            Kind::Subnet => fields_of::<ec2::Subnet>(),
            Kind::InternetGateway => fields_of::<ec2::InternetGateway>(),
            Kind::RouteTable => fields_of::<ec2::RouteTable>(),
            Kind::VpcEndpoint => fields_of::<ec2::VpcEndpoint>(),
            Kind::KmsKey => fields_of::<kms::Key>(),
            Kind::S3Bucket => fields_of::<s3::Bucket>(),
            Kind::SqsQueue => fields_of::<sqs::Queue>(),
            Kind::EventBus => fields_of::<events::EventBus>(),
            Kind::EventArchive => fields_of::<events::EventArchive>(),
            Kind::LogGroup => fields_of::<logs::LogGroup>(),
            Kind::SnsTopic => fields_of::<sns::Topic>(),
            Kind::XraySamplingRule => fields_of::<xray::SamplingRule>(),
            Kind::IamOidcProvider => fields_of::<iam::OidcProvider>(),
            Kind::IamPolicy => fields_of::<iam::ManagedPolicy>(),
            Kind::IamRole => fields_of::<iam::Role>(),
            Kind::CloudTrailTrail => fields_of::<cloudtrail::Trail>(),
            Kind::FirehoseStream => fields_of::<firehose::DeliveryStream>(),
            Kind::CognitoUserPool => fields_of::<cognito::UserPool>(),
            Kind::CognitoUserPoolClient => fields_of::<cognito::UserPoolClient>(),
            Kind::ServiceControlPolicy => fields_of::<organizations::ServiceControlPolicy>(),
            Kind::SsmParameter => fields_of::<ssm::Parameter>(),
        }
    }

    #[test]
    fn every_kind_declares_its_attributes() {
        for kind in Kind::ALL {
            assert!(!attributes(kind).is_empty(), "{kind} has no attributes");
        }
        assert_eq!(attributes(Kind::Vpc), ["cidr_block", "enable_dns_support", "enable_dns_hostnames", "tags"]);
        // Skipped fields are no attributes: untaggable kinds have no `tags`.
        assert!(!attributes(Kind::EventArchive).contains(&"tags"));
    }

    /// What is wrong with `entries`: an attribute its kind does not have, a missing reason, an
    /// entry listed twice.
    fn problems(entries: &[Uncompared]) -> Vec<String> {
        let mut out = Vec::new();
        for (i, u) in entries.iter().enumerate() {
            if !attributes(u.kind).contains(&u.attribute) {
                out.push(format!(
                    "{}.{} is not an attribute of {} (it has {:?})",
                    u.kind,
                    u.attribute,
                    u.kind,
                    attributes(u.kind)
                ));
            }
            if u.reason.trim().is_empty() {
                out.push(format!("{}.{} needs a reason", u.kind, u.attribute));
            }
            if entries[..i].iter().any(|o| o.kind == u.kind && o.attribute == u.attribute) {
                out.push(format!("{}.{} is listed twice", u.kind, u.attribute));
            }
        }
        out
    }

    #[test]
    fn every_uncompared_entry_names_an_attribute_of_its_kind_once_with_a_reason() {
        assert_eq!(problems(UNCOMPARED), Vec::<String>::new());
        // Every attribute is compared today (tests/e2e/drift_coverage.rs proves it live): an
        // entry added here must be added to this list too, deliberately.
        let expected: &[(Kind, &str)] = &[];
        let listed: Vec<(Kind, &str)> = UNCOMPARED.iter().map(|u| (u.kind, u.attribute)).collect();
        assert_eq!(listed, expected);
    }

    #[test]
    fn a_bad_uncompared_entry_is_caught() {
        let entry = |attribute, reason| Uncompared { kind: Kind::Vpc, attribute, reason };
        assert_eq!(problems(&[entry("cidr_block", "write-only")]), Vec::<String>::new());
        let bad = [
            entry("no_such_attribute", "a reason"),
            entry("tags", " "),
            entry("cidr_block", "x"),
            entry("cidr_block", "y"),
        ];
        let found = problems(&bad);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].starts_with("vpc.no_such_attribute is not an attribute of vpc"), "{found:#?}");
        assert_eq!(found[1..], ["vpc.tags needs a reason", "vpc.cidr_block is listed twice"]);
    }
}
