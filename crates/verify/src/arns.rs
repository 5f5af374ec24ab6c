//! The ARNs AWS gives name-addressed resources, which follow from their names, account and
//! region (the "ARN format" of each resource type in the Service Authorization Reference,
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>),
//! so a plan can evaluate policies that name a resource before it exists.

use bankinfra_model::Props;

/// The ARN `props` will have in `account` and `region`, when it follows from its name; `None`
/// for resources whose ARN holds an ID AWS chooses (keys, VPCs, pools, ...).
pub fn predicted_arn(props: &Props, region: &str, account: &str) -> Option<String> {
    Some(match props {
        Props::S3Bucket(b) => format!("arn:aws:s3:::{}", b.bucket),
        Props::SqsQueue(q) => format!("arn:aws:sqs:{region}:{account}:{}", q.name),
        Props::EventBus(b) => format!("arn:aws:events:{region}:{account}:event-bus/{}", b.name),
        Props::EventArchive(a) => format!("arn:aws:events:{region}:{account}:archive/{}", a.name),
        Props::LogGroup(g) => format!("arn:aws:logs:{region}:{account}:log-group:{}", g.name),
        Props::SnsTopic(t) => format!("arn:aws:sns:{region}:{account}:{}", t.name),
        Props::XraySamplingRule(r) => format!("arn:aws:xray:{region}:{account}:sampling-rule/{}", r.name),
        Props::CloudTrailTrail(t) => format!("arn:aws:cloudtrail:{region}:{account}:trail/{}", t.name),
        Props::FirehoseStream(s) => format!("arn:aws:firehose:{region}:{account}:deliverystream/{}", s.name),
        Props::IamRole(r) => format!("arn:aws:iam::{account}:role/{}", r.name),
        Props::IamPolicy(p) => format!("arn:aws:iam::{account}:policy/{}", p.name),
        Props::IamOidcProvider(p) => {
            format!("arn:aws:iam::{account}:oidc-provider/{}", p.url.trim_start_matches("https://"))
        }
        Props::SsmParameter(p) => format!("arn:aws:ssm:{region}:{account}:parameter{}", p.name),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bankinfra_model::props::logs::LogGroup;

    #[test]
    fn a_log_groups_arn_follows_from_its_name_without_the_stream_wildcard() {
        let group = Props::LogGroup(LogGroup {
            name: "/aws/bank-platform/dev".into(),
            retention_days: None,
            kms_key_id: None,
            log_streams: Vec::new(),
            tags: Default::default(),
        });
        assert_eq!(
            predicted_arn(&group, "ap-southeast-2", "123456789012").as_deref(),
            Some("arn:aws:logs:ap-southeast-2:123456789012:log-group:/aws/bank-platform/dev")
        );
    }
}
