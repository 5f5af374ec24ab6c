//! KMS: customer-managed keys with their aliases, and the key references of other kinds.

pub(crate) mod key;

use std::collections::BTreeMap;

use aws_sdk_kms::Client;
use bankinfra_model::{LiveResource, Props, ProviderError};

use crate::error::{OrProviderError, absent_if};

pub(crate) use key::read;

/// The attributes of `props` that name a KMS key (the stack declares them as key ARNs).
fn key_references(props: &mut Props) -> Vec<&mut String> {
    match props {
        Props::S3Bucket(b) => vec![&mut b.kms_key_arn],
        Props::SqsQueue(q) => vec![&mut q.kms_master_key_id],
        Props::SnsTopic(t) => vec![&mut t.kms_master_key_id],
        Props::LogGroup(g) => g.kms_key_id.iter_mut().collect(),
        Props::CloudTrailTrail(t) => vec![&mut t.kms_key_id],
        Props::FirehoseStream(f) => vec![&mut f.stream_kms_key_arn, &mut f.s3_kms_key_arn],
        _ => Vec::new(),
    }
}

fn is_key_arn(reference: &str) -> bool {
    reference.starts_with("arn:") && reference.contains(":key/")
}

/// Key references read back as something other than a key ARN (S3, SQS and SNS report a key ID,
/// alias name or alias ARN as they were given one) become that key's ARN, so the same key named
/// another way is no drift. A reference KMS does not know stays as it is, and so differs.
pub(crate) async fn canonical_key_references(client: &Client, live: &mut [LiveResource]) -> Result<(), ProviderError> {
    let mut arns: BTreeMap<String, Option<String>> = live
        .iter_mut()
        .flat_map(|l| key_references(&mut l.props))
        .filter(|r| !r.is_empty() && !is_key_arn(r))
        .map(|r| (r.clone(), None))
        .collect();
    for (reference, arn) in &mut arns {
        let described = absent_if(
            client.describe_key().key_id(reference.as_str()).send().await.op("kms:DescribeKey"),
            &["NotFoundException"],
        )?;
        *arn = described.and_then(|d| d.key_metadata().and_then(|m| m.arn()).map(str::to_string));
    }
    for reference in live.iter_mut().flat_map(|l| key_references(&mut l.props)) {
        if let Some(Some(arn)) = arns.get(reference.as_str()) {
            *reference = arn.clone();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_key_arn;

    #[test]
    fn only_key_arns_are_canonical() {
        assert!(is_key_arn("arn:aws:kms:ap-southeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(!is_key_arn("1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(!is_key_arn("alias/bank/pii"));
        assert!(!is_key_arn("arn:aws:kms:ap-southeast-2:123456789012:alias/bank/pii"));
    }
}
