//! CloudTrail: trails.

pub(crate) mod trail;

pub(crate) use trail::read;
