"""S3 bucket policies evaluated for each request: Effect, Principal, Action, Resource, Condition.

The evaluator follows the IAM policy evaluation logic (IAM User Guide, "Policy evaluation logic"
and "IAM JSON policy elements: Condition operators"); the request context keys are those of the
Service Authorization Reference for Amazon S3 and the global condition context keys.
"""

import datetime
import functools
import ipaddress
import json
import re
import threading
from urllib.parse import parse_qs, urlparse

# The IAM action an S3 request needs (Amazon S3 API reference, "Permissions" of each operation):
# per method, (subresource, action, action when the request names a versionId); the first
# subresource the query has wins, None is the operation without one.
OBJECT_ACTIONS = {
    "GET": (
        ("uploadId", "ListMultipartUploadParts", None),
        ("acl", "GetObjectAcl", "GetObjectVersionAcl"),
        ("tagging", "GetObjectTagging", "GetObjectVersionTagging"),
        ("attributes", "GetObjectAttributes", "GetObjectVersionAttributes"),
        ("retention", "GetObjectRetention", None),
        ("legal-hold", "GetObjectLegalHold", None),
        ("torrent", "GetObjectTorrent", None),
        (None, "GetObject", "GetObjectVersion"),
    ),
    "HEAD": ((None, "GetObject", "GetObjectVersion"),),
    "PUT": (
        ("acl", "PutObjectAcl", "PutObjectVersionAcl"),
        ("tagging", "PutObjectTagging", "PutObjectVersionTagging"),
        ("retention", "PutObjectRetention", None),
        ("legal-hold", "PutObjectLegalHold", None),
        (None, "PutObject", None),  # UploadPart and CopyObject too
    ),
    "DELETE": (
        ("uploadId", "AbortMultipartUpload", None),
        ("tagging", "DeleteObjectTagging", "DeleteObjectVersionTagging"),
        (None, "DeleteObject", "DeleteObjectVersion"),
    ),
    "POST": (
        ("restore", "RestoreObject", None),
        ("select", "GetObject", None),
        (None, "PutObject", None),  # CreateMultipartUpload, CompleteMultipartUpload
    ),
}
BUCKET_ACTIONS = {
    "GET": (
        ("uploads", "ListBucketMultipartUploads", None),
        ("versions", "ListBucketVersions", None),
        ("location", "GetBucketLocation", None),
        ("policyStatus", "GetBucketPolicyStatus", None),
        ("policy", "GetBucketPolicy", None),
        ("acl", "GetBucketAcl", None),
        ("tagging", "GetBucketTagging", None),
        ("versioning", "GetBucketVersioning", None),
        ("encryption", "GetEncryptionConfiguration", None),
        ("lifecycle", "GetLifecycleConfiguration", None),
        ("logging", "GetBucketLogging", None),
        ("cors", "GetBucketCORS", None),
        ("notification", "GetBucketNotification", None),
        ("website", "GetBucketWebsite", None),
        ("accelerate", "GetAccelerateConfiguration", None),
        ("publicAccessBlock", "GetBucketPublicAccessBlock", None),
        ("ownershipControls", "GetBucketOwnershipControls", None),
        ("replication", "GetReplicationConfiguration", None),
        ("object-lock", "GetBucketObjectLockConfiguration", None),
        ("inventory", "GetInventoryConfiguration", None),
        ("analytics", "GetAnalyticsConfiguration", None),
        ("metrics", "GetMetricsConfiguration", None),
        ("intelligent-tiering", "GetIntelligentTieringConfiguration", None),
        ("requestPayment", "GetBucketRequestPayment", None),
        (None, "ListBucket", None),
    ),
    "HEAD": ((None, "ListBucket", None),),
    "PUT": (
        ("policy", "PutBucketPolicy", None),
        ("acl", "PutBucketAcl", None),
        ("tagging", "PutBucketTagging", None),
        ("versioning", "PutBucketVersioning", None),
        ("encryption", "PutEncryptionConfiguration", None),
        ("lifecycle", "PutLifecycleConfiguration", None),
        ("logging", "PutBucketLogging", None),
        ("cors", "PutBucketCORS", None),
        ("notification", "PutBucketNotification", None),
        ("website", "PutBucketWebsite", None),
        ("accelerate", "PutAccelerateConfiguration", None),
        ("publicAccessBlock", "PutBucketPublicAccessBlock", None),
        ("ownershipControls", "PutBucketOwnershipControls", None),
        ("replication", "PutReplicationConfiguration", None),
        ("object-lock", "PutBucketObjectLockConfiguration", None),
        ("inventory", "PutInventoryConfiguration", None),
        ("analytics", "PutAnalyticsConfiguration", None),
        ("metrics", "PutMetricsConfiguration", None),
        ("intelligent-tiering", "PutIntelligentTieringConfiguration", None),
        ("requestPayment", "PutBucketRequestPayment", None),
        (None, "CreateBucket", None),
    ),
    # Deleting a configuration needs the permission that puts it (DeleteBucketTagging needs
    # s3:PutBucketTagging, and so on); policy and website have their own.
    "DELETE": (
        ("policy", "DeleteBucketPolicy", None),
        ("website", "DeleteBucketWebsite", None),
        ("tagging", "PutBucketTagging", None),
        ("encryption", "PutEncryptionConfiguration", None),
        ("lifecycle", "PutLifecycleConfiguration", None),
        ("cors", "PutBucketCORS", None),
        ("publicAccessBlock", "PutBucketPublicAccessBlock", None),
        ("ownershipControls", "PutBucketOwnershipControls", None),
        ("replication", "PutReplicationConfiguration", None),
        ("inventory", "PutInventoryConfiguration", None),
        ("analytics", "PutAnalyticsConfiguration", None),
        ("metrics", "PutMetricsConfiguration", None),
        ("intelligent-tiering", "PutIntelligentTieringConfiguration", None),
        (None, "DeleteBucket", None),
    ),
    # POST on a bucket is DeleteObjects (s3:DeleteObject for each key, checked per key) or a
    # browser form upload, whose key is in the form: neither is a bucket-level action.
}
# Actions the bucket owner's root user may always take, whatever the bucket policy says
# (PutBucketPolicy API reference: "so that bucket owners don't inadvertently lock themselves out").
ROOT_ALWAYS = frozenset({"s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"})
# Request headers that set an object's ACL as it is written.
ACL_HEADERS = (
    "x-amz-acl",
    "x-amz-grant-full-control",
    "x-amz-grant-read",
    "x-amz-grant-read-acp",
    "x-amz-grant-write-acp",
)
# Request headers S3 offers as condition keys s3:<header>, and the object lock ones, named apart.
CONDITION_HEADERS = (
    "x-amz-acl",
    "x-amz-copy-source",
    "x-amz-grant-full-control",
    "x-amz-grant-read",
    "x-amz-grant-read-acp",
    "x-amz-grant-write",
    "x-amz-grant-write-acp",
    "x-amz-metadata-directive",
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-storage-class",
    "x-amz-website-redirect-location",
)
OBJECT_LOCK_HEADERS = {
    "x-amz-object-lock-mode": "s3:object-lock-mode",
    "x-amz-object-lock-retain-until-date": "s3:object-lock-retain-until-date",
    "x-amz-object-lock-legal-hold": "s3:object-lock-legal-hold",
}
# ListObjects' parameters, condition keys of s3:ListBucket.
LIST_PARAMETERS = ("prefix", "delimiter", "max-keys")

