//! SSM Parameter Store: the stack's published outputs.

pub(crate) mod parameter;

pub(crate) use parameter::{read, values_under};
