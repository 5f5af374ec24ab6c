#!/usr/bin/env python3
"""A loopback HTTPS reverse proxy that injects AWS-style faults between a client and the emulator.

Usage: fault_proxy.py --upstream https://127.0.0.1:PORT --port N --tls-dir DIR
           [--fail-rate 0.1] [--faults 500,503,throttle,drop,drop_after] [--latency-ms MAX]
           [--seed S] [--log FILE]

It serves HTTPS with the emulator's certificate (local_ca.server_certificate(DIR)) and forwards
each request unchanged (method, path and query, headers with the client's Host, so SigV4
signatures stay valid, and body) to the upstream, trusting DIR/ca.pem, over one keep-alive
connection per client connection. A share --fail-rate of requests gets one fault, chosen
uniformly from --faults:

- 500, 503: an InternalFailure / ServiceUnavailable error in the request's wire format, not
  forwarded;
- throttle: the throttling error the request's protocol defines, not forwarded (awsJson 400
  ThrottlingException, EC2 503 RequestLimitExceeded, query 400 Throttling, S3 503 SlowDown,
  REST-JSON 429 ThrottlingException);
- drop: the connection is closed without a response, before forwarding;
- drop_after: the request is forwarded (it takes effect), then the connection is closed without
  a response.

Each forwarded request waits a uniform random 0..--latency-ms first. With --port 0 a free port is
taken. "ready https://127.0.0.1:PORT" is printed once listening; SIGTERM stops it. --log appends
one JSON line per request: time, method, path, service, operation, mutating (as in
request_log.py), fault (or null), latency_ms and upstream_status (null if not forwarded), written
before the client gets its answer.
"""

import argparse
import http.client
import http.server
import json
import os
import random
import signal
import socket
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse
import uuid

from local_ca import CA, server_certificate
from request_log import classify

