"""Tests of the request log: operation detection, the WSGI middleware, and launch.py --request-log.

Run: python3 -m unittest emulator/test_request_log.py
"""

import io
import json
import os
import sys
import tempfile
import unittest

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from request_log import RequestLog, classify, credential_service, is_mutating  # noqa: E402
from test_launch import free_port, start_launcher  # noqa: E402

AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/ap-southeast-2/{}/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=abc"
)


def headers(**fields):
    """A case-insensitive header lookup over fields (underscores read as dashes)."""
    lower = {k.replace("_", "-").lower(): v for k, v in fields.items()}
    return lambda name: lower.get(name.lower())


def environ(method, path, query="", body=b"", chunked=False, **fields):
    """A WSGI environ as werkzeug's server builds it."""
    env = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "wsgi.input": io.BytesIO(body)}
    if chunked:
        env["wsgi.input_terminated"] = True
    else:
        env["CONTENT_LENGTH"] = str(len(body))
    for name, value in fields.items():
        key = name.upper()
        env[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    return env


class ClassifyTest(unittest.TestCase):
    def test_json_protocol_names_the_target(self):
        request = classify("POST", "/", "", headers(
            Authorization=AUTH.format("kms"), X_Amz_Target="TrentService.CreateKey",
            Content_Type="application/x-amz-json-1.1"), b"{}")
        self.assertEqual(
            (request["service"], request["operation"], request["mutating"], request["protocol"]),
            ("kms", "CreateKey", True, "json"),
        )

    def test_query_protocols_name_the_action_in_the_body_or_query_string(self):
        form = headers(Authorization=AUTH.format("iam"), Content_Type="application/x-www-form-urlencoded; charset=utf-8")
        request = classify("POST", "/", "", form, b"Action=CreateRole&RoleName=r&Version=2010-05-08")
        self.assertEqual((request["operation"], request["mutating"], request["protocol"]), ("CreateRole", True, "query"))
        ec2 = classify("GET", "/", "Action=DescribeVpcs&Version=2016-11-15", headers(Authorization=AUTH.format("ec2")))
        self.assertEqual((ec2["operation"], ec2["mutating"], ec2["protocol"]), ("DescribeVpcs", False, "ec2"))

    def test_sts_credential_calls_do_not_mutate(self):
        for action in ("GetCallerIdentity", "AssumeRole", "AssumeRoleWithWebIdentity", "GetSessionToken"):
            request = classify("POST", "/", f"Action={action}", headers())
            self.assertFalse(request["mutating"], action)

    def test_read_prefixes_need_a_word_boundary(self):
        for name in ("GetKeyPolicy", "ListRoles", "DescribeVpcs", "HeadObject", "LookupEvents",
                     "CheckDomain", "SearchThings", "Query", "Scan", "BatchGetItem"):
            self.assertFalse(is_mutating("POST", name), name)
        for name in ("CreateKey", "PutBucketPolicy", "BatchWriteItem", "Getaway", "TagResource"):
            self.assertTrue(is_mutating("POST", name), name)

    def test_s3_operations_from_method_path_and_subresource(self):
        s3 = headers(Authorization=AUTH.format("s3"))
        cases = [
            ("PUT", "/bucket", "policy", "PutBucketPolicy", True),
            ("GET", "/bucket", "policy", "GetBucketPolicy", False),
            ("DELETE", "/bucket", "lifecycle", "DeleteBucketLifecycle", True),
            ("PUT", "/bucket", "", "CreateBucket", True),
            ("GET", "/bucket", "list-type=2&prefix=a", "ListObjectsV2", False),
            ("POST", "/bucket", "delete", "DeleteObjects", True),
            ("PUT", "/bucket/a/b.txt", "", "PutObject", True),
            ("PUT", "/bucket/a/b.txt", "tagging", "PutObjectTagging", True),
            ("HEAD", "/bucket/a/b.txt", "versionId=1", "HeadObject", False),
            ("GET", "/bucket/k", "x-id=GetObject", "GetObject", False),
            ("GET", "/", "", "ListBuckets", False),
        ]
        for method, path, query, operation, mutating in cases:
            request = classify(method, path, query, s3)
            self.assertEqual((request["operation"], request["mutating"]), (operation, mutating), (method, path, query))
        self.assertEqual(classify("PUT", "/b/k", "", headers(Authorization=AUTH.format("s3"), X_Amz_Copy_Source="/b/j"))["operation"], "CopyObject")

    def test_unnamed_rest_requests_are_method_path_and_query_keys(self):
        request = classify("POST", "/bucket/k", "select&select-type=2", headers(Authorization=AUTH.format("s3")))
        self.assertEqual((request["operation"], request["mutating"]), ("POST /bucket/k?select&select-type", True))
        unsigned = classify("GET", "/moto-api/", "", headers())
        self.assertEqual((unsigned["service"], unsigned["operation"], unsigned["mutating"]), (None, "GET /moto-api/", False))

    def test_rest_json_path_names_the_operation(self):
        xray = headers(Authorization=AUTH.format("xray"), Content_Type="application/json")
        request = classify("POST", "/GetSamplingRules", "", xray, b"{}")
        self.assertEqual((request["operation"], request["mutating"], request["protocol"]), ("GetSamplingRules", False, "rest-json"))
        self.assertTrue(classify("POST", "/CreateSamplingRule", "", xray)["mutating"])

    def test_credential_service_from_header_presigned_url_or_sigv4a(self):
        self.assertEqual(credential_service(AUTH.format("SNS")), "sns")
        self.assertEqual(credential_service(None, {"X-Amz-Credential": ["AKID/20240101/us-east-1/s3/aws4_request"]}), "s3")
        self.assertEqual(credential_service("AWS4-ECDSA-P256-SHA256 Credential=AKID/20240101/s3/aws4_request, X"), "s3")
        self.assertIsNone(credential_service("AWS AKID:signature"))


class MiddlewareTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "requests.jsonl")
        self.seen = []

        def app(environ, start_response):
            self.seen.append(environ["wsgi.input"].read())
            start_response("200 OK", [])
            return [b"ok"]

        self.log = RequestLog(app, self.path)

    def tearDown(self):
        self.log.file.close()
        self.dir.cleanup()

    def lines(self):
        with open(self.path) as f:
            return [json.loads(line) for line in f]

    def test_logs_each_request_and_leaves_the_body_to_the_app(self):
        form = "application/x-www-form-urlencoded"
        body = b"Action=CreateTopic&Name=t&Version=2010-03-31"
        self.log(environ("POST", "/", body=body, content_type=form, authorization=AUTH.format("sns")), lambda *_: None)
        self.log(environ("POST", "/", body=body, chunked=True, content_type=form), lambda *_: None)
        self.log(environ("POST", "/", body=b"{}", content_type="application/x-amz-json-1.1",
                         x_amz_target="TrentService.ListKeys", authorization=AUTH.format("kms")), lambda *_: None)
        self.assertEqual(self.seen, [body, body, b"{}"])
        self.assertEqual(self.lines(), [
            {"service": "sns", "operation": "CreateTopic", "method": "POST", "path": "/", "mutating": True},
            {"service": None, "operation": "CreateTopic", "method": "POST", "path": "/", "mutating": True},
            {"service": "kms", "operation": "ListKeys", "method": "POST", "path": "/", "mutating": False},
        ])

    def test_the_line_is_written_before_the_app_answers(self):
        def app(environ, start_response):
            with open(self.path) as f:
                self.seen.append(f.read())
            start_response("200 OK", [])
            return []

        self.log.app = app
        self.log(environ("DELETE", "/bucket", authorization=AUTH.format("s3")), lambda *_: None)
        self.assertEqual(json.loads(self.seen[0])["operation"], "DeleteBucket")


