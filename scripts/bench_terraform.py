#!/usr/bin/env python3
"""Terraform on the same stack, measured against the same emulator as bankinfra (issue 7).

Usage: bench_terraform.py [--runs N] [--json-out FILE] [--terraform PATH] [--parallelism N]
                          [--timeout S] [--no-warm-up] [--keep]

Run it with $BANKINFRA_PYTHON (the venv with the pinned emulator and boto3), or through
`scripts/bench.sh --terraform`, which measures bankinfra and Terraform one after the other and
prints them side by side (scripts/bench.py --terraform imports this module).

The configuration is the project's own: bench/terraform/*.tf, the MOD-104 resources bankinfra
deploys for stage local (all but the organization's SCP; see bench/terraform/README.md), with the
hashicorp/aws provider 5.100.0 from the local filesystem mirror /opt/tf-plugins. Each run starts
a FRESH emulator (emulator/launch.py on a free port, HTTPS with the local CA, --request-log to a
temporary file), copies the configuration into the run's own directory (so each run has its own,
empty, local state), `terraform init`s it (not timed: the provider is linked from the plugin
cache under $BANKINFRA_CACHE/terraform, which links the mirror, never copied; .terraform lives
there too, TF_DATA_DIR), warms the emulator up as scripts/bench.py does (one read per service:
moto builds each backend on first use), then measures, in order:

  cold apply   terraform apply -auto-approve -parallelism=N on the empty account
  no-op plan   terraform plan -detailed-exitcode -parallelism=N, right after (exit 0: no change)
  drift plan   the same, after disabling rotation of alias/bank/pii out of band with boto3
               (scripts/bench.py's drift; exit 2, an in-place update of
               aws_kms_key.classification["pii"], which is bankinfra's kms_key.pii)
  destroy      terraform destroy -auto-approve -parallelism=N

For each: the wall time, the emulator's CPU time, and the requests the emulator received while
the command ran (lines of the request log), all and mutating, as emulator/request_log.py
classifies them, and by operation; for apply and destroy the slowest resources as Terraform
reports them (`...: Creation complete after 55s`). Terraform runs with no AWS_* variable of the
caller's shell (an inherited AWS_CA_BUNDLE would replace the emulator's CA) and SSL_CERT_FILE
set to the emulator's CA. BANKINFRA_TF_LOG=DEBUG writes the provider's log (TF_LOG_PROVIDER) next
to the request log (kept with --keep).

Printed: a table (wall min / median / max over runs, requests as medians). Written: everything,
per run, as JSON (--json-out, default $CARGO_TARGET_DIR/bench/terraform.json).
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench  # noqa: E402

ROOT = bench.ROOT
CONFIG = ROOT / "bench" / "terraform"
CACHE = bench.CACHE
TERRAFORM_HOME = CACHE / "terraform"
PLUGIN_MIRROR = Path(os.environ.get("BANKINFRA_TF_PLUGINS") or "/opt/tf-plugins")
PROVIDER = "hashicorp/aws 5.100.0"
SCENARIOS = bench.SCENARIOS
DEFAULT_PARALLELISM = 10
# bankinfra's kms_key.pii (bench.DRIFT_ADDRESS), in this configuration.
DRIFT_ADDRESS = 'aws_kms_key.classification["pii"]'

# `  # aws_kms_key.classification["pii"] will be updated in-place` (the plan's resource
# headers), and `  # aws_kms_key.classification["pii"] has changed` (the "Objects have changed
# outside of Terraform" note before them).
PLAN_HEADER = re.compile(
    r"^\s*# (?P<address>\S.*?) (?P<what>will be created|will be destroyed|will be updated in-place|"
    r"must be replaced|will be replaced, as requested|will be read during apply|has changed|has been deleted)"
)
ACTIONS = {
    "will be created": "create",
    "will be destroyed": "delete",
    "will be updated in-place": "update",
    "must be replaced": "replace",
    "will be replaced, as requested": "replace",
    "will be read during apply": "read",
    "has changed": "changed outside",
    "has been deleted": "deleted outside",
}
PLAN_TOTALS = re.compile(r"^Plan: (?P<add>\d+) to add, (?P<change>\d+) to change, (?P<destroy>\d+) to destroy\.")
APPLY_TOTALS = re.compile(r"^Apply complete! Resources: (?P<added>\d+) added, (?P<changed>\d+) changed, (?P<destroyed>\d+) destroyed\.")
DESTROY_TOTALS = re.compile(r"^Destroy complete! Resources: (?P<destroyed>\d+) destroyed\.")
COMPLETE = re.compile(
    r"^(?P<address>\S.*?): (?P<what>Creation|Destruction|Modifications) complete after "
    r"(?P<elapsed>(?:\d+h)?(?:\d+m)?\d+s)"
)
ELAPSED = re.compile(r"(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?P<s>\d+)s")


# ------------------------------------------------------------------------------------------------
# Parsing Terraform's output
# ------------------------------------------------------------------------------------------------


def plan_changes(text):
    """The resource changes a `terraform plan` (no colour) shows: {"changes": [{address,
    action}], "outside": [{address, action}]} ("outside": objects Terraform saw changed outside
    of it, the note before the plan), and the totals of its `Plan:` line (None when it has none:
    `No changes.`)."""
    changes, outside, totals = [], [], None
    for line in text.splitlines():
        if (header := PLAN_HEADER.match(line)) is not None:
            action = ACTIONS[header["what"]]
            entry = {"address": header["address"], "action": action}
            (outside if action.endswith("outside") else changes).append(entry)
        elif (plan := PLAN_TOTALS.match(line)) is not None:
            totals = {k: int(v) for k, v in plan.groupdict().items()}
    return {"changes": changes, "outside": outside, "totals": totals}


def seconds(elapsed):
    """`1m5s` -> 65."""
    match = ELAPSED.fullmatch(elapsed)
    if match is None:
        raise ValueError(f"not a Terraform duration: {elapsed!r}")
    return int(match["h"] or 0) * 3600 + int(match["m"] or 0) * 60 + int(match["s"])


def apply_summary(text):
    """Totals of an apply or destroy (`Apply complete! Resources: 223 added, ...`, `Destroy
    complete! Resources: 223 destroyed.`) and per-resource durations as Terraform reports them
    (whole seconds): {"added", "changed", "destroyed", "durations_s": {address: s}}."""
    totals = {"added": None, "changed": None, "destroyed": None}
    durations = {}
    for line in text.splitlines():
        if (done := APPLY_TOTALS.match(line)) is not None:
            totals = {k: int(v) for k, v in done.groupdict().items()}
        elif (done := DESTROY_TOTALS.match(line)) is not None:
            totals["destroyed"] = int(done["destroyed"])
        elif (complete := COMPLETE.match(line)) is not None:
            durations[complete["address"]] = seconds(complete["elapsed"])
    return dict(totals, durations_s=durations)


def slowest(durations, n=8):
    return [{"address": a, "seconds": s} for a, s in sorted(durations.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


# ------------------------------------------------------------------------------------------------
# Running Terraform
# ------------------------------------------------------------------------------------------------


def cli_config(plugin_mirror, plugin_cache):
    """The CLI configuration (TF_CLI_CONFIG_FILE): providers from the local filesystem mirror
    only (there is no registry here), through a plugin cache so a run links the provider rather
    than copying it again."""
    return (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path = {json.dumps(str(plugin_mirror))}\n"
        "  }\n"
        "}\n"
        f"plugin_cache_dir = {json.dumps(str(plugin_cache))}\n"
        "disable_checkpoint = true\n"
    )


def prepare_home(home=TERRAFORM_HOME, plugin_mirror=PLUGIN_MIRROR):
    """Writes the CLI configuration under `home`; returns {cli_config, data_dir}."""
    home = Path(home)
    cache = home / "plugin-cache"
    cache.mkdir(parents=True, exist_ok=True)
    config = home / "terraformrc"
    text = cli_config(plugin_mirror, cache)
    if not config.is_file() or config.read_text() != text:
        config.write_text(text)
    return {"cli_config": config, "data_dir": home / ".terraform"}


def terraform_env(emulator, home):
    """Terraform's environment: pointed at this emulator (TF_VAR_endpoint), trusting its CA,
    with no AWS identity, region, profile or CA bundle and no TF_* setting from the caller's
    shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_")) and k != "CHECKPOINT_DISABLE"}
    env.update({
        "SSL_CERT_FILE": str(emulator.ca),
        "TF_CLI_CONFIG_FILE": str(home["cli_config"]),
        "TF_DATA_DIR": str(home["data_dir"]),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "TF_VAR_endpoint": emulator.endpoint,
    })
    if os.environ.get("BANKINFRA_TF_LOG"):  # e.g. DEBUG: the provider's log, kept with --keep
        env.update({"TF_LOG_PROVIDER": os.environ["BANKINFRA_TF_LOG"], "TF_LOG_PATH": str(emulator.dir / "terraform-provider.log")})
    return env


