//! End-to-end tests: the real `bankinfra` binary against the project's emulator over HTTP,
//! checked with the real AWS SDK. Each test starts its own emulator on a free port.
//! Test names carry the requirement they prove.

mod aws_like;
mod aws_like_reads;
mod bad_input;
mod ci_pipeline;
mod data_aware_destroy;
mod data_paths;
mod drift;
mod drift_coverage;
mod faults;
mod fr_417_event_buses;
mod fr_418_s3_buckets;
mod fr_419_kms_keys;
mod fr_420_cloudtrail_observability;
mod fr_420_firehose_cognito;
mod fr_420_iam;
mod gov_005_tag_enforcement_scp;
mod harness;
mod help;
mod json_schemas;
mod lifecycle;
mod lock;
mod networking;
mod plan_fidelity;
mod progress;
mod request_economy;
mod secrets;
mod ssm_outputs;
mod verify;
