//! AWS Organizations, called with the management account's credentials: service control
//! policies.

pub(crate) mod policy;

pub(crate) use policy::read;