def workdir(into):
    """Copies the configuration (*.tf and the dependency lock file) into `into`, the run's own
    directory, where its local state will be."""
    into = Path(into)
    into.mkdir(parents=True, exist_ok=True)
    files = sorted(CONFIG.glob("*.tf"))
    if not files:
        raise bench.BenchError(f"no Terraform configuration in {CONFIG}")
    for path in files + [CONFIG / ".terraform.lock.hcl"]:
        if path.is_file():
            shutil.copy2(path, into / path.name)
    return into


def version(terraform):
    try:
        out = subprocess.run([terraform, "version", "-json"], capture_output=True, text=True, timeout=60, env={**os.environ, "CHECKPOINT_DISABLE": "1"})
        return json.loads(out.stdout).get("terraform_version")
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def text_of(result):
    return "\n".join(line for _, line in result["lines"])


def one_run(number, args, log=print):
    """One run on a fresh emulator: the four scenarios. Returns the run's figures."""
    home = prepare_home()
    results = {}
    with bench.Emulator(args.python, args.tls_dir, keep=args.keep, extra=bench.aws_like_args(args)) as emulator:
        env = terraform_env(emulator, home)
        tf_dir = workdir(emulator.dir / "terraform")
        tf = [str(args.terraform), f"-chdir={tf_dir}"]
        start = time.monotonic()
        bench.run(tf + ["init", "-input=false", "-no-color", "-lockfile=readonly"], env, args.timeout)
        init_s = time.monotonic() - start
        warm_up_s = bench.warm_up(emulator) if args.warm_up else None
        parallelism = [f"-parallelism={args.parallelism}"]

        def scenario(name, command, expect=(0,), before=None):
            if before is not None:
                before()
            offset, cpu_before = len(emulator.requests()), emulator.cpu_seconds()
            log(f"  terraform run {number}: {name} …", end="", flush=True)
            result = bench.run(tf + command + ["-input=false", "-no-color"] + parallelism, env, args.timeout, expect)
            cpu_after = emulator.cpu_seconds()
            result["emulator_cpu_s"] = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
            result["requests"] = emulator.requests()[offset:]
            log(f" {result['wall_s']:.2f}s, {len(result['requests'])} requests", flush=True)
            results[name] = result
            return result

        apply = scenario("cold apply", ["apply", "-auto-approve"])
        noop = scenario("no-op plan", ["plan", "-detailed-exitcode"], expect=(0, 2))
        drifted = scenario("drift plan", ["plan", "-detailed-exitcode"], expect=(0, 2), before=lambda: bench.drift(emulator))
        scenario("destroy", ["destroy", "-auto-approve"])

    applied = apply_summary(text_of(apply))
    noop_plan = plan_changes(text_of(noop))
    drift_plan = plan_changes(text_of(drifted))
    resources = applied["added"]
    run_result = {
        "run": number,
        "resources": resources,
        "init_s": init_s,
        "emulator_warm_up_s": warm_up_s,
        "no_op_plan_has_changes": noop["code"] != 0,
        "no_op_plan_changes": noop_plan["changes"],
        "drift_detected": drifted["code"] == 2
        and any(c["address"] == DRIFT_ADDRESS and c["action"] == "update" for c in drift_plan["changes"]),
        "drift_changes": drift_plan["changes"],
        "drift_outside": drift_plan["outside"],
        "scenarios": {},
    }
    for name, result in results.items():
        entry = {
            "wall_s": result["wall_s"],
            "exit_code": result["code"],
            "requests": bench.request_summary(result["requests"], resources),
            "emulator_cpu_s": result["emulator_cpu_s"],
        }
        if name in ("cold apply", "destroy"):
            done = apply_summary(text_of(result))
            entry["resources_changed"] = done["added"] if name == "cold apply" else done["destroyed"]
            entry["slowest_s"] = slowest(done["durations_s"])
        run_result["scenarios"][name] = entry
    return run_result


