"""The AWS-like mode of the emulator (issue 16, part 1): off by default.

    launch.py --aws-like SEED [--aws-like-profile FILE]

The emulator is instantly consistent, never conflicts, never throttles and finishes every
resource at once; AWS does none of that, and an engine tested only here meets those behaviours
first in a real account. With --aws-like the emulator answers as AWS does, reproducibly: every
draw (latencies, windows, durations, foreign names) comes from SEED (profile.Draws), so the same
seed gives the same draws for the same request sequence. FILE is a JSON profile merged over
profile.DEFAULTS (it can, for instance, scale every latency and window down for tests).

The behaviours, each documented with the AWS page or provider code it reproduces:

1. latency.py     per-operation latency drawn from the profile
2. windows.py     create-then-use windows: KMS keys, VPCs, subnets, internet gateways, route
                  tables answer their NotFound errors for a while after their create
3. windows.py     new IAM roles invisible to key, bucket, queue, topic and trust policies and to
                  Firehose and CloudTrail assuming them
4. conflicts.py   409 OperationAborted for overlapping configuration calls on one bucket
5. lifecycle.py   Firehose streams CREATING (or CREATING_FAILED) before ACTIVE, and
                  ResourceInUseException meanwhile
6. lifecycle.py   Organizations policy types PENDING_ENABLE before ENABLED
7. throttle.py    per-service token buckets answering each service's throttling error
8. conflicts.py   IAM ConcurrentModification for overlapping edits of one role
9. foreign.py     thousands of resources that are not ours, so reads page

A request goes through, in order: due state changes (lifecycle), the token bucket (throttle),
its drawn latency (slept; a conflicting edit of a bucket or role is refused after it), the
visibility checks (windows), then moto; a create's answer starts its resource's window.
Refusals never reach moto, so they change nothing. GET /_aws_like/state answers the seed, the
draws so far, the windows still open and the foreign resources made (for tests and debugging; no
AWS endpoint has that path), and the throttling errors answered per "service:Operation".

Not modelled: eventual consistency of reads after updates and deletes (a read after a change
sees it at once), IAM's own propagation (GetRole sees a new role at once; only other services
and policies wait), KMS keys named by other services (S3, Logs, SNS ... accept a new key at
once), EventBridge PutPermission principals (see windows.py), Firehose encryption's ENABLING
and DISABLING, throttling of data-plane calls beyond the token buckets, Region-wide outages.
"""

import argparse
import json
import threading
import time

from . import conflicts, foreign, latency, lifecycle, profile, throttle, windows
from .wire import Rejection, Request

STATE_PATH = "/_aws_like/state"


class AwsLike:
    """WSGI middleware: the AWS-like behaviours around the emulator's application."""

    def __init__(self, app, seed, settings):
        self.app = app
        self.seed = str(seed)
        self.profile = settings
        self.draws = profile.Draws(self.seed)
        self.throttle = throttle.Throttle(settings)
        self.conflicts = conflicts.Conflicts(settings)
        self.windows = windows.Windows(settings, self.draws)
        self.lifecycle = lifecycle.Lifecycle(settings, self.draws)
        self.foreign = None

    def install_patches(self):
        """The moto patches (after launch.PATCHES, which they wrap) and the foreign resources."""
        self.lifecycle.install()
        made, seconds = foreign.seed(self.profile, self.seed)
        self.foreign = {"made": made, "seconds": seconds}

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == STATE_PATH:
            return self.state(start_response)
        if (environ.get("PATH_INFO") or "").startswith("/moto-api"):
            return self.app(environ, start_response)
        self.lifecycle.run_due()
        try:
            request = Request(environ)
        except Exception:  # never fail a request because it could not be described
            return self.app(environ, start_response)
        if request.service is None:
            return self.app(environ, start_response)
        delay = latency.draw_seconds(self.profile, self.draws, request)
        token = None
        try:
            try:
                self.throttle.check(request)
                token = self.conflicts.enter(request)
            except Rejection as refused:
                time.sleep(delay)
                return self.respond(start_response, *refused.response(request))
            time.sleep(delay)
            try:
                self.windows.check(request)
            except Rejection as refused:
                return self.respond(start_response, *refused.response(request))
            if not self.windows.watches(request):
                return self.app(environ, start_response)
            status, headers, body = self.buffered(environ)
            self.windows.record(request, int(status.split(" ", 1)[0]), body)
            return self.respond(start_response, status, headers, body)
        finally:
            self.conflicts.leave(token)

    def buffered(self, environ):
        """(status, headers, body) of the application's answer, read whole."""
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: captured.setdefault("written", []).append(data)

        result = self.app(environ, start_response)
        try:
            body = b"".join(captured.get("written", [])) + b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return captured["status"], captured["headers"], body

    @staticmethod
    def respond(start_response, status, headers, body):
        start_response(status, list(headers))
        return [body]

    def state(self, start_response):
        body = json.dumps({
            "seed": self.seed,
            "draws": list(self.draws.log),
            "windows": self.windows.state(),
            "foreign": self.foreign,
            "throttled": self.throttle.counts(),
        }).encode()
        return self.respond(
            start_response, "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))], body,
        )


_lock = threading.Lock()
_settings = {}


def add_arguments(parser):
    """Adds --aws-like SEED and --aws-like-profile FILE to launch.py's parser. Giving --aws-like
    installs the mode (install) when the parser reads it; without it nothing changes."""

    class Install(argparse.Action):
        def __call__(self, parser, namespace, values, option_string=None):
            setattr(namespace, self.dest, values)
            with _lock:
                _settings[self.dest] = values
                if "aws_like" in _settings and not _settings.get("installed"):
                    _settings["installed"] = True
                    install(lambda: _settings["aws_like"], lambda: _settings.get("aws_like_profile"))

    parser.add_argument(
        "--aws-like", metavar="SEED", action=Install,
        help="answer as AWS does (latency, propagation windows, conflicts, throttling, "
        "asynchronous states, foreign resources), with every draw from SEED; see aws_like/",
    )
    parser.add_argument(
        "--aws-like-profile", metavar="FILE", action=Install,
        help="JSON profile merged over aws_like/profile.py's DEFAULTS (only with --aws-like)",
    )


def install(seed, profile_path=None):
    """Makes moto's server (moto.server.main) serve through AwsLike. seed and profile_path may be
    callables, read when the server starts (after launch.py's patches, which the mode's moto
    patches wrap). When request_log.py's RequestLog wraps the application too, AwsLike goes
    inside it, so the log still records every request received, refused ones included."""
    import moto.server

    run_simple = moto.server.run_simple

    def run_simple_aws_like(hostname, port, application, *args, **kwargs):
        value = seed() if callable(seed) else seed
        path = profile_path() if callable(profile_path) else profile_path
        outer, inner = None, application
        try:
            from request_log import RequestLog

            if isinstance(application, RequestLog):
                outer, inner = application, application.app
        except ImportError:
            pass
        middleware = AwsLike(inner, value, profile.load(path))
        middleware.install_patches()
        if outer is not None:
            outer.app = middleware
            middleware = outer
        return run_simple(hostname, port, middleware, *args, **kwargs)

    moto.server.run_simple = run_simple_aws_like
