//! SSM parameters: the stack's published outputs.

use serde::{Deserialize, Serialize};

use super::Tags;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    pub value: String,
    /// `String` or `StringList`; never `SecureString` here (outputs are not secrets).
    pub parameter_type: String,
    pub description: String,
    pub tags: Tags,
}

strings! {
    Parameter { name, value, parameter_type, description, tags }
}
