//! S3: buckets with all their configuration.

pub(crate) mod bucket;

pub(crate) use bucket::read;
