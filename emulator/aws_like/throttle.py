"""Behaviour 7: per-service request-rate limits, answered with each service's throttling error.

Every AWS API throttles above a request rate per account and Region (global services: per
account), and answers its own throttling error. Here each (account, Region, service, bucket)
has a token bucket of `burst` tokens refilled at `rate` per second; a request takes a token or is
answered the service's throttling error (THROTTLING, in the request's wire format) without
reaching the emulator.

Limits per service, in the profile's "rate_limits": {"services": {"kms": {...}}} (merged over
DEFAULT_LIMITS per service, so a profile names what it changes):

    "read": [rate, burst], "write": [rate, burst]  -- the class of the operation (request_log)
    "operations": {"GetParameter|GetParameters": [rate, burst]} -- one bucket shared by the
        operations named, before the class buckets
    "per_operation": true  -- each operation has its own bucket of its class's size (EC2, KMS,
        Logs, CloudTrail and Firehose quotas are per API)
    "per_bucket": true -- S3: per bucket (S3's quotas are per prefix)

"scale" multiplies every rate and burst. A service without an entry is not limited.
Where the figure is AWS's documented default it says so; IAM, Organizations, Cognito (whose
category table this does not reproduce), EventBridge, SNS and X-Ray publish no figure that fits a
control-plane token bucket, and their entries are estimates ("a few requests per second") to
adjust in a profile.
"""

import threading
import time

from .wire import Rejection

DEFAULT_LIMITS = {
    # https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html: a quota
    # per operation; the symmetric cryptographic operations share one (5,500 in most Regions,
    # more in some). Unlisted reads: estimate.
    "kms": {
        "per_operation": True,
        "read": [100, 100],
        "write": [5, 5],
        "operations": {
            "DescribeKey": [2000, 2000],
            "GetKeyPolicy": [1000, 1000],
            "GetKeyRotationStatus": [1000, 1000],
            "ListAliases": [500, 500],
            "ListKeys": [500, 500],
            "ListResourceTags": [2000, 2000],
            "TagResource": [10, 10],
            "UntagResource": [10, 10],
            "CreateGrant": [50, 50],
            "Decrypt|Encrypt|GenerateDataKey|GenerateDataKeyWithoutPlaintext|GenerateRandom"
            "|ReEncrypt|GenerateMac|VerifyMac": [5500, 5500],
        },
    },
    # https://docs.aws.amazon.com/general/latest/gr/ssm.html (Parameter Store max throughput):
    # GetParameter, GetParameters, GetParametersByPath share 40 TPS by default; DescribeParameters
    # and PutParameter throttle too (knowledge-center/ssm-parameter-store-rate-exceeded) at
    # rates not published: estimates.
    "ssm": {
        "read": [10, 20],
        "write": [3, 5],
        "operations": {"GetParameter|GetParameters|GetParametersByPath": [40, 40]},
    },
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html: per
    # API, e.g. DescribeLogGroups 10 TPS, CreateLogGroup/DeleteLogGroup/PutRetentionPolicy 5 TPS.
    "logs": {
        "per_operation": True,
        "read": [10, 10],
        "write": [5, 5],
        "operations": {"DescribeLogStreams": [25, 25]},
    },
    # https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html: a token bucket
    # per API: non-mutating 100 tokens refilled 20/s, mutating 200 tokens refilled 5/s.
    "ec2": {"per_operation": True, "read": [20, 100], "write": [5, 200]},
    # https://docs.aws.amazon.com/general/latest/gr/ct.html: 1 TPS for the trail writes
    # (CreateTrail, UpdateTrail, PutEventSelectors, StartLogging, AddTags ...), 10 for reads.
    "cloudtrail": {"per_operation": True, "read": [10, 10], "write": [1, 2]},
    # Firehose API reference (TagDeliveryStream: "a limit of five transactions per second per
    # account"; the control-plane operations share that figure in the Firehose quotas).
    "firehose": {"per_operation": True, "read": [5, 5], "write": [5, 5]},
    # S3: 3,500 PUT/COPY/POST/DELETE and 5,500 GET/HEAD per second per prefix
    # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html).
    "s3": {"per_bucket": True, "read": [5500, 5500], "write": [3500, 3500]},
    # Estimates (no per-second figure published for these control planes).
    "iam": {"read": [20, 40], "write": [5, 10]},
    "organizations": {"read": [10, 20], "write": [5, 10]},
    "cognito-idp": {"read": [15, 15], "write": [5, 10]},
    "events": {"read": [50, 50], "write": [50, 50]},
    "sns": {"per_operation": True, "read": [30, 30], "write": [100, 100]},
    "xray": {"read": [5, 10], "write": [5, 10]},
}