# moto's response step fills in the RequestId.
ACCESS_DENIED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
    "<RequestId></RequestId><HostId>{host_id}</HostId></Error>"
)


def s3_actions(method, query, headers, on_object):
    """The IAM actions ("s3:...") an S3 request needs: the operation's, and for an upload that
    sets the object's ACL or tags, s3:PutObjectAcl or s3:PutObjectTagging too (PutObject API
    reference, "Permissions"). None when it needs no one action on this resource."""
    table = (OBJECT_ACTIONS if on_object else BUCKET_ACTIONS).get(method, ())
    for subresource, action, version_action in table:
        if subresource is None or subresource in query:
            if version_action and query.get("versionId", [""])[0]:
                action = version_action
            actions = [f"s3:{action}"]
            if on_object and action == "PutObject":
                if any(headers.get(h) is not None for h in ACL_HEADERS):
                    actions.append("s3:PutObjectAcl")
                if headers.get("x-amz-tagging") is not None:
                    actions.append("s3:PutObjectTagging")
            return actions
    return None


class Caller:
    """Who signed the request: names, the forms a policy's Principal may give them by. arn is
    the principal's own ARN (an assumed role's session ARN); principal_arn is the value of
    aws:PrincipalArn, which for a role session is the role's ARN (IAM User Guide, "AWS global
    condition context keys", aws:PrincipalArn); role_arn is the session's role, else None."""

    def __init__(self, account=None, arn=None, names=(), root=False, role_arn=None):
        self.account = account
        self.arn = arn
        self.names = frozenset(names)
        self.root = root
        self.role_arn = role_arn
        self.principal_arn = role_arn or arn