FAULTS = ("500", "503", "throttle", "drop", "drop_after")
# Headers about one connection, never forwarded (RFC 9110 7.6.1); the body's framing is redone.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "transfer-encoding"}
)
# (status, code, message) per fault and protocol; query errors also carry Sender/Receiver.
ERRORS = {
    "json": {
        "500": (500, "InternalFailure", "The request processing has failed because of an unknown error."),
        "503": (503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
        "throttle": (400, "ThrottlingException", "Rate exceeded"),
    },
    "rest-json": {
        "500": (500, "InternalFailure", "The request processing has failed because of an unknown error."),
        "503": (503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
        "throttle": (429, "ThrottlingException", "Rate exceeded"),
    },
    "query": {
        "500": (500, "InternalFailure", "The request processing has failed because of an unknown error."),
        "503": (503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
        "throttle": (400, "Throttling", "Rate exceeded"),
    },
    "ec2": {
        "500": (500, "InternalError", "An internal error has occurred."),
        "503": (503, "Unavailable", "The server is overloaded and can't handle the request."),
        "throttle": (503, "RequestLimitExceeded", "Request limit exceeded."),
    },
    "rest-xml": {
        "500": (500, "InternalError", "We encountered an internal error. Please try again."),
        "503": (503, "ServiceUnavailable", "Service is unable to handle request."),
        "throttle": (503, "SlowDown", "Please reduce your request rate."),
    },
}
# REST-JSON services whose model names their own throttling error.
REST_JSON_THROTTLING = {"xray": "ThrottledException"}


def error_response(fault, request):
    """(status, headers, body) of fault ("500", "503" or "throttle") for a request classified
    by request_log.classify, in the wire format its protocol's clients parse."""
    protocol = request["protocol"]
    status, code, message = ERRORS[protocol][fault]
    request_id = str(uuid.uuid4())
    if protocol == "rest-json" and fault == "throttle":
        code = REST_JSON_THROTTLING.get(request["service"], code)
    if protocol in ("json", "rest-json"):
        content_type = request.get("content_type") or ""
        if protocol == "rest-json" or not content_type.startswith("application/x-amz-json-"):
            content_type = "application/json" if protocol == "rest-json" else "application/x-amz-json-1.1"
        headers = {"Content-Type": content_type, "x-amzn-RequestId": request_id}
        if protocol == "rest-json":
            headers["x-amzn-ErrorType"] = code
        return status, headers, json.dumps({"__type": code, "message": message}).encode()
    if protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
            f"</Errors><RequestID>{request_id}</RequestID></Response>"
        )
        return status, {"Content-Type": "text/xml;charset=UTF-8"}, body.encode()
    if protocol == "query":
        kind = "Sender" if status < 500 else "Receiver"
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body.encode()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
    )
    return status, {"Content-Type": "application/xml", "x-amz-request-id": request_id}, body.encode()


class Chaos:
    """The faults and latencies to inject, drawn from one seeded generator."""

    def __init__(self, fail_rate, faults, latency_ms, seed=None):
        self.fail_rate, self.faults, self.latency_ms = fail_rate, list(faults), latency_ms
        self.random = random.Random(seed)
        self.lock = threading.Lock()

    def draw(self):
        """(fault or None, latency in ms) for the next request."""
        with self.lock:
            fault = None
            if self.faults and self.random.random() < self.fail_rate:
                fault = self.random.choice(self.faults)
            latency = self.random.uniform(0, self.latency_ms) if self.latency_ms > 0 else 0.0
        return fault, latency


class Handler(http.server.BaseHTTPRequestHandler):
    """Forwards one client connection's requests, injecting the server's faults."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle's algorithm holds the body
    # back until the client's delayed ACK of the headers (about 40 ms a response).
    disable_nagle_algorithm = True

    def proxy(self):
        body, chunked = self.read_body()
        split = urllib.parse.urlsplit(self.path)
        request = classify(self.command, split.path, split.query, self.headers.get, body)
        request["content_type"] = self.headers.get("Content-Type")
        fault, latency = self.server.chaos.draw()
        entry = {
            "time": time.time(), "method": self.command, "path": split.path,
            "service": request["service"], "operation": request["operation"],
            "mutating": request["mutating"], "fault": fault, "latency_ms": None,
            "upstream_status": None,
        }
        if fault in ("500", "503", "throttle"):
            self.server.log(entry)
            self.respond(*error_response(fault, request))
            return
        if fault == "drop":
            self.server.log(entry)
            self.drop()
            return
        time.sleep(latency / 1000)
        entry["latency_ms"] = round(latency, 3)
        try:
            status, reason, headers, data = self.forward(body, chunked)
        except (OSError, http.client.HTTPException) as error:
            entry["error"] = f"{type(error).__name__}: {error}"
            self.server.log(entry)
            self.respond(502, {"Content-Type": "text/plain"}, f"upstream failed: {error}\n".encode())
            return
        entry["upstream_status"] = status
        self.server.log(entry)
        if fault == "drop_after":
            self.drop()
            return
        self.respond(status, headers, data, reason, framed=False)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = proxy

    def read_body(self):
        """(the request's body, whether the client sent it chunked)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline(65537).split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailer fields: none of the SDKs' requests carries one
                    return b"".join(parts), True
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return (self.rfile.read(length) if length > 0 else b""), False

    def forward(self, body, chunked):
        """Sends the request upstream over this connection's keep-alive connection (once more on
        a fresh one when a reused connection turns out closed) and reads the whole response."""
        dropped = {h.strip().lower() for h in self.headers.get("Connection", "").split(",")}
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | dropped]
        if chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        for attempt in (1, 2):
            reused = self.upstream is not None and self.upstream.sock is not None
            if self.upstream is None:
                self.upstream = self.server.connect()
            try:
                self.upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    self.upstream.putheader(name, value)
                self.upstream.endheaders(body if body or chunked else None, encode_chunked=chunked)
                response = self.upstream.getresponse()
                data = response.read()
                if response.will_close:
                    self.close_upstream()
                return response.status, response.reason, response.getheaders(), data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ssl.SSLEOFError):
                self.close_upstream()
                if attempt == 2 or not reused:
                    raise
            except Exception:
                self.close_upstream()
                raise
        raise AssertionError("unreachable")

    def respond(self, status, headers, body, reason=None, framed=True):
        """Sends a response with a Content-Length for body. Upstream's headers (framed=False) lose
        their hop-by-hop fields; a HEAD, 204 or 304 from upstream keeps its Content-Length."""
        self.send_response_only(status, reason)
        items = list(headers.items() if isinstance(headers, dict) else headers)
        bodiless = self.command == "HEAD" or status in (204, 304)
        length = None if bodiless and not framed else str(len(body))
        for name, value in items:
            lower = name.lower()
            if lower == "content-length":
                length = value if bodiless and not framed else length
            elif lower not in HOP_BY_HOP:
                self.send_header(name, value)
        if length is not None:
            self.send_header("Content-Length", length)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not bodiless:
            self.wfile.write(body)
        self.wfile.flush()

    def drop(self):
        """Closes the client connection without an answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close_upstream(self):
        if self.upstream is not None:
            self.upstream.close()
            self.upstream = None

    def setup(self):
        super().setup()
        self.upstream = None

    def finish(self):
        self.close_upstream()
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format, *args):
        pass  # the JSON log says what happened


class Server(http.server.ThreadingHTTPServer):
    """A threaded HTTPS server; each connection's TLS handshake happens in its own thread."""

    daemon_threads = True

    def __init__(self, address, tls_dir, upstream, chaos, log_path=None):
        super().__init__(address, Handler)
        certificate, key = server_certificate(tls_dir)
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(certificate, key)
        self.upstream_tls = ssl.create_default_context(cafile=os.path.join(tls_dir, CA))
        upstream = urllib.parse.urlsplit(upstream)
        if upstream.scheme != "https" or not upstream.hostname:
            raise ValueError(f"the upstream must be https://HOST:PORT, not {upstream.geturl()}")
        self.upstream_host, self.upstream_port = upstream.hostname, upstream.port or 443
        self.chaos = chaos
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None
        self.log_lock = threading.Lock()

    def server_bind(self):
        # HTTPServer's would look the host's name up (getfqdn), which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def connect(self):
        return http.client.HTTPSConnection(
            self.upstream_host, self.upstream_port, context=self.upstream_tls, timeout=300
        )

    def log(self, entry):
        if self.log_file is not None:
            line = json.dumps(entry)
            with self.log_lock:
                self.log_file.write(line + "\n")
                self.log_file.flush()

    def finish_request(self, request, client_address):
        request.settimeout(30)
        try:
            connection = self.tls.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return  # a client that went away, or spoke no TLS
        connection.settimeout(None)
        try:
            self.RequestHandlerClass(connection, client_address, self)
        finally:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="the emulator, https://127.0.0.1:PORT")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (the default): a free port")
    parser.add_argument("--tls-dir", required=True, help="the emulator's --tls-dir")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of requests that get a fault")
    parser.add_argument("--faults", default=",".join(FAULTS), help="comma-separated, from " + ",".join(FAULTS))
    parser.add_argument("--latency-ms", type=float, default=0.0, help="most added latency per request")
    parser.add_argument("--seed", type=int, help="seed of the fault and latency draws")
    parser.add_argument("--log", metavar="FILE", help="append one JSON line per request to FILE")
    args = parser.parse_args(argv)
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = sorted(set(faults) - set(FAULTS))
    if unknown:
        parser.error(f"unknown faults {','.join(unknown)} (known: {','.join(FAULTS)})")
    if not 0 <= args.fail_rate <= 1:
        parser.error("--fail-rate must be between 0 and 1")
    chaos = Chaos(args.fail_rate, faults, args.latency_ms, args.seed)
    server = Server((args.host, args.port), args.tls_dir, args.upstream, chaos, args.log)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host, port = server.server_address[:2]
    print(f"ready https://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
