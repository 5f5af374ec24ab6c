//! CloudWatch Logs: log groups.

pub(crate) mod log_group;

pub(crate) use log_group::read;
