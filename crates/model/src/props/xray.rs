//! X-Ray sampling rules.

use serde::{Deserialize, Serialize};

use super::Tags;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SamplingRule {
    pub name: String,
    /// 1..=9999; lower is evaluated first.
    pub priority: u32,
    /// Share of requests sampled beyond the reservoir, 0..=1.
    pub fixed_rate: f64,
    /// Requests per second sampled before the fixed rate applies.
    pub reservoir_size: u32,
    pub service_name: String,
    pub service_type: String,
    pub host: String,
    pub http_method: String,
    pub url_path: String,
    pub resource_arn: String,
    pub tags: Tags,
}

strings! {
    SamplingRule { name, priority, fixed_rate, reservoir_size, service_name, service_type, host, http_method, url_path, resource_arn, tags }
}
