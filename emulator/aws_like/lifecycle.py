"""Behaviours 5 and 6: resources that AWS finishes asynchronously (moto finishes them at once).

Firehose (behaviour 5). "The initial status of the Firehose stream is CREATING. After the
Firehose stream is created, its status is ACTIVE ... If the Firehose stream creation fails, the
status transitions to CREATING_FAILED" (CreateDeliveryStream, Firehose API reference); "You
can't delete a Firehose stream that is in the CREATING state" (DeleteDeliveryStream), and
UpdateDestination, StartDeliveryStreamEncryption, StopDeliveryStreamEncryption and
TagDeliveryStream list ResourceInUseException ("The resource is already in use and not available
for this operation"). The provider waits for it: internal/service/firehose/delivery_stream.go
waitDeliveryStreamCreated (Pending CREATING, Target ACTIVE; on CREATING_FAILED it reports
FailureDescription.Type and Details). Here a new stream is CREATING for a time drawn from
"firehose.creating_s" (stream "firehose/creating"), then ACTIVE, or CREATING_FAILED with
FailureDescription {Type, Details} when its name matches a "firehose.fail" entry's name_pattern
(fnmatch); while it is not ACTIVE those four calls answer ResourceInUseException, and
DeleteDeliveryStream does while it is CREATING. (AWS's message for it is not on record; the code
is what clients act on.)

Organizations (behaviour 6). EnablePolicyType answers with the root's PolicyTypes, the new one
PENDING_ENABLE, which becomes ENABLED a little later (PolicyTypeSummary.Status in the
Organizations API reference: ENABLED | PENDING_ENABLE | PENDING_DISABLE); the provider waits for
it: internal/service/organizations/organization.go waitDefaultRootPolicyTypeEnabled (Pending
DISABLED, PENDING_ENABLE; Target ENABLED). Meanwhile AttachPolicy of that type answers
PolicyTypeNotEnabledException (extensions/organizations.py checks for ENABLED) and
DisablePolicyType does too. The time is drawn from "organizations.pending_enable_s" (stream
"organizations/pending_enable").

Durations are times windows.scale. The transitions happen at the first request after they are
due (the middleware calls run_due before each request), which is when a client could see them.
"""

import fnmatch
import heapq
import itertools
import threading
import time


class Lifecycle:
    """Timed state changes, and the moto patches that start them."""

    def __init__(self, profile, draws):
        self.firehose = profile["firehose"]
        self.organizations = profile["organizations"]
        self.scale = float(profile["windows"].get("scale", 1.0))
        self.draws = draws
        self.due = []
        self.order = itertools.count()
        self.lock = threading.Lock()

    def draw(self, stream, bounds):
        low, high = bounds
        return self.draws.uniform(stream, float(low), float(high)) * self.scale

    def schedule(self, seconds, change):
        with self.lock:
            heapq.heappush(self.due, (time.monotonic() + seconds, next(self.order), change))

    def run_due(self):
        now = time.monotonic()
        while True:
            with self.lock:
                if not self.due or self.due[0][0] > now:
                    return
                _, _, change = heapq.heappop(self.due)
            change()

    def install(self):
        self.patch_firehose()
        self.patch_organizations()

    def patch_firehose(self):
        from moto.firehose import models
        from moto.firehose.exceptions import ResourceInUseException

        backend_class = models.FirehoseBackend
        create = backend_class.create_delivery_stream
        lifecycle = self

        def create_delivery_stream(backend, region, name, *args, **kwargs):
            arn = create(backend, region, name, *args, **kwargs)
            stream = backend.delivery_streams[name]
            stream.delivery_stream_status = "CREATING"
            failure = next(
                (f for f in lifecycle.firehose.get("fail") or []
                 if fnmatch.fnmatchcase(name, f.get("name_pattern", ""))),
                None,
            )

            def finish():
                if stream.delivery_stream_status != "CREATING":
                    return
                if failure is None:
                    stream.delivery_stream_status = "ACTIVE"
                    return
                stream.delivery_stream_status = "CREATING_FAILED"
                stream.failure_description = {
                    "Type": failure.get("type", "UNKNOWN_ERROR"),
                    "Details": failure.get("details", "The Firehose stream could not be created."),
                }

            lifecycle.schedule(lifecycle.draw("firehose/creating", lifecycle.firehose["creating_s"]), finish)
            return arn

        def refused_unless(allowed, method):
            def call(backend, name, *args, **kwargs):
                stream = backend.delivery_streams.get(name)
                if stream is not None and not allowed(stream.delivery_stream_status):
                    raise ResourceInUseException(
                        f"Firehose {name} under accountId {backend.account_id} is in "
                        f"{stream.delivery_stream_status} state, not ACTIVE."
                    )
                return method(backend, name, *args, **kwargs)

            return call

        backend_class.create_delivery_stream = create_delivery_stream
        for name in ("update_destination", "start_delivery_stream_encryption",
                     "stop_delivery_stream_encryption", "tag_delivery_stream"):
            setattr(backend_class, name,
                    refused_unless(lambda status: status == "ACTIVE", getattr(backend_class, name)))
        backend_class.delete_delivery_stream = refused_unless(
            lambda status: status != "CREATING", backend_class.delete_delivery_stream
        )

    def patch_organizations(self):
        from moto.organizations import models
        from moto.organizations.exceptions import PolicyTypeNotEnabledException

        add = models.FakeRoot.add_policy_type
        remove = models.FakeRoot.remove_policy_type
        lifecycle = self

        def add_policy_type(root, policy_type):
            add(root, policy_type)  # moto's checks; it appends {"Type", "Status": "ENABLED"}
            entry = next(t for t in root.policy_types if t["Type"] == policy_type)
            entry["Status"] = "PENDING_ENABLE"

            def enabled():
                if entry in root.policy_types:
                    entry["Status"] = "ENABLED"

            seconds = lifecycle.draw("organizations/pending_enable",
                                     lifecycle.organizations["pending_enable_s"])
            lifecycle.schedule(seconds, enabled)

        def remove_policy_type(root, policy_type):
            entry = next((t for t in root.policy_types if t["Type"] == policy_type), None)
            if entry is not None and entry["Status"] != "ENABLED":
                raise PolicyTypeNotEnabledException
            remove(root, policy_type)

        models.FakeRoot.add_policy_type = add_policy_type
        models.FakeRoot.remove_policy_type = remove_policy_type
