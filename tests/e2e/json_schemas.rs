//! Machine output is documented by JSON Schemas (docs/schemas/), and the real outputs of a local
//! run validate against them (with the Python `jsonschema` package the emulator's venv has).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::harness::{Env, STAGE, text};

fn schema(name: &str) -> PathBuf {
    bankinfra_testkit::repo_root().join("docs/schemas").join(format!("{name}.schema.json"))
}

/// Validates `instance` against the schema `name`; Err(message) when it does not validate.
fn validate(name: &str, instance: &Value, dir: &Path) -> Result<(), String> {
    let file = dir.join(format!("{name}-{}.json", unique_suffix()));
    std::fs::write(&file, instance.to_string()).unwrap();
    // Schemas refer to each other by file name (run → plan): resolve those in docs/schemas.
    let check = "import json, pathlib, sys, jsonschema, referencing\n\
                 path = pathlib.Path(sys.argv[1]); schema = json.loads(path.read_text()); instance = json.load(open(sys.argv[2]))\n\
                 store = {p.name: referencing.Resource.from_contents(json.loads(p.read_text())) for p in path.parent.glob('*.schema.json')}\n\
                 registry = referencing.Registry().with_resources(store.items())\n\
                 jsonschema.Draft202012Validator.check_schema(schema)\n\
                 validator = jsonschema.Draft202012Validator(schema, registry=registry)\n\
                 errors = [f'{list(e.absolute_path)}: {e.message}' for e in validator.iter_errors(instance)]\n\
                 print('\\n'.join(errors)); sys.exit(1 if errors else 0)";
    let out =
        Command::new(bankinfra_testkit::python()).args(["-c", check]).arg(schema(name)).arg(&file).output().unwrap();
    if out.status.success() { Ok(()) } else { Err(format!("{}{}", text(&out.stdout), text(&out.stderr))) }
}

fn unique_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

fn json_of(env: &Env, args: &[&str], code: i32) -> Value {
    let stdout = env.run_expect(args, code);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?} prints JSON: {e}\n{stdout}"))
}

#[tokio::test]
async fn the_json_outputs_of_a_local_run_validate_against_their_schemas() {
    let env = Env::new().await.with_organization().await;
    let dir = std::env::temp_dir().join(format!("bankinfra-schemas-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let cold = json_of(&env, &["plan", "--stage", STAGE, "--json"], 0);
    validate("plan", &cold, &dir).unwrap();
    let saved = dir.join("saved.json");
    env.run_expect(&["plan", "--stage", STAGE, "--out", saved.to_str().unwrap()], 0);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    validate("plan", &saved, &dir).unwrap();
    let applied = json_of(&env, &["apply", "--stage", STAGE, "--auto-approve", "--json"], 0);
    validate("run", &applied, &dir).unwrap();
    assert_eq!(applied["result"]["done"], applied["plan"]["summary"]["create"]);
    validate("plan", &json_of(&env, &["plan", "--stage", STAGE, "--json"], 0), &dir).unwrap();
    validate("run", &json_of(&env, &["apply", "--stage", STAGE, "--auto-approve", "--json"], 0), &dir).unwrap();
    let verified = json_of(&env, &["verify", "--stage", STAGE, "--json", "--probe"], 0);
    validate("verify", &verified, &dir).unwrap();
    // On the emulator the SCP probe cannot run: it is reported as not run, and that is checked.
    let not_run = verified["checks"].as_array().unwrap().iter().find(|c| c["outcome"] == "not_run").unwrap();
    assert!(not_run["failure"].is_null() && not_run["note"].is_string(), "{not_run}");
    let mut broken = verified.clone();
    broken["checks"][0]["failure"] = Value::from("a failure on a passed check");
    assert!(validate("verify", &broken, &dir).unwrap_err().contains("a failure on a passed check"));
    validate("outputs", &json_of(&env, &["outputs", "--stage", STAGE, "--json"], 0), &dir).unwrap();

    let destroyed = json_of(&env, &["destroy", "--stage", STAGE, "--auto-approve", "--json"], 0);
    validate("run", &destroyed, &dir).unwrap();
    assert_eq!(destroyed["succeeded"], true);

    // --json leaves no room for a prompt.
    let out = env.run(&["apply", "--stage", STAGE, "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));

    // The schemas are strict: a document that breaks the format is caught.
    let mut broken = cold.clone();
    broken["summary"]["create"] = Value::from(-1);
    broken["resource_changes"][0]["action"] = Value::from("rebuild");
    let errors = validate("plan", &broken, &dir).unwrap_err();
    assert!(errors.contains("rebuild") && errors.contains("-1"), "{errors}");
    let _ = std::fs::remove_dir_all(dir);
}
