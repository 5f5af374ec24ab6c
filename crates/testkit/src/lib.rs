//! Test harness: starts the project's emulator launcher (`emulator/launch.py`, moto pinned in
//! `emulator/requirements.txt`) on a free loopback port and stops it when dropped.
//!
//! The emulator serves HTTPS, as AWS does (bucket policies deny requests without TLS), with a
//! certificate of a local CA kept in `$HOME/.cache/bankinfra/tls` (see [`Emulator::ca_file`]).
//!
//! The interpreter is `$BANKINFRA_PYTHON`, else the project's venv
//! (`$HOME/.cache/bankinfra/venv/bin/python`, made by `scripts/lib.sh`), else `python3`.
//!
//! [`Emulator::start_with_request_log`] also records every request the emulator receives
//! (`launch.py --request-log`), and [`FaultProxy`] (`emulator/fault_proxy.py`) sits between a
//! client and the emulator to inject throttling, server errors, dropped connections and latency.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// A running emulator, stopped on drop.
pub struct Emulator {
    child: Child,
    port: u16,
    /// Holds `requests.jsonl` when started with [`Emulator::start_with_request_log`].
    log_dir: Option<TempDir>,
}

/// One request the emulator received, as `launch.py --request-log` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// The SigV4 credential scope's service (`kms`, `s3`, ...); `None` for unsigned requests.
    pub service: Option<String>,
    /// `CreateKey`, `PutBucketPolicy`, ...; `"METHOD /path?keys"` for a REST request it can't name.
    pub operation: String,
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// False for reads (Get*, List*, Describe*, ..., REST GET/HEAD/OPTIONS, STS credentials).
    pub mutating: bool,
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
        Emulator::launch(env, &[], None)
    }

    /// Starts an emulator in its AWS-like mode (`launch.py --aws-like SEED`: latency, windows
    /// after creates, conflicts, slow states, throttling, foreign resources; `emulator/aws_like/`),
    /// with `profile` (JSON merged over the mode's defaults) when given.
    pub fn start_aws_like(seed: u64, profile: Option<&Value>) -> Emulator {
        let dir = TempDir::new("aws-like");
        let mut args = vec!["--aws-like".to_string(), seed.to_string()];
        if let Some(profile) = profile {
            let path = dir.path().join("profile.json");
            std::fs::write(&path, profile.to_string()).expect("write the AWS-like profile");
            args.extend(["--aws-like-profile".to_string(), path.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // The profile is read at start: the directory may go once the emulator runs.
        Emulator::launch(&[], &args, None)
    }

    /// Starts an emulator with extra environment that records every request it receives, read
    /// back with [`Emulator::request_log`]. The log lives in a temporary directory removed on drop.
    pub fn start_with_request_log(env: &[(&str, &str)]) -> Emulator {
        Emulator::launch(env, &[], Some(TempDir::new("emulator")))
    }

    /// Starts an emulator with extra launcher arguments (e.g. `["--aws-like", "7",
    /// "--aws-like-profile", path]`), recording every request it receives like
    /// [`Emulator::start_with_request_log`].
    pub fn start_with_args(args: &[&str]) -> Emulator {
        Emulator::launch(&[], args, Some(TempDir::new("emulator")))
    }

    /// The AWS-like mode's state page (`GET /_aws_like/state`: seed, draws, windows, foreign
    /// resources, throttling errors answered per `service:Operation`), for an emulator started
    /// with `--aws-like`.
    pub fn aws_like_state(&self) -> Value {
        // Fetched with the launcher's interpreter, which trusts the local CA as clients must.
        let url = format!("{}/_aws_like/state", self.endpoint());
        let fetch = "import ssl, sys, urllib.request\n\
                     context = ssl.create_default_context(cafile=sys.argv[2])\n\
                     sys.stdout.write(urllib.request.urlopen(sys.argv[1], context=context).read().decode())";
        let out = Command::new(python())
            .args(["-c", fetch, &url])
            .arg(self.ca_file())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python().display()));
        let body = String::from_utf8_lossy(&out.stdout);
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("the AWS-like state page is not JSON ({e}): {body}"))
    }

    fn launch(env: &[(&str, &str)], args: &[&str], log_dir: Option<TempDir>) -> Emulator {
        let launcher = repo_root().join("emulator/launch.py");
        let mut log_dir = log_dir;
        // Retry on the rare race where another process takes the free port first.
        for _ in 0..3 {
            let port = free_port();
            let mut command = Command::new(python());
            command.arg(&launcher).args(["--port", &port.to_string()]).arg("--tls-dir").arg(tls_dir());
            if let Some(dir) = &log_dir {
                command.arg("--request-log").arg(dir.path().join(REQUEST_LOG));
            }
            command.args(args);
            let child = command
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start the emulator with {}: {e}", python().display()));
            let mut emulator = Emulator { child, port, log_dir: log_dir.take() };
            if emulator.wait_ready(Duration::from_secs(30)) {
                return emulator;
            }
            let _ = emulator.child.kill();
            let _ = emulator.child.wait();
            log_dir = emulator.log_dir.take();
        }
        panic!("the emulator did not start; run `bash scripts/emulator.sh start` to see why")
    }

    /// Every request the emulator has received so far, in order (its readiness probe is a bare
    /// TCP connection, so none of them is the harness's).
    ///
    /// Panics unless the emulator was started with [`Emulator::start_with_request_log`].
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        let dir = self.log_dir.as_ref().expect("request_log needs Emulator::start_with_request_log");
        read_json_lines(&dir.path().join(REQUEST_LOG)).iter().map(LoggedRequest::from_json).collect()
    }

    /// The requests of [`Emulator::request_log`] that may change something.
    pub fn mutating_requests(&self) -> Vec<LoggedRequest> {
        self.request_log().into_iter().filter(|r| r.mutating).collect()
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

const REQUEST_LOG: &str = "requests.jsonl";
const PROXY_LOG: &str = "proxy.jsonl";

impl LoggedRequest {
    fn from_json(line: &Value) -> LoggedRequest {
        LoggedRequest {
            service: opt_str(line, "service"),
            operation: string(line, "operation"),
            method: string(line, "method"),
            path: string(line, "path"),
            mutating: line["mutating"].as_bool().unwrap_or(true),
        }
    }
}

/// A fault the [`FaultProxy`] can inject instead of (or after) forwarding a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// HTTP 500 InternalFailure (S3: InternalError), not forwarded.
    Http500,
    /// HTTP 503 ServiceUnavailable (EC2: Unavailable), not forwarded.
    Http503,
    /// The protocol's throttling error, not forwarded: awsJson 400 ThrottlingException, query 400
    /// Throttling, EC2 503 RequestLimitExceeded, S3 503 SlowDown, REST-JSON 429.
    Throttle,
    /// The connection is closed without a response, before forwarding.
    Drop,
    /// The request is forwarded (it takes effect), then the connection is closed without a
    /// response.
    DropAfter,
}

