//! X-Ray: sampling rules.

pub(crate) mod sampling_rule;

pub(crate) use sampling_rule::read;
