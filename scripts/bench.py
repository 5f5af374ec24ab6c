#!/usr/bin/env python3
"""End-to-end benchmark of the bankinfra binary against the local emulator (issue 7).

Usage: bench.py [--runs N] [--json-out FILE] [--binary PATH] [--parallelism N]
                [--saturation-requests N] [--concurrency 1,8,16,32] [--timeout S]
                [--no-warm-up] [--keep]
                [--terraform [--terraform-runs N] [--terraform-binary PATH] | --terraform-json FILE]

Run it through scripts/bench.sh (which builds the dev-profile binary first) or with
$BANKINFRA_PYTHON, the venv that has the pinned emulator and boto3.

Each run starts a FRESH emulator (emulator/launch.py on a free port, HTTPS with the local CA of
--tls-dir, --request-log to a temporary file), creates the emulated organization the SCP needs
(scripts/emulated-org.py, BANK_ORG_PROFILE=bank-org, as scripts/local.sh does: the 142-resource
stack), warms the emulator up (one read per service, so that moto building each backend on
first use, ~2-4 s, is not timed; --no-warm-up times it), then measures, in order:

  cold apply   apply --stage local --auto-approve on the empty account
  no-op plan   plan --stage local --json --detailed-exitcode, right after (must show no change)
  drift plan   the same, after disabling rotation of alias/bank/pii out of band with boto3
  destroy      destroy --stage local --auto-approve

For each scenario: the wall time of the command, and the HTTP requests the emulator received
while it ran (lines of the request log between scenarios; the organization's set-up, the warm-up
and the out-of-band change are not counted), split into mutating and read requests as
emulator/request_log.py classifies them, per resource of the stack, and by operation.

The endpoint's lower bound, for comparison:

  (a) request-rate bound: the emulator's saturated request rate is measured on its own fresh
      emulator by firing --saturation-requests cheap signed requests (sts:GetCallerIdentity,
      boto3, one client per thread) at each --concurrency and keeping the best rate. A
      scenario's bound is its minimal necessary calls / that rate, where the minimal necessary
      calls are its MUTATING requests for apply and destroy (each change must be sent once) and
      its READ requests for the plans (everything must be read once): the time the endpoint
      itself needs, however well the client behaves.
  (b) critical-path bound (cold apply): per-resource durations from the apply's progress lines
      (`[hh:mm:ss.mmm] + address: creating…` / `... created in X.Ys`: the binary's timestamps,
      else the lines' arrival times), the
      dependency edges from `bankinfra graph --stage local` (DOT), and the longest weighted path
      through them: however parallel, the apply cannot finish its changes sooner. The durations
      are observed under this apply's own load, so this bound is generous, not strict.

  (c) busy-time bound: (a) prices every call at the cheapest call's cost, but an emulated
      CreateKey or CreateUserPool costs the emulator ten to forty times a GetCallerIdentity. So
      the emulator's CPU time is read (Linux /proc, its process group) while each scenario runs,
      which is the work its calls cost the endpoint (nothing else talks to it). A scenario's
      busy-time bound is that CPU time per request received (its own mix of calls), times its
      minimal necessary calls, divided by the most CPU the emulator was seen to use per second
      (in the saturation test or in any scenario of any run; above 1 where its C code, TLS
      included, runs outside Python's lock): the time the endpoint needs for those calls at
      what they really cost it, at the fastest it has been seen to work. It never exceeds a
      scenario's own wall time. Unneeded calls raise the CPU time but not the minimal count, so
      they are not counted in the bound.

  (d) with --aws-like SEED (every emulator in the AWS-like mode, emulator/aws_like/): the mode's
      throttle limits — each token bucket admits the scenario's necessary requests to it, the
      first `burst` at once and the rest at `rate` a second — and, for the cold apply, its
      latencies: the longest dependency chain, each resource taking at least one create call at
      the profile's median latency for its service.

  A scenario's lower bound is the largest of (a), (c) and (d), and for the cold apply also (b).

Terraform: with --terraform, Terraform is measured too, on the same stack and the same kind of fresh
emulator, after bankinfra (scripts/bench_terraform.py: the project's configuration in
bench/terraform/, the same four scenarios, wall times and request-log counts; --terraform-runs,
default --runs), and shown side by side; --terraform-json FILE shows the figures of an earlier
`scripts/bench_terraform.py --json-out FILE` instead. Without either, the Terraform column holds
the figures issue 7 quoted, labelled "quoted".

Printed: a table (wall min / median / max over runs, requests as medians), Terraform's figures
side by side, and pass/fail for issue 7's targets (informational: the exit status is
0 unless something failed to run). Written: everything, per run, as JSON (--json-out, default
$CARGO_TARGET_DIR/bench/bench.json, else target/bench/bench.json under the repository).

Wall times depend on the host: the load average at the start and end is recorded, and a busy
host is pointed out. Every emulator and temporary directory is removed at the end, also on
failure and on Ctrl-C / SIGTERM (--keep keeps the directories, with the request logs).
"""

import argparse
import collections
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("BANKINFRA_CACHE") or Path.home() / ".cache" / "bankinfra")
STAGE = "local"
REGION = "ap-southeast-2"
# The emulator's fixed credentials for stage local (see crates/aws/src/config.rs).
CREDENTIALS = {"aws_access_key_id": "bankinfra-local", "aws_secret_access_key": "bankinfra-local"}
DRIFT_KEY_ALIAS = "alias/bank/pii"
DRIFT_ADDRESS = "kms_key.pii"

SCENARIOS = ("cold apply", "no-op plan", "drift plan", "destroy")
# Minimal necessary calls of each scenario (see the module docstring).
NECESSARY = {"cold apply": "mutating", "no-op plan": "read", "drift plan": "read", "destroy": "mutating"}

# Issue 7's quoted Terraform (AWS provider) figures on the same stack: the fallback shown, labelled
# "quoted", when Terraform is not measured (--terraform, --terraform-json; scripts/bench_terraform.py).
TERRAFORM = {
    "cold apply": {"source": "quoted", "wall_s": [86, 100], "requests": 1025, "requests_approx": True},
    "no-op plan": {"source": "quoted", "wall_s": [19, 20], "requests": 557, "requests_approx": False},
    "drift plan": None,
    "destroy": {"source": "quoted", "wall_s": [37, 41], "requests": 1000, "requests_approx": True},
}
# Issue 7's targets.
TARGET_COLD_APPLY_BOUND_FACTOR = 1.3
TARGET_COLD_APPLY_S = 9.0
TARGET_NOOP_PLAN_S = 2.5
TARGET_NOOP_PLAN_REQUESTS = 220
TARGET_DESTROY_SPEEDUP = 5.0

