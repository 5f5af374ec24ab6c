//! ARN parts and the ARN condition operators.

use crate::glob::Glob;

/// The partition (`aws`, `aws-cn`, ...) of an ARN.
pub(crate) fn partition(arn: &str) -> Option<&str> {
    arn.split(':').nth(1).filter(|p| !p.is_empty())
}

/// The account id of an ARN (its fifth part).
pub(crate) fn account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// `ArnLike`/`ArnEquals`: each of the six colon-separated parts matched separately, so a
/// wildcard does not span parts (the last part, the resource, keeps any further colons).
/// A pattern with fewer than six parts, such as `*` or `arn:aws:s3:*`, is matched against the
/// whole value, its trailing `*` spanning the remaining parts.
pub(crate) fn arn_like(pattern: &Glob, value: &str) -> bool {
    let pattern_parts = pattern.splitn(':', 6);
    if pattern_parts.len() < 6 {
        return pattern.matches(value);
    }
    let value_parts: Vec<&str> = value.splitn(6, ':').collect();
    value_parts.len() == 6 && pattern_parts.iter().zip(&value_parts).all(|(p, v)| p.matches(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_stay_within_their_part() {
        let pattern = Glob::new("arn:aws:iam::*:role/*");
        assert!(arn_like(&pattern, "arn:aws:iam::123456789012:role/admin"));
        assert!(!arn_like(&pattern, "arn:aws:iam::123456789012:user/admin"));
        assert!(!arn_like(&Glob::new("arn:aws:s*:::x"), "arn:aws:sqs:us-east-1:1:x"));
        assert!(arn_like(&Glob::new("arn:aws:logs:*:*:log-group:*"), "arn:aws:logs:eu-west-1:1:log-group:a:*"));
    }

    #[test]
    fn short_patterns_match_the_whole_value() {
        assert!(arn_like(&Glob::new("*"), "arn:aws:s3:::bucket"));
        assert!(arn_like(&Glob::new("arn:aws:s3:*"), "arn:aws:s3:::bucket/key"));
        assert!(!arn_like(&Glob::new("arn:aws:iam::1:role/x"), "not-an-arn"));
    }

    #[test]
    fn account_and_partition_are_read_from_the_arn() {
        assert_eq!(account("arn:aws-cn:iam::123456789012:role/x"), Some("123456789012"));
        assert_eq!(partition("arn:aws-cn:iam::123456789012:role/x"), Some("aws-cn"));
        assert_eq!(account("arn:aws:s3:::bucket"), None);
    }
}