# ------------------------------------------------------------------------------------------------
# Summary
# ------------------------------------------------------------------------------------------------


def summarise(runs):
    summary = {}
    for name in SCENARIOS:
        entries = [r["scenarios"][name] for r in runs]
        summary[name] = {
            "wall_s": bench.spread([e["wall_s"] for e in entries]),
            "requests": {k: bench.spread([e["requests"][k] for e in entries]) for k in ("total", "mutating", "read")},
            "emulator_cpu_s": bench.spread([e.get("emulator_cpu_s") for e in entries]),
            "top_operations_last_run": dict(list(entries[-1]["requests"]["by_operation"].items())[:10]),
        }
        if "slowest_s" in entries[-1]:
            summary[name]["slowest_last_run"] = entries[-1]["slowest_s"]
    return summary


def figures(report):
    """Per scenario, what scripts/bench.py shows next to bankinfra: {"source": "measured",
    "wall_s": [min, max], "wall_median_s", "requests" (median), "mutating" (median),
    "requests_approx": False, "runs"}; None for a scenario that was not measured."""
    out = {}
    for name in SCENARIOS:
        entry = report["summary"].get(name)
        if not entry or not entry.get("wall_s"):
            out[name] = None
            continue
        out[name] = {
            "source": "measured",
            "wall_s": [entry["wall_s"]["min"], entry["wall_s"]["max"]],
            "wall_median_s": entry["wall_s"]["median"],
            "requests": entry["requests"]["total"]["median"],
            "mutating": entry["requests"]["mutating"]["median"],
            "requests_approx": False,
            "runs": report["runs"],
        }
    return out