RATE_EXCEEDED = "Rate exceeded"
# service -> (status, code, message): what each answers when it throttles.
THROTTLING = {
    # https://docs.aws.amazon.com/kms/latest/developerguide/throttling.html
    "kms": (400, "ThrottlingException", "You have exceeded the rate at which you may call KMS. "
            "Reduce the frequency of your calls."),
    # knowledge-center/ssm-parameter-store-rate-exceeded: "(ThrottlingException) ... Rate exceeded"
    "ssm": (400, "ThrottlingException", RATE_EXCEEDED),
    "logs": (400, "ThrottlingException", RATE_EXCEEDED),  # botocore logs: ThrottlingException
    "cloudtrail": (400, "ThrottlingException", RATE_EXCEEDED),  # botocore cloudtrail model
    "events": (400, "ThrottlingException", RATE_EXCEEDED),  # botocore events model
    # botocore firehose has no throttling shape: its quota errors are LimitExceededException.
    "firehose": (400, "LimitExceededException", RATE_EXCEEDED),
    # botocore cognito-idp / organizations: TooManyRequestsException (the API references' text).
    "cognito-idp": (400, "TooManyRequestsException", "Too many requests"),
    "organizations": (400, "TooManyRequestsException", "You have sent too many requests in too "
                      "short a period of time. The quota helps protect against denial-of-service "
                      "attacks. Try again later."),
    # Query protocol: the common error Throttling (400) of the IAM/STS API references.
    "iam": (400, "Throttling", RATE_EXCEEDED),
    "sts": (400, "Throttling", RATE_EXCEEDED),
    "sns": (429, "Throttled", RATE_EXCEEDED),  # botocore sns ThrottledException: Throttled, 429
    "sqs": (403, "RequestThrottled", RATE_EXCEEDED),  # botocore sqs RequestThrottled
    # ec2-api-throttling.html: "you get the RequestLimitExceeded error code" (503).
    "ec2": (503, "RequestLimitExceeded", "Request limit exceeded."),
    # S3 error codes: SlowDown, 503 "Please reduce your request rate."
    "s3": (503, "SlowDown", "Please reduce your request rate."),
    "xray": (429, "ThrottledException", RATE_EXCEEDED),  # botocore xray: 429
}


def limits_for(profile):
    """DEFAULT_LIMITS with the profile's "rate_limits.services" merged over them per service."""
    section = profile["rate_limits"]
    merged = {name: dict(entry) for name, entry in DEFAULT_LIMITS.items()}
    for name, entry in (section.get("services") or {}).items():
        if entry is None:
            merged.pop(name, None)
        else:
            merged[name] = {**merged.get(name, {}), **entry}
    return merged


class Throttle:
    """Token buckets, one per (account, scope, service, bucket name)."""

    def __init__(self, profile):
        section = profile["rate_limits"]
        self.enabled = bool(section.get("enabled", True))
        self.scale = float(section.get("scale", 1.0))
        self.limits = limits_for(profile)
        self.buckets = {}
        # "service:Operation" -> throttling errors answered (GET /_aws_like/state "throttled").
        self.throttled = {}
        self.lock = threading.Lock()

    def bucket_for(self, request):
        """(bucket key, rate, burst) for request, or None when it is not limited."""
        entry = self.limits.get(request.service)
        if not entry:
            return None
        operation = request.operation
        for names, size in (entry.get("operations") or {}).items():
            if operation in names.split("|"):
                name, limit = names, size
                break
        else:
            klass = "read" if not request.mutating else "write"
            limit = entry.get(klass) or entry.get("default")
            if not limit:
                return None
            name = operation if entry.get("per_operation") else klass
        if entry.get("per_bucket"):
            name = f"{name}@{request.bucket()}"
        rate, burst = limit
        key = (request.account, request.scope, request.service, name)
        return key, float(rate) * self.scale, max(float(burst) * self.scale, 1.0)

    def counts(self):
        """Throttling errors answered so far, per "service:Operation"."""
        with self.lock:
            return dict(self.throttled)

    def check(self, request, now=None):
        """Takes a token for request, or raises Rejection with the service's throttling error."""
        if not self.enabled or request.service is None:
            return
        found = self.bucket_for(request)
        if found is None:
            return
        key, rate, burst = found
        now = time.monotonic() if now is None else now
        with self.lock:
            tokens, last = self.buckets.get(key, (burst, now))
            tokens = min(burst, tokens + (now - last) * rate)
            if tokens >= 1.0:
                self.buckets[key] = (tokens - 1.0, now)
                return
            self.buckets[key] = (tokens, now)
            named = f"{request.service}:{request.operation}"
            self.throttled[named] = self.throttled.get(named, 0) + 1
        status, code, message = THROTTLING.get(
            request.service, (400, "ThrottlingException", RATE_EXCEEDED)
        )
        raise Rejection(status, code, message)
