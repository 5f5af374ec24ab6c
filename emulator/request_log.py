"""What an AWS request asks for (service, operation, whether it mutates), and a WSGI middleware
that logs every request the emulator receives.

`launch.py --request-log FILE` appends one JSON line per request to FILE, written and flushed
before the request is handled:

    {"service": "kms", "operation": "CreateKey", "method": "POST", "path": "/", "mutating": true}

The operation comes from the wire protocol: awsJson's X-Amz-Target (`TrentService.CreateKey`),
the query protocols' Action (query string or form body: EC2, IAM, STS, SNS), S3's `x-id` query
parameter or its method, path and subresource (`PUT /bucket?policy` is PutBucketPolicy), a
REST-JSON path naming the operation (X-Ray's `POST /GetSamplingRules`), else `METHOD /path?keys`.
The service is the SigV4 credential scope's (Authorization header, or X-Amz-Credential of a
presigned URL); None for unsigned requests. fault_proxy.py uses the same detection.
"""

import io
import json
import re
import threading
import urllib.parse

# Operations that only read, by name: a prefix followed by the next word (or nothing).
READ_PREFIXES = (
    "BatchGet", "Get", "List", "Describe", "Head", "Lookup", "Check", "Search", "Query", "Scan",
)
# STS calls that hand out credentials but change nothing.
READ_OPERATIONS = frozenset(
    {"GetCallerIdentity", "AssumeRole", "AssumeRoleWithWebIdentity", "GetSessionToken"}
)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# REST services whose errors are XML (the others used here, e.g. X-Ray, are REST-JSON).
REST_XML_SERVICES = frozenset({"s3", "s3control", "cloudfront", "route53"})

# .../<date>/<region>/<service>/aws4_request (SigV4a scopes have no region).
_SCOPE = re.compile(r"[^/\s,=]+/\d{8}/(?:[^/\s,]+/)?([^/\s,]+)/aws4_request")
_OPERATION_NAME = re.compile(r"[A-Z][A-Za-z0-9]+")

# S3 bucket subresources: query key -> the operation's name after Get/Put/Delete.
_S3_BUCKET_SUBRESOURCES = {
    "accelerate": "BucketAccelerateConfiguration",
    "acl": "BucketAcl",
    "cors": "BucketCors",
    "encryption": "BucketEncryption",
    "lifecycle": "BucketLifecycleConfiguration",
    "location": "BucketLocation",
    "logging": "BucketLogging",
    "notification": "BucketNotificationConfiguration",
    "object-lock": "ObjectLockConfiguration",
    "ownershipControls": "BucketOwnershipControls",
    "policy": "BucketPolicy",
    "policyStatus": "BucketPolicyStatus",
    "publicAccessBlock": "PublicAccessBlock",
    "replication": "BucketReplication",
    "requestPayment": "BucketRequestPayment",
    "tagging": "BucketTagging",
    "versioning": "BucketVersioning",
    "website": "BucketWebsite",
}
_S3_OBJECT_SUBRESOURCES = {
    "acl": "ObjectAcl",
    "attributes": "ObjectAttributes",
    "legal-hold": "ObjectLegalHold",
    "retention": "ObjectRetention",
    "tagging": "ObjectTagging",
}
_VERBS = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}


def classify(method, path, query, header, body=None):
    """What a request asks for: a dict with service, operation, method, path, mutating and
    protocol ("json", "query", "ec2", "rest-xml" or "rest-json").

    query is the raw query string, header(name) a case-insensitive header lookup returning None
    when absent, body the request's bytes (read only for a form-encoded query request)."""
    method = method.upper()
    params = urllib.parse.parse_qs(query or "", keep_blank_values=True)
    service = credential_service(header("Authorization"), params)
    target = header("X-Amz-Target")
    action = None
    if target:
        protocol, operation = "json", target.rsplit(".", 1)[-1]
    else:
        action = _first(params, "Action")
        content_type = (header("Content-Type") or "").lower()
        if action is None and body and content_type.startswith("application/x-www-form-urlencoded"):
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            action = _first(form, "Action")
        if action is not None:
            protocol, operation = ("ec2" if service == "ec2" else "query"), action
        elif service is None or service in REST_XML_SERVICES:
            # Unsigned requests are S3's as far as errors go; only signed ones are named.
            named_s3 = service == "s3"
            protocol = "rest-xml"
            operation = _s3_operation(method, path, params, header) if named_s3 else None
        else:
            protocol, operation = "rest-json", _rest_json_operation(path)
    named = operation is not None
    if not named:
        keys = "&".join(sorted(params))
        operation = f"{method} {path}" + (f"?{keys}" if keys else "")
    return {
        "service": service,
        "operation": operation,
        "method": method,
        "path": path,
        "mutating": is_mutating(method, operation, named, rest=not target and action is None),
        "protocol": protocol,
    }