def measure(args, log=print):
    """Runs args.runs runs; returns the report (JSON-ready)."""
    runs = []
    for number in range(1, args.runs + 1):
        log(f"==> terraform run {number}/{args.runs} (fresh emulator)", flush=True)
        runs.append(one_run(number, args, log))
    return {
        "format_version": 1,
        "tool": "terraform",
        "terraform_version": version(args.terraform),
        "provider": PROVIDER,
        "configuration": str(CONFIG.relative_to(ROOT)),
        "parallelism": args.parallelism,
        "runs": len(runs),
        "resources": runs[-1]["resources"],
        "definitions": {
            "requests": "lines of the emulator's request log while the command ran (warm-up and the out-of-band drift excluded)",
            "mutating": "emulator/request_log.py is_mutating",
            "resources": "Terraform resources in the configuration (bankinfra's 141 resources of stage local without the SCP, as Terraform splits them)",
        },
        "summary": summarise(runs),
        "per_run": runs,
    }


def table(report):
    out = [
        f"\nTerraform {report.get('terraform_version') or '?'} / {report['provider']}: {report['configuration']}, "
        f"{report['resources']} Terraform resources, {report['runs']} run(s), each on a fresh emulator, -parallelism={report['parallelism']}"
    ]
    header = f"{'scenario':<11} {'wall s min/med/max':>24} {'requests':>8} {'mutating':>8} {'read':>6}"
    out += ["", header, "-" * len(header)]
    for name in SCENARIOS:
        e = report["summary"][name]
        w, req = e["wall_s"], e["requests"]
        out.append(
            f"{name:<11} {w['min']:>7.2f} /{w['median']:>7.2f} /{w['max']:>7.2f} {req['total']['median']:>8.0f} "
            f"{req['mutating']['median']:>8.0f} {req['read']['median']:>6.0f}"
        )
    out.append("(requests: medians over runs)")
    for name in ("cold apply", "destroy"):
        slow = report["summary"][name].get("slowest_last_run") or []
        if slow:
            out.append(f"slowest in {name} (Terraform's own timing, last run): " + ", ".join(f"{s['address']} {s['seconds']}s" for s in slow[:5]))
    last = report["per_run"][-1]
    out.append(f"drift plan found: {', '.join(c['address'] + ' ' + c['action'] for c in last['drift_changes']) or 'nothing'}")
    if any(r["no_op_plan_has_changes"] for r in report["per_run"]):
        out.append("warning: the plan right after an apply showed changes in some run (see per_run in the JSON)")
    if not all(r["drift_detected"] for r in report["per_run"]):
        out.append(f"warning: the drift plan did not show an update of {DRIFT_ADDRESS} in some run")
    return "\n".join(out)


def default_json_out():
    return bench.default_json_out().with_name("terraform.json")


def default_terraform():
    return shutil.which("terraform") or "/usr/local/bin/terraform"


def check(args):
    """Why this cannot run, or None."""
    if not (Path(args.terraform).is_file() and os.access(args.terraform, os.X_OK)):
        return f"no terraform binary at {args.terraform} (--terraform PATH)"
    if not PLUGIN_MIRROR.is_dir():
        return f"no provider mirror at {PLUGIN_MIRROR} (BANKINFRA_TF_PLUGINS)"
    if not list(CONFIG.glob("*.tf")):
        return f"no Terraform configuration in {CONFIG}"
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=1, help="runs, each on a fresh emulator (default 1)")
    parser.add_argument("--json-out", type=Path, default=None, help=f"where to write the JSON report (default {default_json_out()})")
    parser.add_argument("--terraform", default=default_terraform(), help="the terraform binary (default: terraform on PATH)")
    parser.add_argument("--parallelism", type=int, default=DEFAULT_PARALLELISM, help=f"terraform -parallelism (default {DEFAULT_PARALLELISM})")
    parser.add_argument("--tls-dir", type=Path, default=Path(os.environ.get("BANKINFRA_TLS") or CACHE / "tls"))
    parser.add_argument("--timeout", type=float, default=1800, help="seconds any one command may take")
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false", help="do not warm the emulator up before the cold apply")
    parser.add_argument("--keep", action="store_true", help="keep the emulators' directories (request logs, state)")
    bench.add_aws_like_arguments(parser)
    args = parser.parse_args(argv)
    args.python = bench.emulator_python()
    args.json_out = args.json_out or default_json_out()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    problem = check(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
    except ImportError as error:
        print(f"error: {error}; run with $BANKINFRA_PYTHON (the venv scripts/lib.sh makes)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, bench.interrupt)
    try:
        report = measure(args)
    except bench.BenchError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; emulators stopped", file=sys.stderr)
        return 130
    print(table(report))
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