class LauncherRequestLogTest(unittest.TestCase):
    """launch.py --request-log, with boto3 sending JSON, query and S3 REST requests."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "requests.jsonl")
        self.port = free_port()
        self.proc = start_launcher(self.port, "--request-log", self.path)

    def tearDown(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.dir.cleanup()

    def client(self, service):
        return boto3.client(
            service, endpoint_url=f"http://127.0.0.1:{self.port}", region_name="ap-southeast-2",
            aws_access_key_id="test", aws_secret_access_key="test",
        )

    def test_every_request_is_logged_with_its_operation(self):
        self.client("kms").create_key()
        self.client("sts").get_caller_identity()
        self.client("ec2").describe_vpcs()
        s3 = self.client("s3")
        s3.create_bucket(Bucket="logged", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-2"})
        s3.put_bucket_policy(Bucket="logged", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logged/*"}]}))
        s3.get_bucket_policy(Bucket="logged")
        with open(self.path) as f:
            lines = [json.loads(line) for line in f]
        aws = [(l["service"], l["operation"], l["method"], l["path"], l["mutating"]) for l in lines if l["service"]]
        self.assertEqual(aws, [
            ("kms", "CreateKey", "POST", "/", True),
            ("sts", "GetCallerIdentity", "POST", "/", False),
            ("ec2", "DescribeVpcs", "POST", "/", False),
            ("s3", "CreateBucket", "PUT", "/logged", True),
            ("s3", "PutBucketPolicy", "PUT", "/logged", True),
            ("s3", "GetBucketPolicy", "GET", "/logged", False),
        ])
        # The launcher's readiness probe is logged too, as an unsigned read.
        self.assertIn({"service": None, "operation": "GET /moto-api/", "method": "GET", "path": "/moto-api/",
                       "mutating": False}, lines)


if __name__ == "__main__":
    unittest.main()