# `+ kms_key.pii: creating…`, `+ kms_key.pii: created in 0.4s` (src/render.rs progress).
ADDRESS = r"[a-z][a-z0-9_]*\.[^\s\"]+"
# Without a terminal each line may start with the UTC time of day: `[12:00:01.234] + ...`.
PROGRESS = re.compile(
    rf"^(?:\[(?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d(?:\.\d+)?)\] )?(?P<symbol>\S+) (?P<address>{ADDRESS}): (?P<what>.+)$"
)
DONE = re.compile(r"^(created|updated|replaced|destroyed|adopted) in (?P<seconds>[0-9.]+)s$")
STARTED = re.compile(r"^(creating|updating|replacing|destroying|adopting)…$")
DOT_EDGE = re.compile(r'^\s*"(?P<source>[^"]+)"\s*->\s*"(?P<target>[^"]+)"')
DOT_NODE = re.compile(r'^\s*"(?P<node>[^"]+)"\s*\[')
IS_ADDRESS = re.compile(ADDRESS)


class BenchError(Exception):
    """Something the benchmark needs did not work; reported without a traceback."""


# ------------------------------------------------------------------------------------------------
# The emulator
# ------------------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    """emulator/launch.py on a free loopback port, with a request log, in its own directory;
    stopped (and the directory removed unless keep) by stop()."""

    def __init__(self, python, tls_dir, keep=False, startup_timeout=60, extra=()):
        self.python, self.tls_dir, self.keep = python, Path(tls_dir), keep
        self.extra = list(extra)
        self.dir = Path(tempfile.mkdtemp(prefix="bankinfra-bench-"))
        self.log = self.dir / "requests.jsonl"
        self.output = self.dir / "emulator.log"
        self.process = None
        self.port = None
        last_error = None
        for _ in range(3):  # another process may take the free port first
            try:
                self._start(startup_timeout)
                return
            except BenchError as error:
                last_error = error
                self._kill()
        self.stop()
        raise last_error

    def _start(self, timeout):
        self.port = free_port()
        command = [
            self.python, str(ROOT / "emulator" / "launch.py"), "--port", str(self.port),
            "--tls-dir", str(self.tls_dir), "--request-log", str(self.log), *self.extra,
        ]
        with open(self.output, "ab") as out:
            try:
                self.process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                    cwd=ROOT, start_new_session=True,
                )
            except OSError as error:
                raise BenchError(f"cannot start the emulator with {self.python}: {error}") from None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(
                    f"the emulator exited with status {self.process.returncode} before listening "
                    f"(port {self.port}); its output:\n{tail(self.output)}"
                )
            if self.ca.is_file() and port_open(self.port):
                return
            time.sleep(0.05)
        raise BenchError(f"the emulator did not listen on port {self.port} within {timeout}s; its output:\n{tail(self.output)}")

    @property
    def ca(self):
        return self.tls_dir / "ca.pem"

    @property
    def endpoint(self):
        return f"https://127.0.0.1:{self.port}"

    def requests(self):
        """Every request logged so far (a line still being written is left out)."""
        try:
            text = self.log.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        complete = text[: text.rfind("\n") + 1]
        return [json.loads(line) for line in complete.splitlines() if line.strip()]

    def throttled(self):
        """In the AWS-like mode, the throttling errors it has answered so far, per
        "service:Operation" (GET /_aws_like/state); {} otherwise."""
        if "--aws-like" not in self.extra:
            return {}
        import ssl
        import urllib.request

        context = ssl.create_default_context(cafile=str(self.ca))
        with urllib.request.urlopen(f"{self.endpoint}/_aws_like/state", context=context, timeout=30) as answer:
            return json.loads(answer.read()).get("throttled") or {}

    def cpu_seconds(self):
        """CPU time the emulator has used so far (None where /proc cannot tell)."""
        return process_group_cpu_s(self.process.pid) if self.process is not None else None

    def _kill(self):
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def stop(self):
        self._kill()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def process_group_cpu_s(pgid):
    """CPU seconds (user + system, all threads) used so far by the live processes of process
    group `pgid`, from Linux /proc; None when no process of the group can be read."""
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    ticks, found = 0, False
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()  # after the command: state, ppid, pgrp, ...
        except (OSError, IndexError):
            continue
        if len(fields) > 12 and int(fields[2]) == pgid:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
            found = True
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


def busy_bound_s(emulator_cpu_s, requests, necessary, peak_cpu_per_s):
    """The time the endpoint, working at its peak rate, needs for `necessary` calls costing what
    this scenario's `requests` cost it on average (None when a figure is missing)."""
    if not emulator_cpu_s or not requests or not peak_cpu_per_s:
        return None
    return emulator_cpu_s / requests * necessary / peak_cpu_per_s


def peak_cpu_per_s(runs, saturation_peak=None):
    """The most CPU per second the emulator was seen to use: in the saturation test, or over the
    whole of any scenario of any run."""
    rates = [saturation_peak] if saturation_peak else []
    for r in runs:
        for e in r["scenarios"].values():
            if e.get("emulator_cpu_s") and e.get("wall_s"):
                rates.append(e["emulator_cpu_s"] / e["wall_s"])
    return max(rates, default=None)


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def tail(path, lines=30):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no output)"


# ------------------------------------------------------------------------------------------------
# Running the binary
# ------------------------------------------------------------------------------------------------


