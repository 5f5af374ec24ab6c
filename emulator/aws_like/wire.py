"""A request as the AWS-like mode sees it (service, operation, protocol, account, region,
parameters), and errors in each protocol's wire format.

The classification is request_log.classify's (the same one fault_proxy.py uses). Parameters are
read only when a check needs them: the JSON body of awsJson requests, the form of query/EC2
requests (query string and body), the body of an S3 PUT ?policy.
"""

import http
import json
import re
import urllib.parse
import uuid

from request_log import describe_environ, read_body

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")
# Services whose quotas and state are global (their control plane is in us-east-1).
GLOBAL_SERVICES = frozenset({"iam", "organizations", "sts", "cloudfront", "route53"})
# Query-protocol XML namespaces clients ignore, but AWS sends.
_QUERY_NS = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
}


class Request:
    """One WSGI request, classified; its parameters parsed on first use."""

    def __init__(self, environ):
        self.environ = environ
        described = describe_environ(environ)
        self.service = described["service"]
        self.operation = described["operation"]
        self.method = described["method"]
        self.path = described["path"]
        self.mutating = described["mutating"]
        self.protocol = described["protocol"]
        match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION") or "")
        self.access_key = match.group(1) if match else None
        self.region = match.group(2) if match else "us-east-1"
        self.query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        self._account = None
        self._body = None
        self._params = None

    @property
    def scope(self):
        """The region a regional quota or state belongs to; "global" for global services."""
        return "global" if self.service in GLOBAL_SERVICES else self.region

    @property
    def account(self):
        if self._account is None:
            from moto.core import DEFAULT_ACCOUNT_ID
            from moto.iam.models import get_account_id_from

            self._account = (
                get_account_id_from(self.access_key) if self.access_key else DEFAULT_ACCOUNT_ID
            )
        return self._account

    def body(self):
        """The request's bytes, put back in wsgi.input for the application."""
        if self._body is None:
            self._body = read_body(self.environ)
        return self._body

    def params(self):
        """awsJson: the body's object; query and EC2: the form, flat (first value of each name);
        others: {}."""
        if self._params is None:
            params = {}
            if self.protocol in ("json", "rest-json"):
                try:
                    parsed = json.loads(self.body() or b"{}")
                except ValueError:
                    parsed = {}
                params = parsed if isinstance(parsed, dict) else {}
            elif self.protocol in ("query", "ec2"):
                form = dict(self.query)
                content_type = (self.environ.get("CONTENT_TYPE") or "").lower()
                if content_type.startswith("application/x-www-form-urlencoded"):
                    text = self.body().decode("utf-8", "replace")
                    form.update(urllib.parse.parse_qs(text, keep_blank_values=True))
                params = {name: values[0] for name, values in form.items() if values}
            self._params = params
        return self._params

    def bucket(self):
        """The bucket a path-style S3 request names (bankinfra's SDK config forces path style)."""
        return self.path.lstrip("/").split("/", 1)[0] or None

    def is_bucket_subresource(self):
        """Whether this is a request on a bucket subresource (?policy, ?tagging ...), not an
        object, the bucket itself, or a listing."""
        from request_log import _S3_BUCKET_SUBRESOURCES

        parts = self.path.lstrip("/").split("/", 1)
        if len(parts) > 1 and parts[1]:
            return False
        return any(name in self.query for name in _S3_BUCKET_SUBRESOURCES)


def error(request, status, code, message, extra=None):
    """(status line, headers, body) of an error in the request's wire format, as its clients
    parse it: awsJson {"__type", "message"}; REST-JSON the same with x-amzn-ErrorType; query
    <ErrorResponse><Error><Type/><Code/><Message/>; EC2 <Response><Errors><Error>; S3 <Error>.
    extra: more members of the error (awsJson) or elements (XML)."""
    request_id = str(uuid.uuid4())
    protocol = request.protocol
    extra = extra or {}
    headers = [("x-amzn-RequestId", request_id)]
    if protocol in ("json", "rest-json"):
        document = {"__type": code, "message": message, **extra}
        if protocol == "rest-json":
            headers.append(("x-amzn-ErrorType", code))
            content_type = "application/json"
        else:
            content_type = request.environ.get("CONTENT_TYPE") or ""
            if not content_type.startswith("application/x-amz-json-"):
                content_type = "application/x-amz-json-1.1"
            if request.service == "sqs":
                # awsQueryCompatible: the query protocol's code travels in a header too.
                document["__type"] = f"com.amazonaws.sqs#{code}"
                kind = "Sender" if status < 500 else "Receiver"
                headers.append(("x-amzn-query-error", f"{code};{kind}"))
        headers.append(("Content-Type", content_type))
        body = json.dumps(document)
    elif protocol == "ec2":
        elements = "".join(f"<{k}>{_xml(v)}</{k}>" for k, v in extra.items())
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"<Code>{code}</Code><Message>{_xml(message)}</Message>{elements}</Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )
        headers.append(("Content-Type", "text/xml;charset=UTF-8"))
    elif protocol == "query":
        kind = "Sender" if status < 500 else "Receiver"
        namespace = _QUERY_NS.get(request.service)
        attribute = f' xmlns="{namespace}"' if namespace else ""
        elements = "".join(f"<{k}>{_xml(v)}</{k}>" for k, v in extra.items())
        body = (
            f"<ErrorResponse{attribute}><Error><Type>{kind}</Type><Code>{code}</Code>"
            f"<Message>{_xml(message)}</Message>{elements}</Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        headers.append(("Content-Type", "text/xml"))
    else:
        elements = "".join(f"<{k}>{_xml(v)}</{k}>" for k, v in extra.items())
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{_xml(message)}</Message>{elements}"
            f"<RequestId>{request_id}</RequestId></Error>"
        )
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
    data = body.encode()
    headers.append(("Content-Length", str(len(data))))
    return f"{status} {http.HTTPStatus(status).phrase}", headers, data


def _xml(value):
    return (
        str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&quot;")
    )


class Rejection(Exception):
    """An error the mode answers instead of the emulator: raise Rejection(status, code, message)."""

    def __init__(self, status, code, message, extra=None):
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def response(self, request):
        return error(request, self.status, self.code, self.message, self.extra)
