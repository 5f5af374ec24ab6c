//! SNS: topics.

pub(crate) mod topic;

pub(crate) use topic::read;