def binary_env(emulator, config_file):
    """The binary's environment: pointed at this emulator and the emulated organization, with
    no AWS identity, region or profile inherited from the caller's shell (as tests/e2e does)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in ("BANKINFRA_STAGE", "BANK_ORG_PROFILE")}
    env.update({
        "SSL_CERT_FILE": str(emulator.ca),
        "AWS_ENDPOINT_URL": emulator.endpoint,
        "BANKINFRA_SPECS": str(ROOT / "specs"),
        "NO_COLOR": "1",
        "AWS_CONFIG_FILE": str(config_file),
        "AWS_SHARED_CREDENTIALS_FILE": str(emulator.dir / "credentials"),  # none: no inherited keys
        "BANK_ORG_PROFILE": "bank-org",
    })
    return env


def run(command, env, timeout, expect=(0,)):
    """Runs command, timing each stdout line as it arrives. Returns wall seconds, exit code,
    [(seconds since start, line)] and stderr; raises BenchError on an unexpected exit code."""
    start = time.monotonic()
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, cwd=ROOT, start_new_session=True,
        )
    except OSError as error:
        raise BenchError(f"cannot run {command[0]}: {error}") from None
    lines, errors = [], []

    def read_stdout():
        for raw in iter(process.stdout.readline, b""):
            lines.append((time.monotonic() - start, raw.decode("utf-8", "replace").rstrip("\n")))

    def read_stderr():
        errors.append(process.stderr.read().decode("utf-8", "replace"))

    readers = [threading.Thread(target=read_stdout, daemon=True), threading.Thread(target=read_stderr, daemon=True)]
    for reader in readers:
        reader.start()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise BenchError(f"`{' '.join(command[1:])}` did not finish within {timeout}s") from None
    except BaseException:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        raise
    wall = time.monotonic() - start
    for reader in readers:
        reader.join(timeout=10)
    stderr = "".join(errors)
    if process.returncode not in expect:
        stdout = "\n".join(line for _, line in lines[-40:])
        raise BenchError(
            f"`{Path(command[0]).name} {' '.join(command[1:])}` exited {process.returncode} (expected {'/'.join(map(str, expect))})\n"
            f"--- stdout (last lines)\n{stdout}\n--- stderr\n{stderr.strip()[-4000:]}"
        )
    return {"wall_s": wall, "code": process.returncode, "lines": lines, "stderr": stderr}


def plan_document(result):
    text = "\n".join(line for _, line in result["lines"])
    start = text.find("{")
    if start < 0:
        raise BenchError(f"plan --json printed no JSON:\n{text[-2000:]}")
    try:
        return json.loads(text[start:])
    except json.JSONDecodeError as error:
        raise BenchError(f"plan --json printed invalid JSON ({error}):\n{text[-2000:]}") from None


# ------------------------------------------------------------------------------------------------
# Requests, progress and the critical path
# ------------------------------------------------------------------------------------------------


def request_summary(requests, resources=None):
    by_operation = collections.Counter(f"{r.get('service') or '-'}:{r['operation']}" for r in requests)
    mutating = sum(1 for r in requests if r.get("mutating", True))
    summary = {
        "total": len(requests),
        "mutating": mutating,
        "read": len(requests) - mutating,
        "by_operation": dict(by_operation.most_common()),
        "mutating_operations": sorted({f"{r.get('service') or '-'}:{r['operation']}" for r in requests if r.get("mutating", True)}),
    }
    if resources:
        summary["per_resource"] = len(requests) / resources
    return summary


def progress_durations(lines):
    """Per-resource durations of an apply or destroy: {address: seconds}, from the binary's own
    timestamps of the `creating…` and `created in X.Ys` lines when it prints them, else from the
    times the lines arrived, else the printed X.Y; plus the first start and last finish, in
    seconds since the command started (arrival times)."""
    started, finished, reported = {}, {}, {}
    stamped_start, stamped_end = {}, {}
    for at, line in lines:
        match = PROGRESS.match(line)
        if not match:
            continue
        address, what = match["address"], match["what"]
        stamp = None
        if match["h"] is not None:
            stamp = int(match["h"]) * 3600 + int(match["m"]) * 60 + float(match["s"])
        if STARTED.match(what):
            started.setdefault(address, at)
            if stamp is not None:
                stamped_start.setdefault(address, stamp)
        elif (done := DONE.match(what)) is not None:
            finished[address] = at
            reported[address] = float(done["seconds"])
            if stamp is not None:
                stamped_end[address] = stamp
    durations = {}
    for address, end in finished.items():
        if address in stamped_start and address in stamped_end:
            durations[address] = (stamped_end[address] - stamped_start[address]) % 86400  # past midnight UTC
        elif address in started:
            durations[address] = end - started[address]
        else:
            durations[address] = reported[address]
    return {
        "durations_s": durations,
        "reported_s": reported,
        "first_start_s": min(started.values(), default=None),
        "last_finish_s": max(finished.values(), default=None),
        "changed": len(finished),
        "timed_by": "binary timestamps" if stamped_end else "line arrival",
    }


def parse_dot(text):
    nodes, edges = set(), []
    for line in text.splitlines():
        if (edge := DOT_EDGE.match(line)) is not None:
            if not (IS_ADDRESS.fullmatch(edge["source"]) and IS_ADDRESS.fullmatch(edge["target"])):
                continue
            edges.append((edge["source"], edge["target"]))
            nodes.update((edge["source"], edge["target"]))
        elif (node := DOT_NODE.match(line)) is not None and IS_ADDRESS.fullmatch(node["node"]):
            nodes.add(node["node"])  # resources only, not a legend's or cluster's nodes
    return nodes, edges


def critical_path(nodes, edges, durations):
    """The longest path through the DAG weighted by durations (seconds; 0 for a resource that
    did not change), and the longest chain counted in resources."""
    nodes = set(nodes) | set(durations)
    successors = collections.defaultdict(list)
    indegree = {n: 0 for n in nodes}
    for a, b in edges:
        successors[a].append(b)
        indegree[b] += 1
    order, ready = [], sorted(n for n, d in indegree.items() if d == 0)
    while ready:
        n = ready.pop()
        order.append(n)
        for m in successors[n]:
            indegree[m] -= 1
            if indegree[m] == 0:
                ready.append(m)
    if len(order) != len(nodes):
        raise BenchError("the dependency graph from `bankinfra graph` has a cycle")
    weight, best_from, chain = {}, {}, {}
    for n in order:
        weight.setdefault(n, 0.0)
        chain.setdefault(n, 1)
        total = weight[n] + durations.get(n, 0.0)
        for m in successors[n]:
            if total > weight.get(m, -1.0):
                weight[m], best_from[m] = total, n
            chain[m] = max(chain.get(m, 1), chain[n] + 1)
    finish = {n: weight[n] + durations.get(n, 0.0) for n in nodes}
    end = max(finish, key=finish.get) if finish else None
    path = []
    while end is not None:
        path.append(end)
        end = best_from.get(end)
    path.reverse()
    return {
        "seconds": max(finish.values(), default=0.0),
        "path": [{"address": a, "seconds": round(durations.get(a, 0.0), 3)} for a in path],
        "path_resources": len(path),
        "longest_chain_resources": max(chain.values(), default=0),
        "nodes": len(nodes),
        "edges": len(edges),
    }


# ------------------------------------------------------------------------------------------------
# The emulator's saturated request rate
# ------------------------------------------------------------------------------------------------


def saturation(python, tls_dir, total, concurrencies, keep):
    """Fires `total` sts:GetCallerIdentity requests at a fresh emulator at each concurrency (one
    boto3 client and one warm connection per thread); returns the rates and latencies."""
    import boto3
    from botocore.config import Config

    results = []
    with Emulator(python, tls_dir, keep=keep) as emulator:
        for concurrency in concurrencies:
            clients = []
            for _ in range(concurrency):
                session = boto3.session.Session()
                client = session.client(
                    "sts", endpoint_url=emulator.endpoint, region_name=REGION, verify=str(emulator.ca),
                    config=Config(retries={"max_attempts": 1}, max_pool_connections=2), **CREDENTIALS,
                )
                client.get_caller_identity()  # the TLS handshake and connection, outside the timing
                clients.append(client)
            shares = [total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)]
            before = len(emulator.requests())
            barrier = threading.Barrier(concurrency + 1)
            failures = []

            def fire(client, n):
                barrier.wait()
                for _ in range(n):
                    try:
                        client.get_caller_identity()
                    except Exception as error:  # counted, reported below
                        failures.append(repr(error))

            threads = [threading.Thread(target=fire, args=(c, n), daemon=True) for c, n in zip(clients, shares)]
            for thread in threads:
                thread.start()
            barrier.wait()
            start, cpu_before = time.monotonic(), emulator.cpu_seconds()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - start
            cpu_after = emulator.cpu_seconds()
            received = len(emulator.requests()) - before
            if failures:
                raise BenchError(f"{len(failures)} saturation requests failed at concurrency {concurrency}: {failures[0]}")
            results.append({
                "concurrency": concurrency,
                "requests": total,
                "received": received,
                "seconds": elapsed,
                "rate_per_s": total / elapsed,
                "mean_latency_ms": elapsed / total * concurrency * 1000,
                "emulator_cpu_s": cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None,
            })
            print(f"    concurrency {concurrency:>2}: {total} requests in {elapsed:.2f}s = {total / elapsed:.0f} req/s", flush=True)
            for client in clients:
                client.close()
    best = max(results, key=lambda r: r["rate_per_s"])
    serial = next((r for r in results if r["concurrency"] == 1), None)
    return {
        "operation": "sts:GetCallerIdentity",
        "levels": results,
        "best_rate_per_s": best["rate_per_s"],
        "best_concurrency": best["concurrency"],
        # The most CPU the emulator burnt per second at any concurrency (one of the busy-time
        # bound's candidates for its peak rate of work).
        "peak_cpu_per_s": max((r["emulator_cpu_s"] / r["seconds"] for r in results if r["emulator_cpu_s"]), default=None),
        "median_call_latency_ms": serial["seconds"] / serial["requests"] * 1000 if serial else None,
    }


# ------------------------------------------------------------------------------------------------
# One run
# ------------------------------------------------------------------------------------------------


# One cheap read per service the stack uses: moto builds each service's backend on its first
# request (IAM loads every AWS managed policy), a one-off cost of the emulator, not of bankinfra.
WARM_UP = (
    ("ec2", "describe_vpcs", {}), ("kms", "list_keys", {}), ("s3", "list_buckets", {}),
    ("sqs", "list_queues", {}), ("events", "list_event_buses", {}), ("logs", "describe_log_groups", {}),
    ("sns", "list_topics", {}), ("xray", "get_sampling_rules", {}), ("iam", "list_roles", {"MaxItems": 1}),
    ("cloudtrail", "describe_trails", {}), ("firehose", "list_delivery_streams", {}),
    ("cognito-idp", "list_user_pools", {"MaxResults": 1}), ("ssm", "describe_parameters", {}),
    ("sts", "get_caller_identity", {}),
)


def warm_up(emulator):
    """Builds every backend the stack uses; returns the seconds it took."""
    import boto3

    start = time.monotonic()
    session = boto3.session.Session()
    for service, operation, params in WARM_UP:
        client = session.client(service, endpoint_url=emulator.endpoint, region_name=REGION, verify=str(emulator.ca), **CREDENTIALS)
        getattr(client, operation)(**params)
        client.close()
    return time.monotonic() - start


def drift(emulator):
    """Disables rotation of the PII key, out of band."""
    import boto3

    kms = boto3.client("kms", endpoint_url=emulator.endpoint, region_name=REGION, verify=str(emulator.ca), **CREDENTIALS)
    key = kms.describe_key(KeyId=DRIFT_KEY_ALIAS)["KeyMetadata"]["KeyId"]
    kms.disable_key_rotation(KeyId=key)


def aws_like_args(args):
    """The launcher's arguments for the AWS-like mode (emulator/aws_like/), when asked for."""
    seed = getattr(args, "aws_like", None)
    if seed is None:
        return []
    profile = getattr(args, "aws_like_profile", None)
    return ["--aws-like", str(seed)] + (["--aws-like-profile", str(profile)] if profile else [])


