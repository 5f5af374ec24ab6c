//! Kinesis Data Firehose delivery streams (DirectPut into S3).

use serde::{Deserialize, Serialize};

use super::Tags;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryStream {
    pub name: String,
    /// Customer-managed CMK (ARN) encrypting the stream's records at rest.
    pub stream_kms_key_arn: String,
    /// The role Firehose writes with.
    pub role_arn: String,
    pub bucket_arn: String,
    /// Object key prefix, with `!{timestamp:...}` partitions.
    pub prefix: String,
    pub error_output_prefix: String,
    pub buffer_size_mb: u32,
    pub buffer_interval_seconds: u32,
    /// `GZIP`, `ZIP`, `Snappy`, `HADOOP_SNAPPY` or `UNCOMPRESSED`.
    pub compression: String,
    /// CMK (ARN) for the objects written to S3.
    pub s3_kms_key_arn: String,
    /// CloudWatch Logs group and stream for delivery errors.
    pub log_group: String,
    pub log_stream: String,
    pub tags: Tags,
}

strings! {
    DeliveryStream { name, stream_kms_key_arn, role_arn, bucket_arn, prefix, error_output_prefix, buffer_size_mb, buffer_interval_seconds, compression, s3_kms_key_arn, log_group, log_stream, tags }
}
