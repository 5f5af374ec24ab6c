"""Behaviours 4 and 8: conflicting concurrent edits of one bucket's configuration, of one role.

S3 (behaviour 4). S3 answers 409 OperationAborted, "A conflicting conditional operation is
currently in progress against this resource. Please try again.", when a configuration change
reaches a bucket while another is in progress (S3 API reference, Error codes: OperationAborted,
409 Conflict). The Terraform AWS provider retries it on bucket configuration calls:
internal/service/s3/bucket_server_side_encryption_configuration.go (PutBucketEncryption,
RetryWhenAWSErrCodeEquals ... errCodeNoSuchBucket, errCodeOperationAborted),
bucket_ownership_controls.go (DeleteBucketOwnershipControls), bucket.go (CreateBucket). Here a
PUT or DELETE of a bucket subresource (?policy, ?tagging, ?versioning, ?encryption, ?lifecycle,
?publicAccessBlock, ?ownershipControls, ...) conflicts with any other one in flight on the same
bucket (from its arrival until its answer, plus settle_ms).

IAM (behaviour 8). IAM answers 409 ConcurrentModification ("The request was rejected because
multiple requests to change this object were submitted simultaneously. Wait a few minutes and
submit your request again.", the API reference's ConcurrentModificationException) to
overlapping changes of one entity; the provider retries AttachRolePolicy on it
(internal/service/iam/role_policy_attachment.go, attachPolicyToRole:
RetryWhenAWSErrCodeEquals(ctx, propagationTimeout, ..., ConcurrentModificationException)).
Here the role edits below naming one RoleName conflict while another is in flight.

The request that arrives second is the one refused; the first goes on.
"""

import threading
import time

from .wire import Rejection

S3_MESSAGE = (
    "A conflicting conditional operation is currently in progress against this resource. "
    "Please try again."
)
IAM_MESSAGE = (
    "The request was rejected because multiple requests to change this object were submitted "
    "simultaneously. Wait a few minutes and submit your request again."
)
ROLE_EDITS = frozenset({
    "PutRolePolicy", "DeleteRolePolicy", "AttachRolePolicy", "DetachRolePolicy", "TagRole",
    "UntagRole", "UpdateRole", "UpdateRoleDescription", "UpdateAssumeRolePolicy",
    "PutRolePermissionsBoundary", "DeleteRolePermissionsBoundary", "DeleteRole",
})


class Conflicts:
    """The configuration calls in flight, per bucket and per role."""

    def __init__(self, profile):
        section = profile["conflicts"]
        self.s3 = section.get("s3_bucket_configuration") or {}
        self.iam = section.get("iam_role") or {}
        self.busy = {}  # key -> [in-flight count, time the last one settles]
        self.lock = threading.Lock()

    def key_for(self, request):
        """(key, settings) of the resource request edits, or None if it edits none of these."""
        if (request.service == "s3" and self.s3.get("enabled", True)
                and request.method in ("PUT", "DELETE") and request.is_bucket_subresource()):
            return ("s3", request.account, request.bucket()), self.s3
        if (request.service == "iam" and self.iam.get("enabled", True)
                and request.operation in ROLE_EDITS):
            role = request.params().get("RoleName")
            if role:
                return ("iam", request.account, role), self.iam
        return None

    def enter(self, request):
        """Registers request as in flight and returns its token (None if it edits nothing
        watched); raises Rejection when another edit of the same resource is in flight."""
        found = self.key_for(request)
        if found is None:
            return None
        key, settings = found
        now = time.monotonic()
        with self.lock:
            count, settles = self.busy.get(key, (0, 0.0))
            if count > 0 or now < settles:
                if key[0] == "s3":
                    raise Rejection(409, "OperationAborted", S3_MESSAGE)
                raise Rejection(409, "ConcurrentModification", IAM_MESSAGE)
            self.busy[key] = (1, settles)
        return key, float(settings.get("settle_ms", 0)) / 1000.0

    def leave(self, token):
        if token is None:
            return
        key, settle = token
        with self.lock:
            count, settles = self.busy.get(key, (1, 0.0))
            self.busy[key] = (max(count - 1, 0), max(settles, time.monotonic() + settle))