impl Fault {
    pub const ALL: [Fault; 5] = [Fault::Http500, Fault::Http503, Fault::Throttle, Fault::Drop, Fault::DropAfter];

    /// The name `fault_proxy.py --faults` and its log use: `500`, `503`, `throttle`, `drop`,
    /// `drop_after`.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Http500 => "500",
            Fault::Http503 => "503",
            Fault::Throttle => "throttle",
            Fault::Drop => "drop",
            Fault::DropAfter => "drop_after",
        }
    }

    pub fn parse(name: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a [`FaultProxy`] injects: a share `fail_rate` (0..=1) of requests gets one fault chosen
/// uniformly from `faults`; every forwarded request waits a uniform 0..=`latency_ms` first. The
/// draws follow `seed`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Faults<'a> {
    pub fail_rate: f64,
    pub faults: &'a [Fault],
    pub latency_ms: u64,
    pub seed: u64,
}

impl Default for Faults<'static> {
    /// No faults, no latency: a transparent proxy.
    fn default() -> Self {
        Faults { fail_rate: 0.0, faults: &Fault::ALL, latency_ms: 0, seed: 0 }
    }
}

impl Faults<'_> {
    /// `fault_proxy.py`'s arguments for these faults.
    fn args(&self) -> Vec<String> {
        assert!((0.0..=1.0).contains(&self.fail_rate), "fail_rate must be within 0..=1, not {}", self.fail_rate);
        assert!(self.fail_rate == 0.0 || !self.faults.is_empty(), "a fail_rate above 0 needs faults");
        let faults: Vec<&str> = self.faults.iter().map(|f| f.as_str()).collect();
        vec![
            "--fail-rate".into(),
            self.fail_rate.to_string(),
            "--faults".into(),
            faults.join(","),
            "--latency-ms".into(),
            self.latency_ms.to_string(),
            "--seed".into(),
            self.seed.to_string(),
        ]
    }
}

