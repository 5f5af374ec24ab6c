"""Tests of the fault-injection proxy, against an in-process HTTPS echo server and the emulator.

Run: python3 -m unittest emulator/test_fault_proxy.py
"""

import http.client
import http.server
import json
import os
import select
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from collections import Counter

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from local_ca import server_certificate  # noqa: E402
from test_launch import free_port, start_launcher  # noqa: E402

SIGNATURE = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/ap-southeast-2/kms/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef"
)


class Echo(http.server.BaseHTTPRequestHandler):
    """Answers every request with what it received, and records it."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def handle_any(self):
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            body = b""
            while size := int(self.rfile.readline().strip(), 16):
                body += self.rfile.read(size)
                self.rfile.readline()
            self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        seen = {"method": self.command, "path": self.path, "headers": self.headers.items(),
                "body": body.decode(), "peer": self.client_address[1]}
        self.server.seen.append(seen)
        answer = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "42" if self.command == "HEAD" else str(len(answer)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)

    do_GET = do_HEAD = do_POST = do_PUT = handle_any

    def log_message(self, *_):
        pass


def start_proxy(upstream, tls_dir, *args):
    """(process, endpoint, log path, seconds to ready) of a proxy on a free port."""
    log = tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False).name
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "fault_proxy.py"), "--upstream", upstream,
         "--tls-dir", tls_dir, "--port", "0", "--log", log, *args],
        stdout=subprocess.PIPE, text=True,
    )
    ready, _, _ = select.select([proc.stdout], [], [], 10)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("ready https://127.0.0.1:"):
        proc.kill()
        raise RuntimeError(f"the proxy did not start: {line!r}")
    return proc, line.split()[1], log, time.monotonic() - started


class FaultProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.tls = os.path.join(cls.dir.name, "tls")
        server_certificate(cls.tls)
        cls.ca = os.path.join(cls.tls, "ca.pem")
        cls.context = ssl.create_default_context(cafile=cls.ca)
        # The echo server.
        echo = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        echo.daemon_threads = True
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(*server_certificate(cls.tls))
        echo.socket = tls.wrap_socket(echo.socket, server_side=True)
        echo.seen = []
        cls.echo = echo
        cls.echo_url = f"https://127.0.0.1:{echo.server_address[1]}"
        threading.Thread(target=echo.serve_forever, daemon=True).start()
        # The emulator.
        cls.emulator_log = os.path.join(cls.dir.name, "requests.jsonl")
        cls.port = free_port()
        cls.emulator = start_launcher(cls.port, "--tls-dir", cls.tls, "--request-log", cls.emulator_log,
                                      scheme="https", context=cls.context)
        cls.emulator_url = f"https://127.0.0.1:{cls.port}"

    @classmethod
    def tearDownClass(cls):
        cls.emulator.terminate()
        cls.emulator.wait(timeout=10)
        cls.echo.shutdown()
        cls.echo.server_close()
        cls.dir.cleanup()

    def proxy(self, upstream, *args):
        """A proxy stopped (and checked to stop cleanly on SIGTERM) after the test."""
        proc, endpoint, log, seconds = start_proxy(upstream, self.tls, *args)

        def stop():
            proc.terminate()
            self.assertEqual(proc.wait(timeout=5), 0)
            proc.stdout.close()
            os.unlink(log)

        self.addCleanup(stop)
        self.startup = seconds
        self.proxy_log = log
        return endpoint

    def proxied(self):
        with open(self.proxy_log) as f:
            return [json.loads(line) for line in f]

    def emulator_lines(self):
        with open(self.emulator_log) as f:
            return [json.loads(line) for line in f]

    def connection(self, endpoint):
        host, port = endpoint.removeprefix("https://").split(":")
        return http.client.HTTPSConnection(host, int(port), context=self.context, timeout=10)

    def client(self, service, endpoint, attempts=1):
        return boto3.client(
            service, endpoint_url=endpoint, region_name="ap-southeast-2", verify=self.ca,
            aws_access_key_id="test", aws_secret_access_key="test",
            config=Config(retries={"mode": "standard", "total_max_attempts": attempts}),
        )

    def error(self, call):
        with self.assertRaises(ClientError) as ctx:
            call()
        response = ctx.exception.response
        return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]

    # Forwarding

    def test_starts_fast(self):
        self.proxy(self.echo_url)
        self.assertLess(self.startup, 1.0)

    def test_forwards_requests_unchanged_over_keep_alive(self):
        conn = self.connection(self.proxy(self.echo_url))
        self.echo.seen.clear()
        sent = {"Host": "kms.ap-southeast-2.amazonaws.com", "Authorization": SIGNATURE,
                "X-Amz-Date": "20240101T000000Z", "X-Amz-Target": "TrentService.CreateKey",
                "Content-Type": "application/x-amz-json-1.1"}
        conn.request("POST", "/?a=1&b=%2F", body=b'{"Description":"k"}', headers=sent)
        first = json.loads(conn.getresponse().read())
        conn.request("PUT", "/bucket/key", body=iter([b"chunk one, ", b"chunk two"]),
                     headers={"Host": "127.0.0.1", "Transfer-Encoding": "chunked"}, encode_chunked=True)
        second = json.loads(conn.getresponse().read())
        conn.request("HEAD", "/bucket/key", headers={"Host": "127.0.0.1"})
        head = conn.getresponse()
        self.assertEqual((head.status, head.getheader("Content-Length"), head.read()), (200, "42", b""))
        conn.close()

        self.assertEqual((first["method"], first["path"], first["body"]), ("POST", "/?a=1&b=%2F", '{"Description":"k"}'))
        received = dict(first["headers"])
        for name, value in sent.items():
            self.assertEqual(received[name], value)
        self.assertEqual((second["method"], second["body"]), ("PUT", "chunk one, chunk two"))
        self.assertEqual(dict(second["headers"])["Transfer-Encoding"], "chunked")
        # One upstream connection carried the client connection's three requests.
        self.assertEqual(len({seen["peer"] for seen in self.echo.seen}), 1)
        self.assertEqual([(e["operation"], e["fault"], e["upstream_status"]) for e in self.proxied()], [
            ("CreateKey", None, 200), ("PUT /bucket/key", None, 200), ("HEAD /bucket/key", None, 200)])

    def test_boto3_calls_through_the_proxy_reach_the_emulator(self):
        endpoint = self.proxy(self.emulator_url)
        kms = self.client("kms", endpoint)
        key = kms.create_key(Description="through the proxy")["KeyMetadata"]["KeyId"]
        self.assertEqual(kms.describe_key(KeyId=key)["KeyMetadata"]["Description"], "through the proxy")
        s3 = self.client("s3", endpoint)
        s3.create_bucket(Bucket="proxied", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-2"})
        s3.put_object(Bucket="proxied", Key="a/b.txt", Body=b"payload")
        self.assertEqual(s3.get_object(Bucket="proxied", Key="a/b.txt")["Body"].read(), b"payload")
        self.assertEqual(s3.head_object(Bucket="proxied", Key="a/b.txt")["ContentLength"], 7)
        self.assertEqual(self.client("sts", endpoint).get_caller_identity()["Account"], "123456789012")
        self.assertEqual(
            [(e["service"], e["operation"], e["mutating"], e["upstream_status"]) for e in self.proxied()],
            [("kms", "CreateKey", True, 200), ("kms", "DescribeKey", False, 200),
             ("s3", "CreateBucket", True, 200), ("s3", "PutObject", True, 200),
             ("s3", "GetObject", False, 200), ("s3", "HeadObject", False, 200),
             ("sts", "GetCallerIdentity", False, 200)],
        )

    # Faults

    def test_throttling_is_each_protocols_own_error(self):
        endpoint = self.proxy(self.emulator_url, "--fail-rate", "1", "--faults", "throttle")
        before = len(self.emulator_lines())
        cases = [
            (self.client("kms", endpoint).list_keys, ("ThrottlingException", 400)),
            (self.client("sqs", endpoint).list_queues, ("ThrottlingException", 400)),
            (self.client("sts", endpoint).get_caller_identity, ("Throttling", 400)),
            (self.client("iam", endpoint).list_roles, ("Throttling", 400)),
            (self.client("ec2", endpoint).describe_vpcs, ("RequestLimitExceeded", 503)),
            (self.client("s3", endpoint).list_buckets, ("SlowDown", 503)),
            (self.client("xray", endpoint).get_sampling_rules, ("ThrottledException", 429)),
        ]
        for call, expected in cases:
            self.assertEqual(self.error(call), expected)
        self.assertEqual(len(self.emulator_lines()), before, "throttled requests are not forwarded")
        self.assertEqual([e["fault"] for e in self.proxied()], ["throttle"] * len(cases))

    def test_the_sdk_retries_throttling_as_throttling(self):
        endpoint = self.proxy(self.emulator_url, "--fail-rate", "1", "--faults", "throttle")
        for service, call in (("kms", "list_keys"), ("sts", "get_caller_identity"), ("ec2", "describe_vpcs")):
            client = self.client(service, endpoint, attempts=2)
            self.assertRaises(ClientError, getattr(client, call))
        # botocore's standard mode retries only what it classifies as throttling or transient.
        self.assertEqual(len(self.proxied()), 6)

    def test_500_and_503_are_not_forwarded(self):
        for fault, kms_error, s3_error in (("500", ("InternalFailure", 500), ("InternalError", 500)),
                                           ("503", ("ServiceUnavailable", 503), ("ServiceUnavailable", 503))):
            endpoint = self.proxy(self.emulator_url, "--fail-rate", "1", "--faults", fault)
            before = len(self.emulator_lines())
            self.assertEqual(self.error(self.client("kms", endpoint).list_keys), kms_error)
            self.assertEqual(self.error(self.client("s3", endpoint).list_buckets), s3_error)
            self.assertEqual(self.error(lambda: self.client("iam", endpoint).get_role(RoleName="r"))[1], int(fault))
            self.assertEqual(len(self.emulator_lines()), before)

    def test_drop_closes_the_connection_before_forwarding(self):
        endpoint = self.proxy(self.emulator_url, "--fail-rate", "1", "--faults", "drop")
        before = len(self.emulator_lines())
        with self.assertRaises(ConnectionClosedError):
            self.client("kms", endpoint).create_key()
        self.assertEqual(len(self.emulator_lines()), before)
        self.assertEqual([(e["fault"], e["upstream_status"]) for e in self.proxied()], [("drop", None)])

    def test_drop_after_forwards_then_closes_the_connection(self):
        endpoint = self.proxy(self.emulator_url, "--fail-rate", "1", "--faults", "drop_after")
        direct = self.client("kms", self.emulator_url)
        keys = len(direct.list_keys()["Keys"])
        with self.assertRaises(ConnectionClosedError):
            self.client("kms", endpoint).create_key(Description="lost answer")
        self.assertEqual(len(direct.list_keys()["Keys"]), keys + 1, "the create took effect")
        self.assertEqual(self.emulator_lines()[-2]["operation"], "CreateKey")
        self.assertEqual([(e["operation"], e["fault"], e["upstream_status"]) for e in self.proxied()],
                         [("CreateKey", "drop_after", 200)])

    def test_fail_rate_and_fault_choice_follow_the_seed(self):
        def statuses(*args):
            conn = self.connection(self.proxy(self.echo_url, *args))
            seen = []
            for _ in range(400):
                conn.request("GET", "/bucket", headers={"Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                seen.append(response.status)
            conn.close()
            return seen

        first = statuses("--fail-rate", "0.25", "--faults", "500", "--seed", "7")
        self.assertTrue(60 <= first.count(500) <= 140, first.count(500))
        self.assertEqual(Counter(e["fault"] for e in self.proxied())["500"], first.count(500))
        self.assertEqual(statuses("--fail-rate", "0.25", "--faults", "500", "--seed", "7"), first)
        self.assertNotEqual(statuses("--fail-rate", "0.25", "--faults", "500", "--seed", "8"), first)
        statuses("--fail-rate", "1", "--faults", "500,503,throttle", "--seed", "1")
        chosen = Counter(e["fault"] for e in self.proxied())
        self.assertEqual(sorted(chosen), ["500", "503", "throttle"])
        self.assertTrue(all(90 <= n <= 180 for n in chosen.values()), chosen)

    def test_latency_is_drawn_up_to_the_maximum(self):
        conn = self.connection(self.proxy(self.echo_url, "--latency-ms", "50", "--seed", "3"))
        started = time.monotonic()
        for _ in range(10):
            conn.request("GET", "/", headers={"Host": "127.0.0.1"})
            conn.getresponse().read()
        elapsed = time.monotonic() - started
        conn.close()
        latencies = [e["latency_ms"] for e in self.proxied()]
        self.assertTrue(all(0 <= ms <= 50 for ms in latencies), latencies)
        self.assertGreater(len(set(latencies)), 1)
        self.assertGreaterEqual(elapsed, sum(latencies) / 1000)


if __name__ == "__main__":
    unittest.main()
