//! Snapshot tests: rendered text compared with a file under `tests/snapshots/`.
//!
//! Run with `UPDATE_SNAPSHOTS=1` to (re)write the files, then review them with `git diff`.

use std::path::PathBuf;

/// Asserts that `actual` equals `tests/snapshots/{name}`, or writes it there when
/// `UPDATE_SNAPSHOTS` is set.
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a directory")).expect("create tests/snapshots");
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {} ({e}); run with UPDATE_SNAPSHOTS=1 to create it", path.display()));
    if expected != actual {
        let first = expected.lines().zip(actual.lines()).position(|(e, a)| e != a);
        let at = first.unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the rendered text (first at line {}):\n  expected: {:?}\n  actual:   {:?}\n--- rendered ---\n{actual}\n(run with UPDATE_SNAPSHOTS=1 to accept it)",
            path.display(),
            at + 1,
            expected.lines().nth(at).unwrap_or("(end)"),
            actual.lines().nth(at).unwrap_or("(end)"),
        );
    }
}