/// One request through a [`FaultProxy`], as its log records it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxiedRequest {
    /// When it arrived, in seconds since the Unix epoch.
    pub time: f64,
    pub method: String,
    pub path: String,
    pub service: Option<String>,
    /// As in [`LoggedRequest::operation`].
    pub operation: String,
    pub mutating: bool,
    /// The fault injected, if any.
    pub fault: Option<Fault>,
    /// The latency added before forwarding; `None` when not forwarded.
    pub latency_ms: Option<f64>,
    /// The emulator's status; `None` when not forwarded (or the emulator could not be reached).
    pub upstream_status: Option<u16>,
}

impl ProxiedRequest {
    fn from_json(line: &Value) -> ProxiedRequest {
        ProxiedRequest {
            time: line["time"].as_f64().unwrap_or_default(),
            method: string(line, "method"),
            path: string(line, "path"),
            service: opt_str(line, "service"),
            operation: string(line, "operation"),
            mutating: line["mutating"].as_bool().unwrap_or(true),
            fault: line["fault"].as_str().map(|f| Fault::parse(f).unwrap_or_else(|| panic!("unknown fault {f}"))),
            latency_ms: line["latency_ms"].as_f64(),
            upstream_status: line["upstream_status"].as_u64().and_then(|s| u16::try_from(s).ok()),
        }
    }

    /// Whether the request reached the emulator (so took effect, even under [`Fault::DropAfter`]).
    pub fn forwarded(&self) -> bool {
        self.upstream_status.is_some()
    }
}

/// `emulator/fault_proxy.py` between a client and an [`Emulator`], on a free loopback port, with
/// the emulator's certificate (clients trust [`Emulator::ca_file`] as before); stopped on drop.
///
/// Point the client at [`FaultProxy::endpoint`]: requests are forwarded unchanged (signatures
/// stay valid), except for the share [`Faults::fail_rate`] that gets a [`Fault`].
pub struct FaultProxy {
    child: Child,
    port: u16,
    /// Holds the proxy's log.
    dir: TempDir,
}

impl FaultProxy {
    /// Starts a proxy in front of emulator; returns once it listens.
    pub fn start(emulator: &Emulator, faults: Faults<'_>) -> FaultProxy {
        let dir = TempDir::new("fault-proxy");
        let mut child = Command::new(python())
            .arg(repo_root().join("emulator/fault_proxy.py"))
            .args(["--upstream", &emulator.endpoint(), "--port", "0"])
            .arg("--tls-dir")
            .arg(tls_dir())
            .arg("--log")
            .arg(dir.path().join(PROXY_LOG))
            .args(faults.args())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the fault proxy with {}: {e}", python().display()));
        // It prints `ready https://127.0.0.1:PORT` once listening; read it without blocking forever.
        let stdout = child.stdout.take().expect("piped stdout");
        let (lines, ready) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let _ = lines.send(line);
            }
        });
        let line = ready.recv_timeout(Duration::from_secs(10));
        let port = match &line {
            Ok(Ok(line)) => ready_port(line),
            _ => None,
        };
        match port {
            Some(port) => FaultProxy { child, port, dir },
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the fault proxy did not start (first line: {line:?})")
            }
        }
    }

    /// `https://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request the proxy has received so far, in order, each logged before its client got
    /// an answer (or lost the connection).
    pub fn requests(&self) -> Vec<ProxiedRequest> {
        read_json_lines(&self.dir.path().join(PROXY_LOG)).iter().map(ProxiedRequest::from_json).collect()
    }

    /// How many requests got each fault (faults never injected are absent).
    pub fn fault_counts(&self) -> BTreeMap<Fault, usize> {
        let mut counts = BTreeMap::new();
        for fault in self.requests().into_iter().filter_map(|r| r.fault) {
            *counts.entry(fault).or_default() += 1;
        }
        counts
    }

    /// How many requests got fault.
    pub fn fault_count(&self, fault: Fault) -> usize {
        self.fault_counts().get(&fault).copied().unwrap_or(0)
    }

    /// How many requests reached the emulator.
    pub fn forwarded(&self) -> usize {
        self.requests().iter().filter(|r| r.forwarded()).count()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port of the proxy's `ready https://HOST:PORT` line.
fn ready_port(line: &str) -> Option<u16> {
    line.strip_prefix("ready https://")?.rsplit_once(':')?.1.trim().parse().ok()
}

/// The complete lines of a JSON-lines file, parsed (a line still being written is left out);
/// none when the file doesn't exist yet.
fn read_json_lines(path: &Path) -> Vec<Value> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_json_lines(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

fn parse_json_lines(text: &str) -> Vec<Value> {
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    complete
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("bad log line {line:?}: {e}")))
        .collect()
}

