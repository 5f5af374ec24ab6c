"""The AWS-like mode's profile (what to model, how strongly) and its seeded draws.

A profile is JSON. `--aws-like-profile FILE` is merged over DEFAULTS key by key (objects merge,
anything else replaces), so a file names only what it changes:

    {"latency": {"scale": 0.05}, "windows": {"scale": 0.2}, "foreign": {"log_groups": 100}}

Sections (each documented where it is used):

- "latency": per-request latency (latency.py): a log-normal draw around median_ms, capped at
  max_ms, per class ("read", "write", "create"), overridden per service and per "service:Operation",
  all times "scale".
- "windows": create-then-use windows (windows.py), [min, max] seconds per resource kind, drawn
  uniformly per resource, times "scale".
- "firehose", "organizations": asynchronous states (lifecycle.py), seconds likewise times
  windows.scale.
- "conflicts": OperationAborted / ConcurrentModification (conflicts.py).
- "rate_limits": token buckets (throttle.py).
- "foreign": resources that are not ours, made at start (foreign.py).

Draws are reproducible: each kind of draw has its own stream, a random.Random seeded with
"<seed>/<stream>" (string seeds hash with SHA-512, the same on every run and platform), and the
n-th draw of a stream is the same for the same seed whatever the other streams did. The streams
are per operation for latencies ("latency/kms/CreateKey") and per resource kind for windows
("window/kms_key"), so the same request sequence gets the same latencies and windows even when
requests of different operations interleave differently across threads.
"""

import copy
import json
import math
import random
import threading

# Latencies in milliseconds. No AWS page publishes API latencies; these are plausible figures
# from public measurements of the regional endpoints: reads tens of ms, writes somewhat more,
# IAM and Organizations writes 100-300 ms (a global control plane in us-east-1), creates of
# trails, delivery streams and user pools hundreds of ms.
LATENCY = {
    "scale": 1.0,
    "sigma": 0.45,
    "classes": {
        "read": {"median_ms": 25, "max_ms": 400},
        "write": {"median_ms": 60, "max_ms": 900},
        "create": {"median_ms": 120, "max_ms": 1500},
    },
    "services": {
        "iam": {
            "read": {"median_ms": 60, "max_ms": 600},
            "write": {"median_ms": 180, "max_ms": 1200},
            "create": {"median_ms": 250, "max_ms": 1500},
        },
        "organizations": {
            "read": {"median_ms": 80, "max_ms": 800},
            "write": {"median_ms": 220, "max_ms": 1500},
            "create": {"median_ms": 300, "max_ms": 2000},
        },
        "sts": {"read": {"median_ms": 40, "max_ms": 400}},
        "cloudtrail": {
            "write": {"median_ms": 150, "max_ms": 1200},
            "create": {"median_ms": 500, "max_ms": 3000},
        },
        "firehose": {"create": {"median_ms": 300, "max_ms": 2000}},
        "cognito-idp": {
            "write": {"median_ms": 100, "max_ms": 900},
            "create": {"median_ms": 300, "max_ms": 2000},
        },
        "ec2": {"read": {"median_ms": 40, "max_ms": 500}, "create": {"median_ms": 150, "max_ms": 1500}},
        "s3": {"read": {"median_ms": 20, "max_ms": 300}, "create": {"median_ms": 200, "max_ms": 2000}},
        "kms": {"create": {"median_ms": 100, "max_ms": 1000}},
    },
    "operations": {},
}

DEFAULTS = {
    "latency": LATENCY,
    # Seconds from a create's answer until the new resource is visible to every call: the
    # propagation the AWS pages below describe as "usually a few seconds".
    "windows": {
        "scale": 1.0,
        "kms_key": [0.5, 3.0],
        "vpc": [0.5, 2.5],
        "subnet": [0.5, 2.5],
        "internet_gateway": [0.5, 2.5],
        "route_table": [0.5, 2.5],
        "iam_role": [1.0, 6.0],
    },
    "firehose": {
        "creating_s": [3.0, 8.0],
        # [{"name_pattern": "*-broken", "type": "INVALID_KMS_KEY", "details": "..."}]: streams
        # whose name matches (fnmatch) end in CREATING_FAILED with this FailureDescription.
        "fail": [],
    },
    "organizations": {"pending_enable_s": [2.0, 6.0]},
    "conflicts": {
        # ms a bucket configuration call or a role edit still conflicts after its answer.
        "s3_bucket_configuration": {"enabled": True, "settle_ms": 0},
        "iam_role": {"enabled": True, "settle_ms": 0},
    },
    "rate_limits": {"enabled": True, "scale": 1.0, "services": None},  # None: throttle.DEFAULT_LIMITS
    "foreign": {
        "account": "123456789012",
        "regions": ["ap-southeast-2"],
        "log_groups": 5000,
        "ssm_parameters": 5000,
        "iam_roles": 300,
        "kms_keys": 200,
        "s3_buckets": 200,
    },
}


def merge(base, override):
    """override merged over base: objects merge key by key, anything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(override)


def load(path=None):
    """DEFAULTS, with the JSON file at path merged over them."""
    profile = copy.deepcopy(DEFAULTS)
    if path:
        with open(path, encoding="utf-8") as f:
            profile = merge(profile, json.load(f))
    return profile


class Draws:
    """Seeded draws, one independent stream per kind of draw; every draw is kept (stream, index,
    value) for the /_aws_like/state page, so two runs can be compared."""

    KEPT = 20000

    def __init__(self, seed):
        self.seed = str(seed)
        self.streams = {}
        self.counts = {}
        self.log = []
        self.lock = threading.Lock()

    def _draw(self, stream, sample):
        with self.lock:
            rng = self.streams.get(stream)
            if rng is None:
                rng = self.streams[stream] = random.Random(f"{self.seed}/{stream}")
            value = sample(rng)
            index = self.counts.get(stream, 0)
            self.counts[stream] = index + 1
            if len(self.log) < self.KEPT:
                self.log.append([stream, index, round(value, 6)])
        return value

    def uniform(self, stream, low, high):
        return self._draw(stream, lambda rng: rng.uniform(low, high))

    def lognormal_ms(self, stream, median_ms, sigma, max_ms):
        """A latency around median_ms (log-normal, the usual shape of service latencies), at most
        max_ms."""
        median = max(float(median_ms), 0.0)
        if median == 0:
            return self._draw(stream, lambda rng: 0.0)
        return self._draw(
            stream, lambda rng: min(median * math.exp(sigma * rng.gauss(0.0, 1.0)), float(max_ms))
        )
