"""Behaviour 1: per-operation latency.

AWS answers in tens of milliseconds for reads and in hundreds for control-plane writes (IAM's
writes go to its one control plane in us-east-1; "Changes that I make are not always
immediately visible", https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
The emulator answers in about a millisecond, which hides every race of a parallel executor.

Each request waits a latency drawn from the profile's "latency" section before it is handled:
log-normal around median_ms with spread sigma, capped at max_ms, times scale. The class is
"create" for Create* (and S3 CreateBucket), "read" for what request_log.is_mutating calls a read,
"write" for the rest; "services" overrides a class per service, "operations" one operation
("kms:CreateKey": {"median_ms": .., "max_ms": ..}). Each operation draws from its own stream
("latency/<service>/<Operation>"), so latencies are reproducible per seed.
"""


def latency_class(request):
    if not request.mutating:
        return "read"
    return "create" if request.operation.startswith("Create") else "write"


def settings(profile, request):
    """The {"median_ms", "max_ms"} entry that applies to request."""
    section = profile["latency"]
    named = (section.get("operations") or {}).get(f"{request.service}:{request.operation}")
    if named:
        return named
    klass = latency_class(request)
    service = (section.get("services") or {}).get(request.service) or {}
    return service.get(klass) or section["classes"][klass]


def draw_seconds(profile, draws, request):
    """The latency of request, in seconds."""
    entry = settings(profile, request)
    section = profile["latency"]
    scale = float(section.get("scale", 1.0))
    if scale <= 0:
        return 0.0
    value = draws.lognormal_ms(
        f"latency/{request.service}/{request.operation}",
        entry.get("median_ms", 0),
        float(entry.get("sigma", section.get("sigma", 0.45))),
        entry.get("max_ms", entry.get("median_ms", 0) * 10),
    )
    return value * scale / 1000.0