def add_aws_like_arguments(parser):
    parser.add_argument("--aws-like", type=int, metavar="SEED", default=None,
                        help="run every emulator in its AWS-like mode with this seed (emulator/aws_like/)")
    parser.add_argument("--aws-like-profile", type=Path, default=None, metavar="FILE",
                        help="with --aws-like: a JSON profile merged over the mode's defaults")


# The service each kind's calls go to (the address's kind, before the dot).
KIND_SERVICE = {
    "vpc": "ec2", "subnet": "ec2", "internet_gateway": "ec2", "route_table": "ec2", "vpc_endpoint": "ec2",
    "kms_key": "kms", "s3_bucket": "s3", "sqs_queue": "sqs", "event_bus": "events", "event_archive": "events",
    "log_group": "logs", "sns_topic": "sns", "xray_sampling_rule": "xray", "iam_oidc_provider": "iam",
    "iam_policy": "iam", "iam_role": "iam", "cloudtrail_trail": "cloudtrail", "firehose_stream": "firehose",
    "cognito_user_pool": "cognito-idp", "cognito_user_pool_client": "cognito-idp",
    "service_control_policy": "organizations", "ssm_parameter": "ssm",
}


def aws_like_modules():
    """emulator/aws_like's profile, latency and throttle modules (the mode's own definitions)."""
    emulator_dir = str(ROOT / "emulator")
    if emulator_dir not in sys.path:
        sys.path.insert(0, emulator_dir)
    from aws_like import latency, profile, throttle

    return profile, latency, throttle


def aws_like_profile(args):
    """The AWS-like mode's profile in force (its defaults with --aws-like-profile merged), or None."""
    if getattr(args, "aws_like", None) is None:
        return None
    profile, _, _ = aws_like_modules()
    path = getattr(args, "aws_like_profile", None)
    return profile.load(str(path) if path else None)


def throttle_bound_s(requests, profile, necessary, throttled=None):
    """The AWS-like mode's throttle limits as a bound: each token bucket (emulator/aws_like/
    throttle.py) must admit the scenario's necessary requests to it, the first `burst` at once
    and the rest at `rate` a second. Requests the mode refused as throttled (`throttled`, per
    "service:Operation") were not admitted, so they are not counted."""
    _, _, throttle = aws_like_modules()
    limiter = throttle.Throttle(profile)
    if not limiter.enabled:
        return 0.0
    refused = collections.Counter(throttled or {})
    counts, sizes = collections.Counter(), {}
    for r in requests:
        operation = f"{r.get('service')}:{r['operation']}"
        if refused[operation] > 0:
            refused[operation] -= 1
            continue
        mutating = r.get("mutating", True)
        if mutating != (necessary == "mutating") or not r.get("service"):
            continue
        path = r.get("path") or ""
        request = argparse.Namespace(
            service=r["service"], operation=r["operation"], mutating=mutating, account="-", scope="-",
            bucket=lambda path=path: path.strip("/").split("/")[0],
        )
        found = limiter.bucket_for(request)
        if found:
            key, rate, burst = found
            counts[key] += 1
            sizes[key] = (rate, burst)
    return max((max(0.0, (n - sizes[k][1]) / sizes[k][0]) for k, n in counts.items()), default=0.0)


def latency_path_bound_s(nodes, edges, profile):
    """The AWS-like mode's latencies as a bound on a cold apply: the longest dependency chain, each
    resource taking at least one create call at the profile's median latency for its service."""
    _, latency, _ = aws_like_modules()
    scale = float(profile["latency"].get("scale", 1.0))
    durations = {}
    for node in nodes:
        service = KIND_SERVICE.get(node.split(".")[0], "-")
        entry = latency.settings(profile, argparse.Namespace(service=service, operation="Create", mutating=True))
        durations[node] = entry.get("median_ms", 0) * scale / 1000.0
    return critical_path(nodes, edges, durations)["seconds"]


