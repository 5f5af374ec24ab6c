//! Saved plans: `plan --out FILE` writes the plan with fingerprints of the specs and the live
//! state it was computed from; `apply FILE` recomputes the plan, proves it is the same one
//! (same specs, same live state, same decisions) and only then executes it.
//!
//! The file is JSON (docs/json-output.md): the plan as `plan --json` prints it, plus one SHA-256
//! per declared resource and per live resource. It holds no secret: live values are only hashed,
//! and the plan itself never carries a secret (see tests/e2e/secrets.rs).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, anyhow};
use bankinfra_engine::Plan;
use bankinfra_model::Address;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::context::Context;
use crate::exit::{self, ExitCode, Failure};
use crate::render;

/// The saved-plan format (a version of its own, independent of the JSON plan's).
pub const FORMAT: &str = "bankinfra-saved-plan/1";

/// What a saved plan pins down.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    pub stage: String,
    pub account: String,
    pub targets: Vec<String>,
    /// Address → fingerprint of its declaration in the specs.
    pub desired: BTreeMap<String, String>,
    /// Address → fingerprint of its live state, for every resource the plan read.
    pub live: BTreeMap<String, String>,
    /// The plan's decisions, as `plan --json` renders them.
    pub resource_changes: Value,
}

fn sha256(value: &Value) -> String {
    let digest = Sha256::digest(value.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The fingerprints and decisions of `plan`, made on `ctx`.
pub fn capture(ctx: &Context, plan: &Plan, targets: &[Address]) -> Saved {
    let desired = ctx
        .graph
        .resources()
        .iter()
        .map(|r| (r.address.to_string(), sha256(&Value::Object(r.props.fields()))))
        .collect();
    let live = plan
        .changes
        .iter()
        .filter_map(|c| c.live.as_ref())
        .map(|l| {
            let state = json!({ "physical_id": l.physical_id, "props": l.props.fields(), "outputs": l.outputs });
            (l.address.to_string(), sha256(&state))
        })
        .collect();
    Saved {
        stage: ctx.specs.stage.name.clone(),
        account: ctx.identity.account.clone(),
        targets: targets.iter().map(ToString::to_string).collect(),
        desired,
        live,
        resource_changes: render::plan_document(ctx, plan)["resource_changes"].clone(),
    }
}

/// Writes the plan to `path`.
pub fn write(path: &Path, ctx: &Context, plan: &Plan, targets: &[Address]) -> Result<(), Failure> {
    let saved = capture(ctx, plan, targets);
    let mut doc = render::plan_document(ctx, plan);
    doc["saved_plan"] = json!({
        "format": FORMAT,
        "bankinfra_version": env!("CARGO_PKG_VERSION"),
        "targets": saved.targets,
        "desired_fingerprints": saved.desired,
        "live_fingerprints": saved.live,
    });
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    std::fs::write(path, text + "\n")
        .with_context(|| format!("cannot write the plan to {}", path.display()))
        .exit(exit::FAILED)
}

/// Reads a plan written by [`write`].
pub fn read(path: &Path) -> Result<Saved, Failure> {
    let bad = |what: String| Failure::new(exit::BAD_INPUT, anyhow!("{}: {what}", path.display()));
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the saved plan {}", path.display()))
        .exit(exit::BAD_INPUT)?;
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| bad(format!("not a saved plan (invalid JSON at line {}: {e})", e.line())))?;
    let meta = &doc["saved_plan"];
    if meta["format"] != FORMAT {
        return Err(bad(format!("not a saved plan of format {FORMAT}; make one with `bankinfra plan --out FILE`")));
    }
    if meta["bankinfra_version"] != env!("CARGO_PKG_VERSION") {
        return Err(bad(format!(
            "made by bankinfra {}, this is {}; plan again with this version",
            meta["bankinfra_version"],
            env!("CARGO_PKG_VERSION")
        )));
    }
    let strings = |v: &Value| -> BTreeMap<String, String> {
        v.as_object()
            .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
            .unwrap_or_default()
    };
    Ok(Saved {
        stage: doc["stage"].as_str().unwrap_or_default().to_string(),
        account: doc["account"].as_str().unwrap_or_default().to_string(),
        targets: meta["targets"]
            .as_array()
            .map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect())
            .unwrap_or_default(),
        desired: strings(&meta["desired_fingerprints"]),
        live: strings(&meta["live_fingerprints"]),
        resource_changes: doc["resource_changes"].clone(),
    })
}

