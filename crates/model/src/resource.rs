use crate::{Address, Props};

/// A desired resource: its address and the properties it must have. String properties may hold
/// `${address.output}` references, resolved by the engine before a provider sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub address: Address,
    pub props: Props,
}

impl Resource {
    pub fn new(address: Address, props: Props) -> Self {
        debug_assert_eq!(address.kind(), props.kind(), "props kind must match the address");
        Resource { address, props }
    }
}