def one_run(number, args):
    results = {}
    profile = aws_like_profile(args)
    with Emulator(args.python, args.tls_dir, keep=args.keep, extra=aws_like_args(args)) as emulator:
        config = emulator.dir / "aws-config"
        org_env = dict(os.environ, SSL_CERT_FILE=str(emulator.ca))
        org = subprocess.run(
            [args.python, str(ROOT / "scripts" / "emulated-org.py"), emulator.endpoint, str(config)],
            env=org_env, cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        if org.returncode != 0:
            raise BenchError(f"scripts/emulated-org.py failed:\n{org.stdout}{org.stderr}")
        env = binary_env(emulator, config)
        warm_up_s = warm_up(emulator) if args.warm_up else None
        binary = [str(args.binary)]
        parallelism = ["--parallelism", str(args.parallelism)] if args.parallelism else []

        def scenario(name, command, expect=(0,), before=None):
            if before is not None:
                before()
            offset, cpu_before = len(emulator.requests()), emulator.cpu_seconds()
            throttled_before = emulator.throttled()
            print(f"  run {number}: {name} …", end="", flush=True)
            result = run(binary + command, env, args.timeout, expect)
            cpu_after = emulator.cpu_seconds()
            result["emulator_cpu_s"] = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
            result["requests"] = emulator.requests()[offset:]
            throttled_after = emulator.throttled()
            result["throttled"] = {
                op: n - throttled_before.get(op, 0) for op, n in throttled_after.items() if n > throttled_before.get(op, 0)
            }
            print(f" {result['wall_s']:.2f}s, {len(result['requests'])} requests", flush=True)
            results[name] = result
            return result

        scenario("cold apply", ["apply", "--stage", STAGE, "--auto-approve"] + parallelism)
        noop = scenario("no-op plan", ["plan", "--stage", STAGE, "--json", "--detailed-exitcode"], expect=(0, 2))
        drifted = scenario(
            "drift plan", ["plan", "--stage", STAGE, "--json", "--detailed-exitcode"], expect=(0, 2),
            before=lambda: drift(emulator),
        )
        scenario("destroy", ["destroy", "--stage", STAGE, "--auto-approve"] + parallelism)
        graph = None
        if number == 1:
            # The dependency edges come from the specs, whatever the account holds; read after
            # the scenarios so that this plan's reads do not warm the emulator up for them.
            dot = run(binary + ["graph", "--stage", STAGE], env, args.timeout)
            graph = parse_dot("\n".join(line for _, line in dot["lines"]))
            if not graph[0]:
                raise BenchError("`bankinfra graph` printed no resource (is its output still DOT?)")

    plan = plan_document(noop)
    resources = sum(plan["summary"].values())
    drift_plan = plan_document(drifted)
    drift_changes = [
        {"address": c["address"], "action": c["action"], "paths": [f["path"] for f in c["changes"]]}
        for c in drift_plan["resource_changes"] if c["action"] != "no_op"
    ]
    run_result = {
        "run": number,
        "resources": resources,
        "emulator_warm_up_s": warm_up_s,
        "no_op_plan_has_changes": plan["has_changes"],
        "drift_detected": any(c["address"] == DRIFT_ADDRESS and c["action"] == "update" for c in drift_changes),
        "drift_changes": drift_changes,
        "scenarios": {},
    }
    for name, result in results.items():
        entry = {
            "wall_s": result["wall_s"],
            "exit_code": result["code"],
            "requests": request_summary(result["requests"], resources),
            "emulator_cpu_s": result["emulator_cpu_s"],
        }
        if profile is not None:
            entry["throttle_bound_s"] = throttle_bound_s(
                result["requests"], profile, NECESSARY[name], result.get("throttled")
            )
            entry["throttled"] = result.get("throttled")
        if name in ("cold apply", "destroy"):
            progress = progress_durations(result["lines"])
            entry["progress"] = {
                "changed": progress["changed"],
                "timed_by": progress["timed_by"],
                "before_first_change_s": progress["first_start_s"],
                "changes_span_s": (progress["last_finish_s"] - progress["first_start_s"])
                if progress["first_start_s"] is not None else None,
                "after_last_change_s": (result["wall_s"] - progress["last_finish_s"])
                if progress["last_finish_s"] is not None else None,
                "durations_s": {a: round(d, 4) for a, d in sorted(progress["durations_s"].items())},
            }
        run_result["scenarios"][name] = entry
    return run_result, graph


# ------------------------------------------------------------------------------------------------
# Summary
# ------------------------------------------------------------------------------------------------


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def summarise(runs, graph, rate, saturation_peak_cpu_per_s=None, terraform=None, aws_like=None):
    """terraform: Terraform's figures per scenario (bench_terraform.figures), else the quoted ones;
    aws_like: the AWS-like mode's profile, when the runs used it (its throttle limits and, for the
    cold apply, its latencies along the critical path are bounds too)."""
    terraform = terraform or TERRAFORM
    summary = {}
    peak = peak_cpu_per_s(runs, saturation_peak_cpu_per_s)
    for name in SCENARIOS:
        entries = [r["scenarios"][name] for r in runs]
        wall = spread([e["wall_s"] for e in entries])
        requests = {k: spread([e["requests"][k] for e in entries]) for k in ("total", "mutating", "read", "per_resource")}
        necessary = NECESSARY[name]
        bounds = [e["requests"][necessary] / rate for e in entries] if rate else []
        busy = [
            busy_bound_s(e.get("emulator_cpu_s"), e["requests"]["total"], e["requests"][necessary], peak)
            for e in entries
        ]
        summary[name] = {
            "wall_s": wall,
            "requests": requests,
            "minimal_necessary": necessary,
            "emulator_cpu_s": spread([e.get("emulator_cpu_s") for e in entries]),
            "emulator_peak_cpu_per_s": peak,
            "request_rate_bound_s": spread(bounds),
            "busy_time_bound_s": spread(busy),
            "top_operations_last_run": dict(list(entries[-1]["requests"]["by_operation"].items())[:10]),
            "throttle_bound_s": spread([e.get("throttle_bound_s") for e in entries]) if aws_like else None,
            "terraform": terraform.get(name),
        }
    # Critical path of each run's cold apply.
    paths = []
    if graph is not None:
        nodes, edges = graph
        for r in runs:
            durations = r["scenarios"]["cold apply"]["progress"]["durations_s"]
            if not durations:  # no progress line parsed: no bound rather than a bound of 0
                continue
            paths.append(critical_path(nodes, edges, durations))
            r["scenarios"]["cold apply"]["critical_path"] = paths[-1]
    cold = summary["cold apply"]
    cold["critical_path_bound_s"] = spread([p["seconds"] for p in paths])
    if aws_like and graph is not None:
        cold["latency_path_bound_s"] = spread([latency_path_bound_s(graph[0], graph[1], aws_like)])
    if graph is not None:
        cold["longest_chain_resources"] = critical_path(graph[0], graph[1], {})["longest_chain_resources"]
        cold["graph"] = {"resources": len(graph[0]), "edges": len(graph[1])}
    if paths:
        median_run = sorted(paths, key=lambda p: p["seconds"])[len(paths) // 2]
        cold["critical_path_median_run"] = median_run["path"]
    for name in SCENARIOS:
        entry = summary[name]
        candidates = {
            "request rate": entry["request_rate_bound_s"],
            "busy time": entry["busy_time_bound_s"],
            "critical path": entry.get("critical_path_bound_s"),
            "throttle limits": entry.get("throttle_bound_s"),
            "latency path": entry.get("latency_path_bound_s"),
        }
        medians = {k: v["median"] for k, v in candidates.items() if v}
        if medians:
            entry["lower_bound_from"] = max(medians, key=medians.get)
            entry["lower_bound_s"] = medians[entry["lower_bound_from"]]
        else:
            entry["lower_bound_s"] = entry["lower_bound_from"] = None
    return summary


def targets(summary):
    cold, noop, destroy = summary["cold apply"], summary["no-op plan"], summary["destroy"]
    terraform_destroy = destroy.get("terraform") or TERRAFORM["destroy"]
    terraform_destroy_fastest = terraform_destroy["wall_s"][0]
    rows = [
        {
            "target": f"cold apply <= {TARGET_COLD_APPLY_BOUND_FACTOR} x lower bound",
            "limit": TARGET_COLD_APPLY_BOUND_FACTOR * (cold["lower_bound_s"] or 0.0), "measured": cold["wall_s"]["median"], "unit": "s",
        },
        {"target": f"cold apply <= ~{TARGET_COLD_APPLY_S:g} s", "limit": TARGET_COLD_APPLY_S, "measured": cold["wall_s"]["median"], "unit": "s"},
        {"target": f"no-op plan <= ~{TARGET_NOOP_PLAN_S:g} s", "limit": TARGET_NOOP_PLAN_S, "measured": noop["wall_s"]["median"], "unit": "s"},
        {
            "target": f"no-op plan <= ~{TARGET_NOOP_PLAN_REQUESTS} requests",
            "limit": TARGET_NOOP_PLAN_REQUESTS, "measured": noop["requests"]["total"]["median"], "unit": "requests",
        },
        {
            "target": f"destroy >= {TARGET_DESTROY_SPEEDUP:g}x faster than Terraform ({terraform_destroy_fastest:.3g} s, {terraform_destroy.get('source', 'quoted')})",
            "limit": terraform_destroy_fastest / TARGET_DESTROY_SPEEDUP, "measured": destroy["wall_s"]["median"], "unit": "s",
        },
    ]
    for row in rows:
        row["pass"] = row["measured"] <= row["limit"]
    return rows


def table(report):
    s, sat = report["summary"], report["saturation"]
    resources = report["resources"]
    out = []
    out.append(
        f"\nbankinfra end-to-end benchmark: stage {STAGE}, {resources} resources, {report['runs']} run(s), "
        f"each on a fresh emulator\nbinary: {report['binary']} (dev profile, NOT a release build: the AWS SDK "
        "crates take 30+ minutes to build in release here)"
    )
    if report.get("parallelism"):
        out.append(f"apply/destroy --parallelism {report['parallelism']}")
    warm = spread([r["emulator_warm_up_s"] for r in report["per_run"]])
    if warm:
        out.append(
            f"before each cold apply the emulator was warmed up (one read per service, not counted): "
            f"{warm['median']:.2f} s median (moto builds each backend on first use; --no-warm-up to include it)"
        )
    else:
        out.append("no emulator warm-up: the cold apply includes moto building each service's backend on first use")
    sources = {e["terraform"].get("source", "quoted") for e in s.values() if e.get("terraform")}
    terraform_label = f"Terraform ({'/'.join(sorted(sources)) or '-'})"
    header = f"{'scenario':<11} {'wall s min/med/max':>20} {'requests':>8} {'mutating':>8} {'read':>6} {'req/res':>7} {'bound s':>8}   {terraform_label:>22}"
    out.append("\n" + header)
    out.append("-" * len(header))
    for name in SCENARIOS:
        e = s[name]
        w, req = e["wall_s"], e["requests"]
        tf_text = terraform_text(e["terraform"])
        bound = f"{e['lower_bound_s']:.2f}" if e.get("lower_bound_s") is not None else "-"
        out.append(
            f"{name:<11} {w['min']:>6.2f} /{w['median']:>6.2f} /{w['max']:>6.2f} {req['total']['median']:>8.0f} "
            f"{req['mutating']['median']:>8.0f} {req['read']['median']:>6.0f} {req['per_resource']['median']:>7.2f} {bound:>8}   {tf_text:>22}"
        )
    out.append(
        "(requests: medians over runs; bound: the largest of the request-rate bound, the busy-time bound "
        "and, for the cold apply, the critical path; see below)"
    )
    out.extend(side_by_side(report))
    levels = ", ".join(f"c={lvl['concurrency']}: {lvl['rate_per_s']:.0f}/s" for lvl in sat["levels"])
    out.append(
        f"\nemulator saturated rate: {sat['best_rate_per_s']:.0f} req/s ({sat['operation']}; {levels}); "
        f"median per-call latency {sat['median_call_latency_ms']:.2f} ms (concurrency 1)"
    )
    peak = s["cold apply"].get("emulator_peak_cpu_per_s")
    if peak:
        out.append(f"emulator CPU: at most {peak:.2f} CPU-s per second (saturation test and every scenario); per scenario (medians):")
    for name in SCENARIOS:
        e = s[name]
        cpu, busy = e.get("emulator_cpu_s"), e.get("busy_time_bound_s")
        if cpu and busy:
            per_call = cpu["median"] / e["requests"]["total"]["median"] * 1000
            out.append(
                f"  {name:<11} emulator CPU {cpu['median']:.2f} s ({per_call:.1f} ms per request received); "
                f"busy-time bound {busy['median']:.2f} s for its {e['requests'][e['minimal_necessary']]['median']:.0f} "
                f"{e['minimal_necessary']} requests; request-rate bound {e['request_rate_bound_s']['median']:.2f} s"
            )
    cold = s["cold apply"]
    if not cold.get("critical_path_bound_s"):
        out.append(
            "cold apply lower bound: request rate only; the critical path is unavailable "
            "(no `<address>: created in X.Ys` progress line was recognised in the apply's output)"
        )
        if cold.get("longest_chain_resources"):
            out.append(f"longest dependency chain: {cold['longest_chain_resources']} resources")
    else:
        cp = cold["critical_path_bound_s"]
        chain = " -> ".join(f"{p['address']} ({p['seconds']:.2f}s)" for p in cold.get("critical_path_median_run", []))
        busy = cold.get("busy_time_bound_s")
        out.append(
            f"cold apply lower bound ({cold['lower_bound_from']}): request rate {cold['request_rate_bound_s']['median']:.2f} s "
            f"({cold['requests']['mutating']['median']:.0f} mutating requests), "
            f"busy time {busy['median'] if busy else float('nan'):.2f} s, critical path {cp['median']:.2f} s "
            f"(min {cp['min']:.2f}, max {cp['max']:.2f}); longest chain {cold.get('longest_chain_resources', '?')} resources "
            f"({cold.get('graph', {}).get('edges', '?')} edges)"
        )
        out.append(f"critical path (median run): {chain}")
    if report.get("aws_like"):
        parts = []
        for name in SCENARIOS:
            entry = report["summary"][name]
            throttle_s = (entry.get("throttle_bound_s") or {}).get("median")
            if throttle_s is not None:
                parts.append(f"{name} {throttle_s:.2f} s")
        latency_s = (cold.get("latency_path_bound_s") or {}).get("median")
        out.append(
            f"AWS-like mode (seed {report['aws_like']['seed']}, profile {report['aws_like']['profile']}): "
            f"throttle-limit bounds {', '.join(parts)}; cold apply latency-path bound "
            f"{latency_s if latency_s is not None else float('nan'):.2f} s (the longest chain at the profile's median create latencies)"
        )
    progress = [r["scenarios"]["cold apply"]["progress"] for r in report["per_run"]]
    before = spread([p["before_first_change_s"] for p in progress])
    span = spread([p["changes_span_s"] for p in progress])
    after = spread([p["after_last_change_s"] for p in progress])
    if before and span and after:
        out.append(
            f"cold apply phases (medians): {before['median']:.2f} s before the first change (load, account check, lock, read, plan), "
            f"{span['median']:.2f} s of changes, {after['median']:.2f} s after the last (outputs, unlock)"
        )
    out.append("\ntargets (issue 7; informational):")
    for row in report["targets"]:
        unit = row["unit"]
        fmt = (lambda v: f"{v:.2f} s") if unit == "s" else (lambda v: f"{v:.0f}")
        out.append(f"  {row['target']:<56} measured {fmt(row['measured']):>10}  limit {fmt(row['limit']):>10}  {'PASS' if row['pass'] else 'FAIL'}")
    out.append("\ntop operations (last run):")
    for name in SCENARIOS:
        ops = ", ".join(f"{op} {n}" for op, n in list(s[name]["top_operations_last_run"].items())[:8])
        out.append(f"  {name:<11} {ops}")
    last = report["per_run"][-1]
    out.append(f"\ndrift plan found: {', '.join(c['address'] + ' ' + c['action'] + ' ' + ','.join(c['paths']) for c in last['drift_changes']) or 'nothing'}")
    return "\n".join(out)


def terraform_text(tf):
    """The Terraform column: `86-100 s / ~1,025` (quoted range), `83.2 s / 1,017` (one measured
    run), `80.1-85.3 s / 1,017` (measured, min-max)."""
    if not tf:
        return "-"
    low, high = tf["wall_s"]
    wall = f"{low:.3g}" if low == high else f"{low:.3g}-{high:.3g}"
    return f"{wall} s / {'~' if tf.get('requests_approx') else ''}{tf['requests']:,.0f}"


def side_by_side(report):
    """bankinfra and measured Terraform, scenario by scenario (medians); nothing when Terraform's
    figures are the quoted ones."""
    s = report["summary"]
    if not any((s[n].get("terraform") or {}).get("source") == "measured" for n in SCENARIOS):
        return []
    tf_report = report.get("terraform") or {}
    out = [
        f"\nbankinfra and Terraform, measured on this machine (medians; Terraform "
        f"{tf_report.get('terraform_version') or '?'} / {tf_report.get('provider') or '?'}, "
        f"{tf_report.get('runs', '?')} run(s), {tf_report.get('resources', '?')} Terraform resources):"
    ]
    header = f"  {'scenario':<11} {'bankinfra s':>11} {'requests (mutating)':>20}   {'Terraform s':>11} {'requests (mutating)':>20}   {'wall x':>7} {'requests x':>10}"
    out += [header, "  " + "-" * (len(header) - 2)]
    for name in SCENARIOS:
        e, tf = s[name], s[name].get("terraform")
        mine = f"{e['requests']['total']['median']:.0f} ({e['requests']['mutating']['median']:.0f})"
        if not tf or tf.get("source") != "measured":
            out.append(f"  {name:<11} {e['wall_s']['median']:>11.2f} {mine:>20}   {'-':>11} {'-':>20}")
            continue
        theirs = f"{tf['requests']:.0f} ({tf['mutating']:.0f})"
        wall_x = tf["wall_median_s"] / e["wall_s"]["median"] if e["wall_s"]["median"] else float("nan")
        req_x = tf["requests"] / e["requests"]["total"]["median"] if e["requests"]["total"]["median"] else float("nan")
        out.append(
            f"  {name:<11} {e['wall_s']['median']:>11.2f} {mine:>20}   {tf['wall_median_s']:>11.2f} {theirs:>20}   "
            f"{wall_x:>6.1f}x {req_x:>9.1f}x"
        )
    out.append("  (x: Terraform / bankinfra; Terraform deploys the stack without the organization's SCP, see bench/terraform/README.md)")
    return out


def terraform_module():
    """scripts/bench_terraform.py, sharing this module (run as __main__, it is also `bench`, so that
    its BenchError is this one)."""
    sys.modules.setdefault("bench", sys.modules[__name__])
    import bench_terraform

    return bench_terraform


def interrupt(signum, frame):
    raise KeyboardInterrupt


def default_json_out():
    target = os.environ.get("CARGO_TARGET_DIR")
    return Path(target) / "bench" / "bench.json" if target else ROOT / "target" / "bench" / "bench.json"


def emulator_python():
    """The interpreter with the pinned emulator: $BANKINFRA_PYTHON, else the project's venv,
    else this one."""
    for candidate in (os.environ.get("BANKINFRA_PYTHON"), CACHE / "venv" / "bin" / "python"):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return sys.executable


def default_binary():
    target = Path(os.environ.get("CARGO_TARGET_DIR") or CACHE / "target")
    return target / "debug" / "bankinfra"


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 2)[2],  # the docstring after its title and usage
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=3, help="runs, each on a fresh emulator (default 3)")
    parser.add_argument("--json-out", type=Path, default=None, help=f"where to write the JSON report (default {default_json_out()})")
    parser.add_argument("--binary", type=Path, default=default_binary(), help="the bankinfra binary (default: the dev build)")
    parser.add_argument("--tls-dir", type=Path, default=Path(os.environ.get("BANKINFRA_TLS") or CACHE / "tls"))
    parser.add_argument("--parallelism", type=int, default=None, help="passed to apply and destroy (default: the binary's)")
    parser.add_argument("--saturation-requests", type=int, default=400)
    parser.add_argument("--concurrency", default="1,8,16,32", help="concurrencies of the saturation test")
    parser.add_argument("--timeout", type=float, default=900, help="seconds any one command may take")
    parser.add_argument(
        "--no-warm-up", dest="warm_up", action="store_false",
        help="do not send one read per service before the cold apply (moto builds each backend on first use)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the emulators' directories (request logs)")
    add_aws_like_arguments(parser)
    terraform = parser.add_mutually_exclusive_group()
    terraform.add_argument(
        "--terraform", action="store_true",
        help="also measure Terraform on the same stack (scripts/bench_terraform.py, bench/terraform/) and show it side by side",
    )
    terraform.add_argument(
        "--terraform-json", type=Path, default=None,
        help="show the Terraform figures of an earlier `scripts/bench_terraform.py --json-out FILE` instead of measuring",
    )
    parser.add_argument("--terraform-runs", type=int, default=None, help="Terraform's runs with --terraform (default: --runs)")
    parser.add_argument("--terraform-binary", default=None, help="the terraform binary (default: terraform on PATH)")
    parser.add_argument("--terraform-parallelism", type=int, default=10, help="terraform -parallelism (default 10)")
    args = parser.parse_args(argv)
    args.python = emulator_python()
    args.json_out = args.json_out or default_json_out()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    try:
        concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]
    except ValueError:
        parser.error("--concurrency takes comma-separated integers")
    if not concurrencies or min(concurrencies) < 1:
        parser.error("--concurrency takes positive integers")
    tf_args, terraform_report, terraform_error = None, None, None
    if args.terraform:
        bench_terraform = terraform_module()
        tf_args = argparse.Namespace(
            runs=args.terraform_runs or args.runs, terraform=args.terraform_binary or bench_terraform.default_terraform(),
            parallelism=args.terraform_parallelism, tls_dir=args.tls_dir, timeout=max(args.timeout, 1800),
            warm_up=args.warm_up, keep=args.keep, python=args.python,
            aws_like=args.aws_like, aws_like_profile=args.aws_like_profile,
        )
        if tf_args.runs < 1:
            parser.error("--terraform-runs must be at least 1")
        problem = bench_terraform.check(tf_args)
        if problem:
            print(f"error: --terraform: {problem}", file=sys.stderr)
            return 2
    elif args.terraform_json:
        try:
            terraform_report = json.loads(args.terraform_json.read_text())
        except (OSError, ValueError) as error:
            print(f"error: --terraform-json {args.terraform_json}: {error}", file=sys.stderr)
            return 2
    if not args.binary.is_file() or not os.access(args.binary, os.X_OK):
        print(
            f"error: no bankinfra binary at {args.binary}; build it with `cargo build --bin bankinfra` "
            "(dev profile, CARGO_TARGET_DIR=$HOME/.cache/bankinfra/target) or run scripts/bench.sh",
            file=sys.stderr,
        )
        return 2
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
    except ImportError as error:
        print(f"error: {error}; run with $BANKINFRA_PYTHON (the venv scripts/lib.sh makes)", file=sys.stderr)
        return 2
    # SIGTERM unwinds like Ctrl-C, so emulators and temporary directories are cleaned up.
    signal.signal(signal.SIGTERM, interrupt)

    host = {"cpus": os.cpu_count(), "load_average_start": list(os.getloadavg())}
    try:
        print(f"==> emulator saturation: {args.saturation_requests} sts:GetCallerIdentity requests per concurrency", flush=True)
        sat = saturation(args.python, args.tls_dir, args.saturation_requests, concurrencies, args.keep)
        runs, graph = [], None
        for number in range(1, args.runs + 1):
            print(f"==> run {number}/{args.runs} (fresh emulator)", flush=True)
            result, run_graph = one_run(number, args)
            runs.append(result)
            graph = graph or run_graph
        if tf_args is not None:
            try:
                terraform_report = bench_terraform.measure(tf_args)
            except BenchError as error:  # bankinfra's figures are still reported; the exit status is 1
                terraform_error = str(error)
                print(f"\nerror: Terraform's measurement failed (its quoted figures are shown instead): {error}", file=sys.stderr)
    except BenchError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; emulators stopped", file=sys.stderr)
        return 130

    resources = runs[-1]["resources"]
    terraform_figures = None
    if terraform_report is not None:
        terraform_figures = terraform_module().figures(terraform_report)
    summary = summarise(
        runs, graph, sat["best_rate_per_s"], sat.get("peak_cpu_per_s"), terraform_figures, aws_like_profile(args)
    )
    report = {
        "format_version": 1,
        "stage": STAGE,
        "runs": len(runs),
        "binary": str(args.binary),
        "binary_profile": "dev (debug); not release: the AWS SDK crates take 30+ minutes to build in release here",
        "parallelism": args.parallelism,
        "aws_like": None if args.aws_like is None else {
            "seed": args.aws_like, "profile": str(args.aws_like_profile) if args.aws_like_profile else "defaults",
        },
        "host": host,
        "resources": resources,
        "definitions": {
            "requests": "lines of the emulator's request log while the command ran (emulated-organization set-up, warm-up and the out-of-band drift excluded)",
            "warm_up": "before the cold apply, one read per service the stack uses, so that moto's one-off backend construction is not timed (--no-warm-up times it)",
            "mutating": "emulator/request_log.py is_mutating: anything but Get*/List*/Describe*/Head*/... and STS credential calls",
            "minimal_necessary": "mutating requests for apply and destroy, read requests for the plans",
            "request_rate_bound_s": "minimal necessary requests / the emulator's best saturated rate (of its cheapest call, sts:GetCallerIdentity)",
            "emulator_cpu_s": "CPU seconds the emulator's process group used while the command ran (Linux /proc)",
            "busy_time_bound_s": "emulator CPU per request received in the scenario x minimal necessary requests / the most CPU seconds per second the emulator was seen to use (saturation test, every scenario of every run)",
            "critical_path_bound_s": "longest path through `bankinfra graph` edges weighted by per-resource durations observed in the cold apply",
            "lower_bound_s": "max(request-rate bound, busy-time bound), and for the cold apply the critical-path bound too",
        },
        "saturation": sat,
        "summary": summary,
        "terraform_reference": {k: v for k, v in (terraform_figures or TERRAFORM).items() if v},
        "terraform": terraform_report,
        "terraform_error": terraform_error,
        "targets_reference": {
            "cold_apply_max_bound_factor": TARGET_COLD_APPLY_BOUND_FACTOR,
            "cold_apply_max_s": TARGET_COLD_APPLY_S,
            "noop_plan_max_s": TARGET_NOOP_PLAN_S,
            "noop_plan_max_requests": TARGET_NOOP_PLAN_REQUESTS,
            "destroy_min_speedup_vs_terraform": TARGET_DESTROY_SPEEDUP,
        },
        "per_run": runs,
    }
    report["targets"] = targets(summary)
    print(table(report))
    if any(r["no_op_plan_has_changes"] for r in runs):
        print("\nwarning: the plan right after an apply showed changes in some run (see per_run in the JSON)")
    if not all(r["drift_detected"] for r in runs):
        print(f"\nwarning: the drift plan did not show an update of {DRIFT_ADDRESS} in some run (see per_run in the JSON)")
    host["load_average_end"] = list(os.getloadavg())
    if max(host["load_average_start"][0], host["load_average_end"][0]) > host["cpus"]:
        print(
            f"\nnote: the host was busy (load average {host['load_average_start'][0]:.1f} at the start, "
            f"{host['load_average_end'][0]:.1f} at the end, {host['cpus']} CPUs): wall times are inflated"
        )
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.json_out}")
    return 1 if terraform_error else 0


if __name__ == "__main__":
    sys.exit(main())
