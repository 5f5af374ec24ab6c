//! Loading the real specs, and the errors for specs broken in one place each.
//!
//! Every broken-spec test copies `specs/` to its own temporary directory, changes one value, and
//! checks that the error names the file, the exact `line:column` of the changed value (computed
//! from the edited text) and says what is wrong.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use bankinfra_spec::{SpecError, Specs, SubnetTier, load};

const STAGES: [&str; 4] = ["local", "dev", "uat", "prod"];
const STACK: &str = "mod-104.toml";

fn specs_dir() -> PathBuf {
    // `cargo test` runs this in the crate's directory; a compile-time path could point into
    // another checkout sharing the target directory.
    let crate_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    crate_dir.join("../../specs")
}

// ------------------------------------------------------------------------------------------------
// A private copy of the specs
// ------------------------------------------------------------------------------------------------

/// A copy of `specs/` in a unique temporary directory, removed on drop.
struct Copy {
    dir: PathBuf,
}

impl Copy {
    fn new(test: &str) -> Copy {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join("bankinfra-spec-tests").join(format!("{}-{n}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        copy_dir(&specs_dir(), &dir);
        Copy { dir }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// Replaces the only occurrence of `old` in `file` by `new`, and returns the 1-based line and
    /// column (in characters) where `at` starts inside the inserted `new`.
    fn edit(&self, file: &str, old: &str, new: &str, at: &str) -> (usize, usize) {
        let path = self.path(file);
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches(old).count(), 1, "`{old}` must occur exactly once in {file}");
        let start = text.find(old).unwrap();
        let edited = text.replacen(old, new, 1);
        fs::write(&path, &edited).unwrap();
        let within = new.find(at).unwrap_or_else(|| panic!("`{at}` is not in `{new}`"));
        line_column(&edited, start + within)
    }

    fn load(&self, stage: &str) -> Result<Specs, SpecError> {
        load(&self.dir, stage)
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// 1-based line and character column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line, column)
}

/// Asserts that loading `stage` fails at `file:line:column` with a message containing every
/// string of `needles`; returns the whole error text.
fn assert_invalid(copy: &Copy, stage: &str, file: &str, (line, column): (usize, usize), needles: &[&str]) -> String {
    let err = match copy.load(stage) {
        Ok(_) => panic!("loading stage `{stage}` should fail after editing {file}"),
        Err(e) => e,
    };
    let text = err.to_string();
    let SpecError::Invalid { path, line: l, column: c, message } = &err else {
        panic!("expected a located error, got {err:?}")
    };
    assert_eq!(path, &copy.path(file), "{text}");
    assert_eq!((*l, *c), (line, column), "wrong location in: {text}");
    let location = format!("{}:{line}:{column}: ", copy.path(file).display());
    assert!(text.starts_with(&location), "`{text}` should start with `{location}`");
    assert!(text.contains(&format!("{}:{line}:{column}", Path::new(file).file_name().unwrap().to_str().unwrap())));
    for needle in needles {
        assert!(message.contains(needle), "`{message}` should mention `{needle}`");
    }
    text
}

// ------------------------------------------------------------------------------------------------
// The real specs
// ------------------------------------------------------------------------------------------------

#[test]
fn every_real_stage_loads() {
    for stage in STAGES {
        let specs = load(&specs_dir(), stage).unwrap_or_else(|e| panic!("stage `{stage}`: {e}"));
        assert_eq!(specs.stage.name, stage);
        assert_eq!(specs.stack.module.stack, "mod-104");
        assert_eq!(specs.stage.availability_zones.len(), 3);
        assert!((7..=30).contains(&specs.stage.switches.kms_deletion_window_days));
        let net = &specs.stack.network;
        assert_eq!(net.vpc_cidr.get_ref().to_string(), "10.40.0.0/16");
        assert_eq!(net.subnets.len(), 6);
        assert_eq!(net.subnets.iter().filter(|s| s.tier == SubnetTier::Public).count(), 3);
        assert_eq!(specs.stack.kms.keys.len(), 3);
        assert_eq!(specs.stack.storage.buckets.len(), 7);
        assert!(!specs.stack.outputs.is_empty());
        assert_eq!(specs.stage.endpoint.is_some(), stage == "local", "only `local` talks to the emulator");
    }
}

#[test]
fn an_unchanged_copy_loads_like_the_original() {
    let copy = Copy::new("unchanged");
    for stage in STAGES {
        copy.load(stage).unwrap_or_else(|e| panic!("stage `{stage}`: {e}"));
    }
}

// ------------------------------------------------------------------------------------------------
// Broken specs
// ------------------------------------------------------------------------------------------------

#[test]
fn invalid_cidr_prefix_is_located_at_the_value() {
    let copy = Copy::new("cidr-prefix");
    let at = copy.edit(STACK, r#"vpc_cidr = "10.40.0.0/16""#, r#"vpc_cidr = "10.40.0.0/33""#, r#""10.40.0.0/33""#);
    assert_invalid(&copy, "dev", STACK, at, &["10.40.0.0/33", "prefix must be 0..=32"]);
}

#[test]
fn cidr_with_host_bits_set_is_rejected_with_the_network_it_probably_meant() {
    let copy = Copy::new("host-bits");
    let at = copy.edit(STACK, r#"cidr = "10.40.4.0/22""#, r#"cidr = "10.40.5.0/22""#, r#""10.40.5.0/22""#);
    assert_invalid(&copy, "dev", STACK, at, &["10.40.5.0/22", "host bits are set", "did you mean 10.40.4.0/22"]);
}

#[test]
fn subnet_cidr_outside_the_vpc_is_rejected() {
    let copy = Copy::new("outside-vpc");
    let at = copy.edit(STACK, r#"cidr = "10.40.96.0/19""#, r#"cidr = "10.41.96.0/19""#, r#""10.41.96.0/19""#);
    assert_invalid(&copy, "dev", STACK, at, &["private-c", "10.41.96.0/19", "outside the VPC CIDR 10.40.0.0/16"]);
}

#[test]
fn overlapping_subnets_are_rejected_naming_both() {
    let copy = Copy::new("overlap");
    // private-b moves into private-a's 10.40.32.0/19.
    let at = copy.edit(STACK, r#"cidr = "10.40.64.0/19""#, r#"cidr = "10.40.48.0/20""#, r#""10.40.48.0/20""#);
    assert_invalid(
        &copy,
        "dev",
        STACK,
        at,
        &["private-b", "10.40.48.0/20", "overlaps subnet `private-a`", "10.40.32.0/19"],
    );
}

#[test]
fn unknown_key_in_a_subnet_table_is_rejected() {
    let copy = Copy::new("unknown-key");
    let at = copy.edit(
        STACK,
        "name = \"public-b\"\ntier = \"public\"\n",
        "name = \"public-b\"\ntier = \"public\"\nzone = \"b\"\n",
        "zone",
    );
    assert_invalid(&copy, "dev", STACK, at, &["unknown field `zone`", "cidr", "az"]);
}

#[test]
fn unknown_bucket_classification_is_rejected_listing_the_known_ones() {
    let copy = Copy::new("classification");
    let at =
        copy.edit(STACK, "classification = \"pii\"\nlifecycle", "classification = \"secret\"\nlifecycle", "\"secret\"");
    assert_invalid(&copy, "dev", STACK, at, &["secret", "pii", "financial", "operational"]);
}

#[test]
fn duplicate_subnet_name_is_located_at_the_second_one() {
    let copy = Copy::new("duplicate-subnet");
    let at = copy.edit(STACK, r#"name = "public-b""#, r#"name = "public-a""#, r#""public-a""#);
    assert_invalid(&copy, "dev", STACK, at, &["duplicate subnet name `public-a`"]);
}

#[test]
fn az_index_beyond_the_stages_availability_zones_is_rejected() {
    let copy = Copy::new("az-index");
    let at = copy.edit(STACK, "cidr = \"10.40.8.0/22\"\naz = 2", "cidr = \"10.40.8.0/22\"\naz = 3", "3");
    assert_invalid(&copy, "uat", STACK, at, &["public-c", "az index 3", "stage `uat` has 3 availability zones"]);
}

#[test]
fn stage_name_must_match_its_file_name() {
    let copy = Copy::new("stage-name");
    let file = "stages/uat.toml";
    let at = copy.edit(file, r#"name = "uat""#, r#"name = "prod""#, r#""prod""#);
    assert_invalid(&copy, "uat", file, at, &["stage name `prod`", "does not match its file name `uat.toml`"]);
}

#[test]
fn unknown_stage_is_rejected_listing_the_known_stages() {
    let copy = Copy::new("unknown-stage");
    // Only `.toml` files in stages/ are stages.
    fs::write(copy.path("stages/README.md"), "not a stage\n").unwrap();
    let err = copy.load("staging").map(|_| ()).unwrap_err();
    let text = err.to_string();
    let SpecError::UnknownStage { stage, path, known } = &err else { panic!("expected UnknownStage, got {err:?}") };
    assert_eq!(stage, "staging");
    assert_eq!(path, &copy.path("stages/staging.toml"));
    assert_eq!(known, "dev, local, prod, uat");
    assert!(text.contains("unknown stage `staging`"), "{text}");
    assert!(text.contains("staging.toml"), "{text}");
    assert!(text.contains("known stages: dev, local, prod, uat"), "{text}");
}

/// Sets `switches.kms_deletion_window_days` of `stage` to `bad`; returns the file and the
/// location of the new value.
fn break_kms_window(copy: &Copy, stage: &str, bad: &str) -> (String, (usize, usize)) {
    let file = format!("stages/{stage}.toml");
    let old = fs::read_to_string(copy.path(&file))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("kms_deletion_window_days"))
        .unwrap()
        .to_string();
    let at = copy.edit(&file, &old, &format!("kms_deletion_window_days = {bad}"), bad);
    (file, at)
}

#[test]
fn kms_deletion_window_outside_7_to_30_days_is_rejected() {
    for (stage, bad) in [("dev", "6"), ("local", "31")] {
        let copy = Copy::new(&format!("kms-window-{stage}"));
        let (file, _) = break_kms_window(&copy, stage, bad);
        let err = copy.load(stage).map(|_| ()).unwrap_err();
        let text = err.to_string();
        let SpecError::Invalid { path, message, .. } = &err else { panic!("expected a located error, got {err:?}") };
        assert_eq!(path, &copy.path(&file), "{text}");
        assert!(text.contains(&format!("{stage}.toml:")), "{text}");
        assert!(message.contains("kms_deletion_window_days must be 7..=30"), "{message}");
        assert!(message.contains(&format!("got {bad}")), "{message}");
    }
    // The boundaries are allowed.
    for (stage, ok) in [("dev", "7"), ("local", "30")] {
        let copy = Copy::new(&format!("kms-window-ok-{stage}"));
        break_kms_window(&copy, stage, ok);
        let specs = copy.load(stage).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(specs.stage.switches.kms_deletion_window_days.to_string(), ok);
    }
}

#[test]
fn kms_deletion_window_error_points_at_the_value() {
    let copy = Copy::new("kms-window-location");
    let (file, at) = break_kms_window(&copy, "dev", "3");
    assert_invalid(&copy, "dev", &file, at, &["kms_deletion_window_days must be 7..=30", "got 3"]);
}

#[test]
fn stage_names_that_could_escape_the_stages_directory_are_refused() {
    for stage in ["../mod-104", "dev/../prod", "DEV", "", "-dev", "dev_1"] {
        let err = load(&specs_dir(), stage).expect_err(stage);
        assert!(matches!(err, SpecError::InvalidStageName { .. }), "{stage}: {err:?}");
        assert!(err.to_string().contains("invalid stage name"), "{err}");
    }
}