def is_mutating(method, operation, named=True, rest=False):
    """False for reads: REST GET/HEAD/OPTIONS, and operations named Get*, List*, Describe*,
    Head*, Lookup*, Check*, Search*, Query*, Scan*, BatchGet* or one of STS's credential
    calls; true otherwise (an unnamed REST request with another method included)."""
    if rest and method.upper() in READ_METHODS:
        return False
    if not named:
        return True
    if operation in READ_OPERATIONS:
        return False
    for prefix in READ_PREFIXES:
        rest_of_name = operation[len(prefix):]
        if operation.startswith(prefix) and not rest_of_name[:1].islower():
            return False
    return True


def credential_service(authorization, params=None):
    """The service of a SigV4 credential scope, from the Authorization header or a presigned
    URL's X-Amz-Credential parameter; None when the request is not SigV4-signed."""
    for scope in (authorization, _first(params or {}, "X-Amz-Credential")):
        match = _SCOPE.search(scope or "")
        if match:
            return match.group(1).lower()
    return None


def _first(params, name):
    values = params.get(name)
    return values[0] if values else None


def _s3_operation(method, path, params, header):
    """S3's operation name for a path-style request, or None when not recognised."""
    if "x-id" in params:  # the SDKs name some operations outright
        return params["x-id"][0]
    parts = path.lstrip("/").split("/", 1)
    bucket, key = parts[0], (parts[1] if len(parts) > 1 else "")
    verb = _VERBS.get(method)
    if not bucket:
        return "ListBuckets" if method == "GET" else None
    if not key:
        if method == "DELETE" and "lifecycle" in params:
            return "DeleteBucketLifecycle"
        for name, suffix in _S3_BUCKET_SUBRESOURCES.items():
            if name in params:
                return f"{verb}{suffix}" if verb else None
        if method == "GET":
            if "uploads" in params:
                return "ListMultipartUploads"
            if "versions" in params:
                return "ListObjectVersions"
            return "ListObjectsV2" if _first(params, "list-type") == "2" else "ListObjects"
        if method == "POST" and "delete" in params:
            return "DeleteObjects"
        return {"HEAD": "HeadBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}.get(method)
    for name, suffix in _S3_OBJECT_SUBRESOURCES.items():
        if name in params:
            return f"{verb}{suffix}" if verb else None
    if "uploadId" in params:
        copy = header("x-amz-copy-source")
        return {
            "PUT": "UploadPartCopy" if copy else "UploadPart",
            "POST": "CompleteMultipartUpload",
            "GET": "ListParts",
            "DELETE": "AbortMultipartUpload",
        }.get(method)
    if method == "POST":
        if "uploads" in params:
            return "CreateMultipartUpload"
        return "RestoreObject" if "restore" in params else None
    if method == "PUT" and header("x-amz-copy-source"):
        return "CopyObject"
    return {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject", "DELETE": "DeleteObject"}.get(method)


def _rest_json_operation(path):
    """The operation a REST-JSON path names outright (X-Ray: POST /GetSamplingRules), or None."""
    segment = path.strip("/")
    return segment if _OPERATION_NAME.fullmatch(segment) else None


def request_body(environ):
    """The body of a form-encoded WSGI request (where the query protocols keep Action), put back
    in environ["wsgi.input"] for the application to read; None for other requests."""
    content_type = environ.get("CONTENT_TYPE", "").lower()
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return None
    if environ.get("wsgi.input") is None:
        return None
    return read_body(environ)


def read_body(environ):
    """The whole body of a WSGI request, put back in environ["wsgi.input"] for the application
    to read (b"" without one)."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    if isinstance(stream, io.BytesIO):
        return stream.getvalue()
    if environ.get("wsgi.input_terminated"):  # chunked: the stream ends with the body
        body = stream.read()
    else:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = stream.read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def describe_environ(environ):
    """classify() for a WSGI request."""
    path = environ.get("PATH_INFO", "")
    if isinstance(path, bytes):
        path = path.decode("utf-8", "replace")

    def header(name):
        key = name.upper().replace("-", "_")
        return environ.get(key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}")

    return classify(
        environ.get("REQUEST_METHOD", "GET"),
        path,
        environ.get("QUERY_STRING", ""),
        header,
        request_body(environ),
    )


class RequestLog:
    """WSGI middleware: appends each request's line to the log file, flushed, then calls app."""

    FIELDS = ("service", "operation", "method", "path", "mutating")

    def __init__(self, app, path):
        self.app = app
        self.file = open(path, "a", encoding="utf-8")
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        try:
            described = describe_environ(environ)
        except Exception as error:  # never fail a request because it could not be described
            described = {"service": None, "operation": f"unknown ({error})", "mutating": True,
                         "method": environ.get("REQUEST_METHOD"), "path": environ.get("PATH_INFO")}
        line = json.dumps({field: described[field] for field in self.FIELDS})
        with self.lock:
            self.file.write(line + "\n")
            self.file.flush()
        return self.app(environ, start_response)


def install(path):
    """Makes moto's server (moto.server.main) serve through RequestLog writing to path."""
    import moto.server

    run_simple = moto.server.run_simple

    def run_simple_logged(hostname, port, application, *args, **kwargs):
        return run_simple(hostname, port, RequestLog(application, path), *args, **kwargs)

    moto.server.run_simple = run_simple_logged