fn string(line: &Value, field: &str) -> String {
    line[field].as_str().unwrap_or_default().to_string()
}

fn opt_str(line: &Value, field: &str) -> Option<String> {
    line[field].as_str().map(str::to_string)
}

/// A directory of its own under the system's temporary directory, removed with its files on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(purpose: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or_default();
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!("bankinfra-{purpose}-{}-{nanos}-{n}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return TempDir(path),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => panic!("cannot create {}: {e}", path.display()),
            }
        }
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_log_lines_parse_and_a_partial_last_line_waits() {
        let text = concat!(
            r#"{"service": "kms", "operation": "CreateKey", "method": "POST", "path": "/", "mutating": true}"#,
            "\n",
            r#"{"service": null, "operation": "GET /moto-api/", "method": "GET", "path": "/moto-api/", "mutating": false}"#,
            "\n",
            r#"{"service": "s3", "operation": "PutBu"#,
        );
        let requests: Vec<LoggedRequest> = parse_json_lines(text).iter().map(LoggedRequest::from_json).collect();
        assert_eq!(
            requests,
            [
                LoggedRequest {
                    service: Some("kms".into()),
                    operation: "CreateKey".into(),
                    method: "POST".into(),
                    path: "/".into(),
                    mutating: true,
                },
                LoggedRequest {
                    service: None,
                    operation: "GET /moto-api/".into(),
                    method: "GET".into(),
                    path: "/moto-api/".into(),
                    mutating: false,
                },
            ]
        );
        assert!(parse_json_lines("").is_empty());
    }

    #[test]
    fn proxy_log_lines_parse() {
        let text = concat!(
            r#"{"time": 1.5, "method": "POST", "path": "/", "service": "sts", "operation": "GetCallerIdentity", "#,
            r#""mutating": false, "fault": null, "latency_ms": 3.25, "upstream_status": 200}"#,
            "\n",
            r#"{"time": 2.0, "method": "PUT", "path": "/b", "service": "s3", "operation": "CreateBucket", "#,
            r#""mutating": true, "fault": "drop_after", "latency_ms": 0.0, "upstream_status": 200}"#,
            "\n",
            r#"{"time": 2.5, "method": "POST", "path": "/", "service": "kms", "operation": "ListKeys", "#,
            r#""mutating": false, "fault": "throttle", "latency_ms": null, "upstream_status": null}"#,
            "\n",
        );
        let requests: Vec<ProxiedRequest> = parse_json_lines(text).iter().map(ProxiedRequest::from_json).collect();
        assert_eq!(requests.len(), 3);
        assert_eq!(requests[0].operation, "GetCallerIdentity");
        assert_eq!(
            (requests[0].fault, requests[0].latency_ms, requests[0].upstream_status),
            (None, Some(3.25), Some(200))
        );
        assert_eq!((requests[1].fault, requests[1].forwarded()), (Some(Fault::DropAfter), true));
        assert_eq!((requests[2].fault, requests[2].forwarded()), (Some(Fault::Throttle), false));
    }

    #[test]
    fn faults_name_themselves_as_the_proxy_does() {
        for fault in Fault::ALL {
            assert_eq!(Fault::parse(fault.as_str()), Some(fault));
        }
        assert_eq!(Fault::parse("timeout"), None);
        let faults = Faults { fail_rate: 0.25, faults: &[Fault::Throttle, Fault::DropAfter], latency_ms: 40, seed: 7 };
        assert_eq!(
            faults.args(),
            ["--fail-rate", "0.25", "--faults", "throttle,drop_after", "--latency-ms", "40", "--seed", "7"]
        );
        assert_eq!(Faults::default().args()[3], "500,503,throttle,drop,drop_after");
    }

    #[test]
    #[should_panic(expected = "fail_rate must be within 0..=1")]
    fn a_fail_rate_above_one_is_refused() {
        Faults { fail_rate: 1.5, ..Faults::default() }.args();
    }

    #[test]
    fn ready_line_gives_the_port() {
        assert_eq!(ready_port("ready https://127.0.0.1:43211"), Some(43211));
        assert_eq!(ready_port("Traceback (most recent call last):"), None);
    }

    #[test]
    fn temp_dirs_are_distinct_and_removed_on_drop() {
        let (a, b) = (TempDir::new("test"), TempDir::new("test"));
        assert_ne!(a.path(), b.path());
        std::fs::write(a.path().join("file"), "x").unwrap();
        let path = a.path().to_path_buf();
        drop(a);
        assert!(!path.exists());
        assert!(b.path().is_dir());
    }
}