/// Refuses unless `now` (the plan recomputed on `ctx`) is exactly the saved plan: same stage and
/// account, same specs, same live state. Names everything that differs.
pub fn ensure_unchanged(saved: &Saved, now: &Saved, path: &Path) -> Result<(), Failure> {
    if saved.stage != now.stage || saved.account != now.account {
        return Err(Failure::new(
            exit::REFUSED,
            anyhow!(
                "{} is a plan for stage `{}` (account {}), not stage `{}` (account {}); run `bankinfra apply --stage {} {}`",
                path.display(),
                saved.stage,
                saved.account,
                now.stage,
                now.account,
                saved.stage,
                path.display()
            ),
        ));
    }
    let mut differences = Vec::new();
    differences.extend(compare("the specs", &saved.desired, &now.desired));
    differences.extend(compare("live", &saved.live, &now.live));
    if differences.is_empty() && saved.resource_changes != now.resource_changes {
        differences.push("the planned changes differ although specs and live state match".to_string());
    }
    if differences.is_empty() {
        return Ok(());
    }
    Err(Failure::new(
        exit::REFUSED,
        anyhow!(
            "the saved plan {} is stale, nothing was changed: {}. Review a new plan: `bankinfra plan --stage {} --out {}`",
            path.display(),
            differences.join("; "),
            saved.stage,
            path.display()
        ),
    ))
}

/// One line per address whose fingerprint differs between `then` and `now`.
fn compare(what: &str, then: &BTreeMap<String, String>, now: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (address, fingerprint) in then {
        match now.get(address) {
            None => out.push(format!("{address} is gone from {what}")),
            Some(f) if f != fingerprint => out.push(format!("{address} changed in {what}")),
            Some(_) => {}
        }
    }
    for address in now.keys().filter(|a| !then.contains_key(*a)) {
        out.push(format!("{address} appeared in {what}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved() -> Saved {
        Saved {
            stage: "dev".into(),
            account: "1".into(),
            targets: Vec::new(),
            desired: BTreeMap::from([("kms_key.pii".into(), "a".into()), ("vpc.main".into(), "b".into())]),
            live: BTreeMap::from([("kms_key.pii".into(), "c".into())]),
            resource_changes: json!([]),
        }
    }

    fn refusal(now: &Saved) -> String {
        let err = ensure_unchanged(&saved(), now, Path::new("plan.json")).unwrap_err();
        assert_eq!(err.code, exit::REFUSED);
        err.error.to_string()
    }

    #[test]
    fn an_identical_plan_passes() {
        assert!(ensure_unchanged(&saved(), &saved(), Path::new("plan.json")).is_ok());
    }

    #[test]
    fn live_drift_since_the_plan_is_named() {
        let mut now = saved();
        now.live.insert("kms_key.pii".into(), "changed".into());
        now.live.insert("s3_bucket.documents".into(), "new".into());
        let message = refusal(&now);
        assert!(message.contains("kms_key.pii changed in live"), "{message}");
        assert!(message.contains("s3_bucket.documents appeared in live"), "{message}");
    }

    #[test]
    fn spec_edits_since_the_plan_are_named() {
        let mut now = saved();
        now.desired.remove("vpc.main");
        assert!(refusal(&now).contains("vpc.main is gone from the specs"));
    }

    #[test]
    fn another_stage_is_refused_with_the_right_command() {
        let mut now = saved();
        now.stage = "prod".into();
        assert!(refusal(&now).contains("bankinfra apply --stage dev plan.json"));
    }

    #[test]
    fn fingerprints_are_sha256_hex() {
        let f = sha256(&json!({"a": 1}));
        assert_eq!(f.len(), 64);
        assert!(f.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(f, sha256(&json!({"a": 2})));
    }
}
