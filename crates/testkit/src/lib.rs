//! Test harness: starts the project's emulator launcher (`emulator/launch.py`, moto pinned in
//! `emulator/requirements.txt`) on a free loopback port and stops it when dropped.
//!
//! The emulator serves HTTPS, as AWS does (bucket policies deny requests without TLS), with a
//! certificate of a local CA kept in `$HOME/.cache/bankinfra/tls` (see [`Emulator::ca_file`]).
//!
//! The interpreter is `$BANKINFRA_PYTHON`, else the project's venv
//! (`$HOME/.cache/bankinfra/venv/bin/python`, made by `scripts/lib.sh`), else `python3`.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running emulator, stopped on drop.
pub struct Emulator {
    child: Child,
    port: u16,
}

/// Where the launcher keeps the local CA and the emulator's certificate.
pub fn tls_dir() -> PathBuf {
    let cache = std::env::var_os("BANKINFRA_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/bankinfra")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("tls")
}

impl Emulator {
    /// Starts an emulator with the default account.
    pub fn start() -> Emulator {
        Emulator::start_with_env(&[])
    }

    /// Starts an emulator with extra environment (e.g. `MOTO_ACCOUNT_ID`).
    pub fn start_with_env(env: &[(&str, &str)]) -> Emulator {
        let launcher = repo_root().join("emulator/launch.py");
        // Retry on the rare race where another process takes the free port first.
        for _ in 0..3 {
            let port = free_port();
            let child = Command::new(python())
                .arg(&launcher)
                .args(["--port", &port.to_string()])
                .arg("--tls-dir")
                .arg(tls_dir())
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start the emulator with {}: {e}", python().display()));
            let mut emulator = Emulator { child, port };
            if emulator.wait_ready(Duration::from_secs(30)) {
                return emulator;
            }
            let _ = emulator.child.kill();
        }
        panic!("the emulator did not start; run `bash scripts/emulator.sh start` to see why")
    }

    /// `https://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The CA certificate (PEM) clients must trust, e.g. through `SSL_CERT_FILE`.
    pub fn ca_file(&self) -> PathBuf {
        tls_dir().join("ca.pem")
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    fn wait_ready(&mut self, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if health(self.port) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Ready once the port accepts connections and the CA exists (the launcher writes it before it
/// listens).
fn health(port: u16) -> bool {
    tls_dir().join("ca.pem").is_file() && TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free loopback port")
}

/// The repository root (this crate lives in `crates/testkit`).
///
/// Found at run time from the directory `cargo test` runs the test in (a package of the
/// workspace), walking up to the directory holding `specs/`: a compile-time path would point
/// into whichever checkout last built this crate when checkouts share a target directory.
pub fn repo_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    start
        .ancestors()
        .find(|dir| dir.join("specs").is_dir() && dir.join("Cargo.toml").is_file())
        .unwrap_or_else(|| panic!("no repository root (a directory with specs/) above {}", start.display()))
        .canonicalize()
        .expect("repository root")
}

/// The Python interpreter that has the pinned emulator installed.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("BANKINFRA_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/bankinfra/venv/bin/python"));
    venv.filter(|p| p.exists()).unwrap_or_else(|| PathBuf::from("python3"))
}
