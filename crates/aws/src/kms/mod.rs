//! KMS: customer-managed keys with their aliases.

pub(crate) mod key;

pub(crate) use key::read;