ANONYMOUS = Caller()


def as_list(value):
    return value if isinstance(value, list) else [value]


def text(value):
    """A policy value as IAM compares it: JSON true/false are "true"/"false"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@functools.lru_cache(maxsize=1024)
def wildcard(pattern, ignore_case=False):
    """A pattern where * matches any characters (slashes and colons too) and ? one character."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def like(pattern, value, ignore_case=False):
    return wildcard(text(pattern), ignore_case).fullmatch(value) is not None


@functools.lru_cache(maxsize=1024)
def resource_wildcard(pattern):
    """A Resource pattern: * and ? match within one colon-separated segment of the ARN, except
    that a * ending a segment may expand beyond the colon (IAM User Guide, "IAM JSON policy
    elements: Resource", "Using wildcards in resource ARNs")."""
    body = []
    for index, c in enumerate(pattern):
        if c == "*":
            ends_segment = index + 1 == len(pattern) or pattern[index + 1] == ":"
            body.append(".*" if ends_segment else "[^:]*")
        else:
            body.append("[^:]" if c == "?" else re.escape(c))
    return re.compile("".join(body), re.DOTALL)


def resource_like(pattern, value):
    return resource_wildcard(text(pattern)).fullmatch(value) is not None


def arn_like(pattern, value):
    """ArnLike/ArnEquals: the six colon-separated parts of the ARN each match theirs."""
    parts, values = text(pattern).split(":", 5), value.split(":", 5)
    return len(parts) == len(values) == 6 and all(map(like, parts, values))


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def moment(value):
    """A date condition value: ISO 8601, or seconds since the epoch."""
    seconds = number(value)
    if seconds is not None:
        return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    try:
        parsed = datetime.datetime.fromisoformat(text(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def compared(convert, compare):
    def test(value, expected):
        left, right = convert(value), convert(expected)
        return left is not None and right is not None and compare(left, right)

    return test


def in_network(value, network):
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(text(network), strict=False)
    except ValueError:
        return False


# Condition operators: name -> (test of one request value against one policy value, negated).
# A negated operator is true when the request value matches none of the policy's values.
OPERATORS = {
    "StringEquals": (lambda v, p: v == text(p), False),
    "StringNotEquals": (lambda v, p: v == text(p), True),
    "StringEqualsIgnoreCase": (lambda v, p: v.lower() == text(p).lower(), False),
    "StringNotEqualsIgnoreCase": (lambda v, p: v.lower() == text(p).lower(), True),
    "StringLike": (lambda v, p: like(p, v), False),
    "StringNotLike": (lambda v, p: like(p, v), True),
    "Bool": (lambda v, p: v.lower() == text(p).lower(), False),
    "ArnEquals": (lambda v, p: arn_like(p, v), False),
    "ArnLike": (lambda v, p: arn_like(p, v), False),
    "ArnNotEquals": (lambda v, p: arn_like(p, v), True),
    "ArnNotLike": (lambda v, p: arn_like(p, v), True),
    "NumericEquals": (compared(number, lambda a, b: a == b), False),
    "NumericNotEquals": (compared(number, lambda a, b: a == b), True),
    "NumericLessThan": (compared(number, lambda a, b: a < b), False),
    "NumericLessThanEquals": (compared(number, lambda a, b: a <= b), False),
    "NumericGreaterThan": (compared(number, lambda a, b: a > b), False),
    "NumericGreaterThanEquals": (compared(number, lambda a, b: a >= b), False),
    "DateEquals": (compared(moment, lambda a, b: a == b), False),
    "DateNotEquals": (compared(moment, lambda a, b: a == b), True),
    "DateLessThan": (compared(moment, lambda a, b: a < b), False),
    "DateLessThanEquals": (compared(moment, lambda a, b: a <= b), False),
    "DateGreaterThan": (compared(moment, lambda a, b: a > b), False),
    "DateGreaterThanEquals": (compared(moment, lambda a, b: a >= b), False),
    "IpAddress": (in_network, False),
    "NotIpAddress": (in_network, True),
}


def condition_holds(operator, key, expected, context):
    """One operator on one key. The request's values are a list (empty: the key is absent)."""
    values = context.get(key.lower(), [])
    if operator == "Null":  # "true": the key is absent; "false": it is present
        return any((text(e).lower() == "true") == (not values) for e in expected)
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists") and name != "IfExists"
    name = name[: -len("IfExists")] if if_exists else name
    if name not in OPERATORS or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        return False  # an operator IAM does not have: AWS refuses such a policy
    test, negated = OPERATORS[name]
    if not values:
        # Absent key: IfExists and negated operators hold, ForAllValues holds (vacuously),
        # anything else does not.
        return if_exists or qualifier == "ForAllValues" or (negated and qualifier == "")

    def member(value):
        matched = any(test(value, e) for e in expected)
        return not matched if negated else matched

    if qualifier == "ForAllValues":
        return all(member(v) for v in values)
    return any(member(v) for v in values)


def conditions_hold(condition, context):
    """All operators and all keys hold (ANDed); within a key, any value may match (ORed)."""
    if not isinstance(condition, dict):
        return False
    for operator, keys in condition.items():
        if not isinstance(keys, dict):
            return False
        for key, expected in keys.items():
            if not condition_holds(operator, key, as_list(expected), context):
                return False
    return True


def principal_matches(principal, caller):
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for kind, names in principal.items():
        names = [text(n) for n in as_list(names)]
        if kind == "AWS" and ("*" in names or caller.names.intersection(names)):
            return True
        # Service, Federated and CanonicalUser principals: never a caller signing with keys.
    return False


def element_matches(statement, name, value, ignore_case):
    """Action/NotAction, Resource/NotResource: whether the statement covers value. Resource
    patterns match per ARN segment (resource_like), actions as plain wildcards."""

    def matches(pattern):
        if name == "Resource":
            return resource_like(pattern, value)
        return like(pattern, value, ignore_case)

    if name in statement:
        return any(matches(p) for p in as_list(statement[name]))
    negated = f"Not{name}"
    if negated in statement:
        return not any(matches(p) for p in as_list(statement[negated]))
    return False


def statement_applies(statement, action, resource, caller, context):
    if not isinstance(statement, dict):
        return False
    if "Principal" in statement and not principal_matches(statement["Principal"], caller):
        return False
    if "NotPrincipal" in statement and principal_matches(statement["NotPrincipal"], caller):
        return False
    return (
        element_matches(statement, "Action", action, ignore_case=True)
        and element_matches(statement, "Resource", resource, ignore_case=False)
        and conditions_hold(statement.get("Condition", {}), context)
    )


def decision(policy, action, resource, caller, context):
    """"Deny" if a Deny statement applies, else "Allow" if an Allow statement does, else None."""
    statements = as_list(policy.get("Statement", [])) if isinstance(policy, dict) else []
    effects = {
        s.get("Effect")
        for s in statements
        if statement_applies(s, action, resource, caller, context)
    }
    return "Deny" if "Deny" in effects else "Allow" if "Allow" in effects else None


def signed_access_key(response):
    """The access key that signed the request (header or presigned URL), or None: anonymous."""
    authorization = response.headers.get("Authorization")
    credential = response.querystring.get("X-Amz-Credential", [None])[0]
    legacy = response.querystring.get("AWSAccessKeyId", [None])[0]
    if authorization:
        return response.get_access_key()
    if credential:
        return credential.split("/", 1)[0]
    return legacy


def caller_of(response):
    """The principal the request is made by, as moto knows it: an assumed role's session, an IAM
    user, or (for keys moto did not issue) the account's root user."""
    from moto.utilities.utils import get_partition

    access_key = signed_access_key(response)
    if access_key is None:
        return ANONYMOUS
    return caller_from_key(access_key, response.current_account, get_partition(response.region))


def caller_from_key(access_key, account, partition):
    """The principal an access key of account belongs to, as moto issued it: an assumed role's
    session, an IAM user, or (for keys moto did not issue) the account's root user."""
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    root = f"arn:{partition}:iam::{account}:root"
    session = sts_backends[account][partition].get_assumed_role_from_access_key(access_key)
    if session is not None:
        names = {account, root, session.arn, session.role_arn}
        return Caller(account, session.arn, names, role_arn=session.role_arn)
    user = iam_backends[account][partition].get_user_from_access_key_id(access_key)
    if user is not None:
        return Caller(account, user.arn, {account, root, user.arn})
    return Caller(account, root, {account, root}, root=True)


def request_context(response, caller):
    """The request's condition keys (lower-cased, as IAM compares key names), each a list of
    values; a key the request does not have is absent."""
    request = response.request
    environ = getattr(request, "environ", None) or {}
    scheme = environ.get("wsgi.url_scheme") or urlparse(getattr(request, "url", "") or "").scheme
    context = global_context(scheme, environ.get("REMOTE_ADDR"), caller)
    context.update(s3_context(response.headers.get, response.querystring))
    return context


def global_context(scheme, remote_addr, caller):
    """The global condition keys every request has: aws:SecureTransport, aws:CurrentTime,
    aws:EpochTime, aws:SourceIp, and for a signed request aws:PrincipalAccount and
    aws:PrincipalArn (IAM User Guide, "AWS global condition context keys")."""
    now = datetime.datetime.now(datetime.timezone.utc)
    context = {
        "aws:securetransport": ["true" if scheme == "https" else "false"],
        "aws:currenttime": [now.strftime("%Y-%m-%dT%H:%M:%SZ")],
        "aws:epochtime": [str(int(now.timestamp()))],
    }
    if remote_addr:
        context["aws:sourceip"] = [remote_addr]
    if caller.account:
        context["aws:principalaccount"] = [caller.account]
        context["aws:principalarn"] = [caller.principal_arn]
    return context


def s3_context(header, query):
    """S3's own condition keys of a request: s3:x-amz-* headers, the object lock headers,
    s3:versionid and ListObjects' parameters. header(name) is a case-insensitive lookup, query
    the parsed query string (name -> list of values)."""
    context = {}
    for name in CONDITION_HEADERS:
        if header(name) is not None:
            context[f"s3:{name}"] = [header(name)]
    for name, key in OBJECT_LOCK_HEADERS.items():
        if header(name) is not None:
            context[key] = [header(name)]
    if query.get("versionId"):
        context["s3:versionid"] = [query["versionId"][0]]
    for parameter in LIST_PARAMETERS:
        if parameter in query:
            context[f"s3:{parameter}"] = [query[parameter][0]]
    return context


def bucket_policy_decision(response, bucket, actions, resource):
    """What the bucket's policy says of this request: "Deny" if it denies any of the actions,
    "Allow" if it allows them all, else None."""
    if not bucket.policy or not actions:
        return None
    try:
        policy = json.loads(bucket.policy)
    except (TypeError, ValueError):
        return None
    caller = caller_of(response)
    if caller.root and caller.account == bucket.account_id:
        actions = [a for a in actions if a not in ROOT_ALWAYS]
        if not actions:
            return None
    context = request_context(response, caller)
    said = {decision(policy, action, resource, caller, context) for action in actions}
    return "Deny" if "Deny" in said else "Allow" if said == {"Allow"} else None


def access_denied(response):
    """S3's 403 AccessDenied: an <Error> document; a HEAD answer has no body."""
    from moto.core.serialize import S3Serializer

    body = ACCESS_DENIED.format(host_id=S3Serializer.DEFAULT_HOST_ID)
    return 403, {"Content-Type": "application/xml"}, "" if response.method == "HEAD" else body


def patch_s3_bucket_policy_evaluation():
    """S3 evaluates the bucket policy for every request on the bucket and its objects, with the
    actions the operation needs (GetObject, PutObject, and PutObjectAcl/PutObjectTagging for an
    upload that sets them, DeleteObject, DeleteObjectVersion when a versionId is given,
    ListBucket, GetBucketTagging, ...), the bucket or object ARN, the caller as Principal, and
    the request's condition keys (aws:SecureTransport, s3:x-amz-server-side-encryption and the
    other s3:x-amz-* headers, ...). A Deny statement that applies answers 403 AccessDenied (an
    <Error> document; HEAD has no body), whatever else allows the request, except that the bucket
    owner's root user may always Get/Put/DeleteBucketPolicy; DeleteObjects reports AccessDenied
    for each key a Deny covers. moto 5.2 checks bucket policies only for object requests and
    ignores their Condition, so a Deny with a condition denies every request, compliant ones too;
    it names the action after the HTTP method (s3:PutObject for PutObjectTagging, s3:HeadObject,
    s3:DeleteObject with a versionId), and answers a bare 403."""
    from moto.iam.access_control import PermissionResult
    from moto.s3 import models, responses
    from moto.s3.exceptions import S3ClientError

    # The S3 request each server thread is answering, and (for an object request) what the
    # bucket policy said, for moto's own checks that call FakeBucket.get_permission.
    in_flight = threading.local()
    results = {"Deny": PermissionResult.DENIED, "Allow": PermissionResult.PERMITTED}
    get_permission = models.FakeBucket.get_permission

    def checked(handler, on_object):
        @functools.wraps(handler)
        def call(self, request, full_url):
            in_flight.response, in_flight.decided = self, None
            try:
                name = self.parse_bucket_name_from_url(request, full_url)
                try:
                    bucket = self.backend.get_bucket(name) if name else None
                except S3ClientError:  # NoSuchBucket: moto answers it
                    bucket = None
                if bucket is not None:
                    query = parse_qs(urlparse(full_url).query, keep_blank_values=True)
                    arn = f"arn:{bucket.partition}:s3:::{name}"
                    if on_object:
                        arn = f"{arn}/{self.parse_key_name()}"
                    actions = s3_actions(request.method, query, self.headers, on_object)
                    said = bucket_policy_decision(self, bucket, actions, arn)
                    if said == "Deny":
                        return access_denied(self)
                    if on_object:
                        # moto's object check comes next, with an action named after the method.
                        in_flight.decided = results.get(said, PermissionResult.NEUTRAL)
                return handler(self, request, full_url)
            finally:
                in_flight.response = in_flight.decided = None

        return call

    def bucket_get_permission(self, action, resource):
        decided = getattr(in_flight, "decided", None)
        if decided is not None:
            return decided
        response = getattr(in_flight, "response", None)
        if response is None:
            return get_permission(self, action, resource)
        said = bucket_policy_decision(response, self, [action], resource)
        return results.get(said, PermissionResult.NEUTRAL)

    responses.S3Response._bucket_response = checked(responses.S3Response._bucket_response, False)
    responses.S3Response._key_response = checked(responses.S3Response._key_response, True)
    models.FakeBucket.get_permission = bucket_get_permission
