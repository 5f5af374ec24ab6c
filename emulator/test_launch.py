"""Tests of the emulator's fixes, against a launcher started on a free port.

Run: python3 -m unittest emulator/test_launch.py
"""

import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

import json

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
XRAY_ARN = "arn:aws:xray:ap-southeast-2:123456789012"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_launcher(port, *args, scheme="http", context=None):
    """The launcher's process, once its /moto-api/ answers."""
    proc = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "launch.py"), "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"{scheme}://127.0.0.1:{port}/moto-api/"
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=1, context=context)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    proc.wait(timeout=10)
    raise RuntimeError("emulator did not start")


def bucket_policy(bucket, key_arn, account="123456789012", trail="org-trail"):
    """The bucket policy the stack writes (crates/stack/src/storage.rs), with the delete deny and
    the CloudTrail delivery statements."""
    bucket_arn = f"arn:aws:s3:::{bucket}"
    objects = f"{bucket_arn}/*"
    trail_arn = f"arn:aws:cloudtrail:ap-southeast-2:{account}:trail/{trail}"
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [bucket_arn, objects], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "DenyUnencryptedPut", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": objects, "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}}},
        {"Sid": "DenyIncorrectEncryption", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": objects, "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
        {"Sid": "DenyWrongKmsKey", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": objects,
         "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn}}},
        {"Sid": "DenyObjectDelete", "Effect": "Deny", "Principal": "*",
         "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"], "Resource": objects},
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": bucket_arn,
         "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}},
        {"Sid": "AWSCloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"{bucket_arn}/AWSLogs/{account}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}}},
    ]})


def access_denied(test, call):
    """Asserts that call fails as S3 answers an explicit deny: 403 AccessDenied (HEAD: no body)."""
    with test.assertRaises(ClientError) as ctx:
        call()
    response = ctx.exception.response
    test.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 403)
    test.assertIn(response["Error"]["Code"], ("AccessDenied", "403"))


class LauncherTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.proc = start_launcher(cls.port)
        cls.kms = cls.client("kms")
        cls.s3 = cls.client("s3")
        cls.xray = cls.client("xray")
        cls.cognito = cls.client("cognito-idp")
        cls.events = cls.client("events")
        cls.iam = cls.client("iam")
        cls.sqs = cls.client("sqs")
        cls.logs = cls.client("logs")
        cls.cloudtrail = cls.client("cloudtrail")
        cls.sns = cls.client("sns")
        cls.firehose = cls.client("firehose")
        cls.sts = cls.client("sts")
        cls.ssm = cls.client("ssm")

    @classmethod
    def client(cls, service, region="ap-southeast-2", validate=True, credentials=None):
        keys = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
        if credentials:
            keys = {
                "aws_access_key_id": credentials["AccessKeyId"],
                "aws_secret_access_key": credentials["SecretAccessKey"],
                "aws_session_token": credentials["SessionToken"],
            }
        return boto3.client(
            service,
            endpoint_url=f"http://127.0.0.1:{cls.port}",
            region_name=region,
            config=Config(parameter_validation=validate),
            **keys,
        )

    def raw(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
            return r.read().decode()

    @staticmethod
    def bodies(client):
        """The raw bodies of client's responses, in order, before botocore parses them."""
        seen = []

        def keep(response_dict, **_):
            seen.append(response_dict["body"].decode())

        client.meta.events.register("before-parse", keep)
        return seen

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=10)

    def test_rotation_period_is_stored_and_returned(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        self.kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=180)
        status = self.kms.get_key_rotation_status(KeyId=key)
        self.assertTrue(status["KeyRotationEnabled"])
        self.assertEqual(status["RotationPeriodInDays"], 180)

    def test_rotation_period_defaults_to_365(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        self.kms.enable_key_rotation(KeyId=key)
        self.assertEqual(self.kms.get_key_rotation_status(KeyId=key)["RotationPeriodInDays"], 365)

    def test_disabled_rotation_has_no_period(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        status = self.kms.get_key_rotation_status(KeyId=key)
        self.assertFalse(status["KeyRotationEnabled"])
        self.assertNotIn("RotationPeriodInDays", status)

    def test_rotation_period_out_of_range_is_rejected(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        with self.assertRaises(ClientError) as ctx:
            self.kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=3000)
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")

    def test_bucket_versioning_uses_the_s3_root_element(self):
        self.s3.create_bucket(Bucket="vers", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-2"})
        body = self.raw("/vers?versioning")
        self.assertIn("<VersioningConfiguration", body)
        self.assertNotIn("<Status>", body)
        self.s3.put_bucket_versioning(Bucket="vers", VersioningConfiguration={"Status": "Enabled"})
        self.assertIn("<Status>Enabled</Status>", self.raw("/vers?versioning"))
        self.s3.put_bucket_versioning(Bucket="vers", VersioningConfiguration={"Status": "Suspended"})
        self.assertEqual(self.s3.get_bucket_versioning(Bucket="vers")["Status"], "Suspended")


    @staticmethod
    def sampling_rule(name, **fields):
        rule = {
            "RuleName": name,
            "ResourceARN": "*",
            "Priority": 100,
            "FixedRate": 0.1,
            "ReservoirSize": 2,
            "ServiceName": "payments",
            "ServiceType": "*",
            "Host": "*",
            "HTTPMethod": "*",
            "URLPath": "*",
            "Version": 1,
        }
        return {**rule, **fields}

    def rule_names(self, client):
        pages = client.get_paginator("get_sampling_rules").paginate()
        return [r["SamplingRule"]["RuleName"] for p in pages for r in p["SamplingRuleRecords"]]

    def test_sampling_rule_create_get_update_delete(self):
        created = self.xray.create_sampling_rule(SamplingRule=self.sampling_rule("crud"))
        created = created["SamplingRuleRecord"]
        rule = created["SamplingRule"]
        self.assertEqual(rule["RuleARN"], f"{XRAY_ARN}:sampling-rule/crud")
        self.assertEqual(
            (rule["Priority"], rule["FixedRate"], rule["ServiceName"]), (100, 0.1, "payments")
        )
        self.assertEqual(created["CreatedAt"], created["ModifiedAt"])
        self.assertIn("crud", self.rule_names(self.xray))

        updated = self.xray.update_sampling_rule(
            SamplingRuleUpdate={"RuleARN": rule["RuleARN"], "FixedRate": 0.5}
        )
        record = updated["SamplingRuleRecord"]
        self.assertEqual(record["SamplingRule"]["FixedRate"], 0.5)
        self.assertEqual(record["SamplingRule"]["ServiceName"], "payments")
        self.assertEqual(record["CreatedAt"], created["CreatedAt"])
        self.assertGreater(record["ModifiedAt"], created["ModifiedAt"])

        deleted = self.xray.delete_sampling_rule(RuleName="crud")["SamplingRuleRecord"]
        self.assertEqual(deleted["SamplingRule"]["FixedRate"], 0.5)
        self.assertNotIn("crud", self.rule_names(self.xray))

    def test_default_sampling_rule_is_listed_and_kept(self):
        records = self.xray.get_sampling_rules()["SamplingRuleRecords"]
        default = next(r["SamplingRule"] for r in records if r["SamplingRule"]["RuleName"] == "Default")
        self.assertEqual(default["RuleARN"], f"{XRAY_ARN}:sampling-rule/Default")
        self.assertEqual(
            (default["Priority"], default["FixedRate"], default["ReservoirSize"]), (10000, 0.05, 1)
        )
        matchers = ("ResourceARN", "ServiceName", "ServiceType", "Host", "HTTPMethod", "URLPath")
        self.assertEqual({default[k] for k in matchers}, {"*"})
        self.assertEqual(default["Version"], 1)
        with self.assertRaises(ClientError) as ctx:
            self.xray.delete_sampling_rule(RuleName="Default")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidRequestException")

    def test_duplicate_sampling_rule_is_rejected(self):
        self.xray.create_sampling_rule(SamplingRule=self.sampling_rule("twice"))
        with self.assertRaises(ClientError) as ctx:
            self.xray.create_sampling_rule(SamplingRule=self.sampling_rule("twice"))
        self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidRequestException")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_update_of_missing_sampling_rule_is_rejected(self):
        with self.assertRaises(ClientError) as ctx:
            self.xray.update_sampling_rule(SamplingRuleUpdate={"RuleName": "ghost", "FixedRate": 0.2})
        error = ctx.exception.response
        self.assertEqual(error["Error"]["Code"], "InvalidRequestException")
        self.assertIn("not found", error["Error"]["Message"])
        headers = error["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual(headers["x-amzn-errortype"], "InvalidRequestException")

    def test_invalid_sampling_rules_are_rejected(self):
        xray = self.client("xray", validate=False)
        host_missing = self.sampling_rule("nohost")
        del host_missing["Host"]
        for rule in [
            self.sampling_rule("rate", FixedRate=1.5),
            self.sampling_rule("prio", Priority=0),
            self.sampling_rule("prio", Priority=10000),
            self.sampling_rule("reservoir", ReservoirSize=-1),
            self.sampling_rule("version", Version=2),
            self.sampling_rule("x" * 33),
            host_missing,
        ]:
            with self.subTest(rule=rule), self.assertRaises(ClientError) as ctx:
                xray.create_sampling_rule(SamplingRule=rule)
            self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidRequestException")
        self.xray.create_sampling_rule(SamplingRule=self.sampling_rule("valid"))
        with self.assertRaises(ClientError) as ctx:
            xray.update_sampling_rule(SamplingRuleUpdate={"RuleName": "valid", "Priority": 0})
        self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidRequestException")

    def test_sampling_rule_tags(self):
        record = self.xray.create_sampling_rule(
            SamplingRule=self.sampling_rule("tagged"), Tags=[{"Key": "team", "Value": "payments"}]
        )
        arn = record["SamplingRuleRecord"]["SamplingRule"]["RuleARN"]
        tags = self.xray.list_tags_for_resource(ResourceARN=arn)["Tags"]
        self.assertEqual(tags, [{"Key": "team", "Value": "payments"}])
        self.xray.tag_resource(ResourceARN=arn, Tags=[{"Key": "stage", "Value": "dev"}])
        self.xray.untag_resource(ResourceARN=arn, TagKeys=["team"])
        tags = self.xray.list_tags_for_resource(ResourceARN=arn)["Tags"]
        self.assertEqual(tags, [{"Key": "stage", "Value": "dev"}])
        too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
        with self.assertRaises(ClientError) as ctx:
            self.xray.tag_resource(ResourceARN=arn, Tags=too_many)
        self.assertEqual(ctx.exception.response["Error"]["Code"], "TooManyTagsException")
        self.xray.delete_sampling_rule(RuleARN=arn)
        for call in [
            lambda: self.xray.list_tags_for_resource(ResourceARN=arn),
            lambda: self.xray.tag_resource(ResourceARN=arn, Tags=[{"Key": "k", "Value": "v"}]),
            lambda: self.xray.untag_resource(ResourceARN=arn, TagKeys=["k"]),
        ]:
            with self.assertRaises(ClientError) as ctx:
                call()
            self.assertEqual(ctx.exception.response["Error"]["Code"], "ResourceNotFoundException")
            self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_sampling_rules_are_paginated_and_per_region(self):
        paris = self.client("xray", region="eu-west-3")
        for i in range(100):
            paris.create_sampling_rule(SamplingRule=self.sampling_rule(f"paged-{i:03}"))
        first = paris.get_sampling_rules()
        self.assertEqual(len(first["SamplingRuleRecords"]), 100)
        self.assertIn("NextToken", first)
        second = paris.get_sampling_rules(NextToken=first["NextToken"])
        self.assertEqual(len(second["SamplingRuleRecords"]), 1)
        self.assertNotIn("NextToken", second)
        names = self.rule_names(paris)
        self.assertEqual(names, ["Default"] + [f"paged-{i:03}" for i in range(100)])
        arn = paris.get_sampling_rules()["SamplingRuleRecords"][1]["SamplingRule"]["RuleARN"]
        self.assertTrue(arn.startswith("arn:aws:xray:eu-west-3:"))
        self.assertNotIn("paged-000", self.rule_names(self.xray))

    def test_xray_trace_endpoints_still_work(self):
        put = self.xray.put_trace_segments(TraceSegmentDocuments=[])
        self.assertEqual(put["UnprocessedTraceSegments"], [])
        traces = self.xray.batch_get_traces(TraceIds=["1-00000000-000000000000000000000000"])
        self.assertEqual(traces["Traces"], [])

    def test_user_pool_tags_agree_with_describe_user_pool(self):
        pool = self.cognito.create_user_pool(PoolName="tagged", UserPoolTags={"team": "payments"})
        pool = pool["UserPool"]
        arn = pool["Arn"]
        tags = self.cognito.list_tags_for_resource(ResourceArn=arn)["Tags"]
        self.assertEqual(tags, {"team": "payments"})
        self.cognito.tag_resource(ResourceArn=arn, Tags={"stage": "dev", "team": "risk"})
        described = self.cognito.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
        self.assertEqual(described["UserPoolTags"], {"team": "risk", "stage": "dev"})
        self.cognito.untag_resource(ResourceArn=arn, TagKeys=["team"])
        self.assertEqual(self.cognito.list_tags_for_resource(ResourceArn=arn)["Tags"], {"stage": "dev"})
        described = self.cognito.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
        self.assertEqual(described["UserPoolTags"], {"stage": "dev"})

    def test_tags_of_unknown_user_pool_are_not_found(self):
        arn = "arn:aws:cognito-idp:ap-southeast-2:123456789012:userpool/ap-southeast-2_missing"
        for call in [
            lambda: self.cognito.list_tags_for_resource(ResourceArn=arn),
            lambda: self.cognito.tag_resource(ResourceArn=arn, Tags={"k": "v"}),
            lambda: self.cognito.untag_resource(ResourceArn=arn, TagKeys=["k"]),
        ]:
            with self.assertRaises(ClientError) as ctx:
                call()
            self.assertEqual(ctx.exception.response["Error"]["Code"], "ResourceNotFoundException")

    def test_event_bus_update(self):
        dlq = {"Arn": "arn:aws:sqs:ap-southeast-2:123456789012:dlq"}
        self.events.create_event_bus(Name="updated", Description="before", DeadLetterConfig=dlq)
        updated = self.events.update_event_bus(Name="updated", KmsKeyIdentifier="alias/bus")
        self.assertEqual(updated["Arn"], "arn:aws:events:ap-southeast-2:123456789012:event-bus/updated")
        self.assertEqual((updated["Name"], updated["KmsKeyIdentifier"]), ("updated", "alias/bus"))
        self.assertEqual(updated["Description"], "before")  # kept when omitted
        self.assertNotIn("DeadLetterConfig", updated)  # replaced, like the KMS key
        described = self.events.describe_event_bus(Name="updated")
        self.assertEqual(described["Description"], "before")
        self.assertEqual(described["KmsKeyIdentifier"], "alias/bus")
        self.assertNotIn("DeadLetterConfig", described)
        log = {"IncludeDetail": "FULL", "Level": "INFO"}
        self.events.update_event_bus(
            Name="updated", Description="", DeadLetterConfig=dlq, LogConfig=log
        )
        described = self.events.describe_event_bus(Name="updated")
        self.assertNotIn("Description", described)
        self.assertNotIn("KmsKeyIdentifier", described)
        self.assertEqual((described["DeadLetterConfig"], described["LogConfig"]), (dlq, log))

    def test_update_of_missing_event_bus_is_not_found(self):
        with self.assertRaises(ClientError) as ctx:
            self.events.update_event_bus(Name="ghost", Description="x")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ResourceNotFoundException")

    def test_event_bus_policy_reads_back_as_put(self):
        arn = self.events.create_event_bus(Name="shared")["EventBusArn"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "org",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "events:PutEvents",
                    "Resource": arn,
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
                }
            ],
        }
        self.events.put_permission(EventBusName="shared", Policy=json.dumps(policy))
        self.assertEqual(json.loads(self.events.describe_event_bus(Name="shared")["Policy"]), policy)

    def test_event_bus_policy_is_replaced_as_a_whole(self):
        arn = self.events.create_event_bus(Name="converging")["EventBusArn"]

        def statement(sid, account):
            principal = {"AWS": f"arn:aws:iam::{account}:root"}
            return {"Sid": sid, "Effect": "Allow", "Principal": principal,
                    "Action": "events:PutEvents", "Resource": arn}

        both = {"Version": "2012-10-17", "Statement": [statement("a", "111111111111"),
                                                       statement("b", "222222222222")]}
        self.events.put_permission(EventBusName="converging", Policy=json.dumps(both))
        self.assertEqual(json.loads(self.events.describe_event_bus(Name="converging")["Policy"]), both)
        one = {"Version": "2012-10-17", "Statement": [statement("a", "111111111111")]}
        self.events.put_permission(EventBusName="converging", Policy=json.dumps(one))
        self.assertEqual(json.loads(self.events.describe_event_bus(Name="converging")["Policy"]), one)
        self.events.remove_permission(EventBusName="converging", RemoveAllPermissions=True)
        self.assertNotIn("Policy", self.events.describe_event_bus(Name="converging"))

    def test_event_bus_policy_statements_need_no_sid(self):
        arn = self.events.create_event_bus(Name="unnamed")["EventBusArn"]
        policy = {
            "Version": "2012-10-17",
            "Id": "org-access",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": ["events:PutEvents", "events:PutRule"],
                    "Resource": arn,
                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
                }
            ],
        }
        self.events.put_permission(EventBusName="unnamed", Policy=json.dumps(policy))
        self.assertEqual(json.loads(self.events.describe_event_bus(Name="unnamed")["Policy"]), policy)
        # The StatementId form still adds one statement to the policy, and removes it by its id.
        self.events.put_permission(
            EventBusName="unnamed", StatementId="partner", Action="events:PutEvents",
            Principal="333333333333",
        )
        added = json.loads(self.events.describe_event_bus(Name="unnamed")["Policy"])
        self.assertEqual(added["Statement"][0], policy["Statement"][0])
        self.assertEqual([s.get("Sid") for s in added["Statement"]], [None, "partner"])
        self.events.remove_permission(EventBusName="unnamed", StatementId="partner")
        self.assertEqual(json.loads(self.events.describe_event_bus(Name="unnamed")["Policy"]), policy)
        with self.assertRaises(ClientError) as ctx:
            self.events.put_permission(EventBusName="unnamed", Policy='{"Statement": "none"}')
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")

    def oidc_provider(self, host, client_ids):
        return self.iam.create_open_id_connect_provider(
            Url=f"https://{host}", ClientIDList=client_ids, ThumbprintList=["a" * 40]
        )["OpenIDConnectProviderArn"]

    def client_ids(self, arn):
        return self.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"]

    def test_oidc_client_ids_are_added_and_removed(self):
        arn = self.oidc_provider("token.actions.example.com", ["sts.amazonaws.com"])
        bodies = self.bodies(self.iam)
        self.iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="app")
        self.assertTrue(bodies[-1].startswith(
            '<AddClientIDToOpenIDConnectProviderResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
            "<ResponseMetadata><RequestId>"
        ))
        self.assertEqual(self.client_ids(arn), ["sts.amazonaws.com", "app"])
        self.iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="app")
        self.assertEqual(self.client_ids(arn), ["sts.amazonaws.com", "app"])
        self.iam.remove_client_id_from_open_id_connect_provider(
            OpenIDConnectProviderArn=arn, ClientID="sts.amazonaws.com"
        )
        self.assertTrue(bodies[-1].startswith("<RemoveClientIDFromOpenIDConnectProviderResponse"))
        self.assertEqual(self.client_ids(arn), ["app"])
        self.iam.remove_client_id_from_open_id_connect_provider(
            OpenIDConnectProviderArn=arn, ClientID="sts.amazonaws.com"
        )
        self.assertEqual(self.client_ids(arn), ["app"])
        with self.assertRaises(ClientError) as ctx:
            self.iam.add_client_id_to_open_id_connect_provider(
                OpenIDConnectProviderArn=arn, ClientID="x" * 256
            )
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationError")

    def test_oidc_calls_on_unknown_provider_are_not_found(self):
        arn = "arn:aws:iam::123456789012:oidc-provider/ghost.example.com"
        for call in [
            lambda: self.iam.add_client_id_to_open_id_connect_provider(
                OpenIDConnectProviderArn=arn, ClientID="app"
            ),
            lambda: self.iam.remove_client_id_from_open_id_connect_provider(
                OpenIDConnectProviderArn=arn, ClientID="app"
            ),
            lambda: self.iam.update_open_id_connect_provider_thumbprint(
                OpenIDConnectProviderArn=arn, ThumbprintList=["b" * 40]
            ),
            lambda: self.iam.tag_open_id_connect_provider(
                OpenIDConnectProviderArn=arn, Tags=[{"Key": "k", "Value": "v"}]
            ),
            lambda: self.iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["k"]),
            lambda: self.iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn),
        ]:
            with self.assertRaises(ClientError) as ctx:
                call()
            self.assertEqual(ctx.exception.response["Error"]["Code"], "NoSuchEntity")
            self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_oidc_thumbprints_and_tags(self):
        arn = self.oidc_provider("idp.example.com", ["app"])
        self.iam.update_open_id_connect_provider_thumbprint(
            OpenIDConnectProviderArn=arn, ThumbprintList=["b" * 40, "c" * 40]
        )
        provider = self.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        self.assertEqual(provider["ThumbprintList"], ["b" * 40, "c" * 40])
        self.iam.tag_open_id_connect_provider(
            OpenIDConnectProviderArn=arn,
            Tags=[{"Key": "team", "Value": "payments"}, {"Key": "stage", "Value": "dev"}],
        )
        self.iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["stage"])
        tags = self.iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)
        self.assertEqual(tags["Tags"], [{"Key": "team", "Value": "payments"}])
        self.assertFalse(tags["IsTruncated"])
        provider = self.iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        self.assertEqual(provider["Tags"], [{"Key": "team", "Value": "payments"}])

    def test_iam_policy_documents_are_url_encoded(self):
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                           "Action": "sts:AssumeRole"}],
        }
        document = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/50%"}],
        }
        self.iam.create_role(RoleName="encoded", AssumeRolePolicyDocument=json.dumps(trust))
        self.iam.put_role_policy(RoleName="encoded", PolicyName="inline", PolicyDocument=json.dumps(document))
        arn = self.iam.create_policy(PolicyName="encoded", PolicyDocument=json.dumps(document))
        arn = arn["Policy"]["Arn"]
        bodies = self.bodies(self.iam)
        for call, element, expected in [
            (lambda: self.iam.get_role(RoleName="encoded"), "AssumeRolePolicyDocument", trust),
            (lambda: self.iam.list_roles(), "AssumeRolePolicyDocument", trust),
            (lambda: self.iam.get_role_policy(RoleName="encoded", PolicyName="inline"),
             "PolicyDocument", document),
            (lambda: self.iam.get_policy_version(PolicyArn=arn, VersionId="v1"), "Document", document),
            (lambda: self.iam.get_account_authorization_details(Filter=["Role"]), "AssumeRolePolicyDocument", trust),
            (lambda: self.iam.get_account_authorization_details(Filter=["Role"]), "PolicyDocument", document),
            (lambda: self.iam.get_account_authorization_details(Filter=["LocalManagedPolicy"]), "Document", document),
        ]:
            call()
            with self.subTest(body=bodies[-1][:60]):
                self.assertNotIn(f"<{element}>{{", bodies[-1])
                self.assertIn(f"<{element}>{urllib.parse.quote(json.dumps(expected))}<", bodies[-1])
        self.assertEqual(
            self.iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"],
            document,
        )
        self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document))
        self.assertNotIn("<Document>", bodies[-1])
        self.iam.list_policy_versions(PolicyArn=arn)
        self.assertNotIn("<Document>", bodies[-1])



    def test_authorization_details_name_each_managed_policy(self):
        document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
        created = self.iam.create_policy(PolicyName="detailed", PolicyDocument=json.dumps(document), Description="d")
        details = self.iam.get_account_authorization_details(Filter=["LocalManagedPolicy"])["Policies"]
        policy = next(p for p in details if p["Arn"] == created["Policy"]["Arn"])
        self.assertEqual((policy["PolicyName"], policy["PolicyId"]), ("detailed", created["Policy"]["PolicyId"]))
        self.assertEqual(policy["Description"], "d")
        default = [v for v in policy["PolicyVersionList"] if v["IsDefaultVersion"]]
        self.assertEqual([v["Document"] for v in default], [document])

    def test_update_role_keeps_omitted_fields(self):
        trust = json.dumps({"Version": "2012-10-17", "Statement": []})
        self.iam.create_role(
            RoleName="keep-fields", AssumeRolePolicyDocument=trust, Description="kept", MaxSessionDuration=7200
        )
        self.iam.update_role(RoleName="keep-fields", MaxSessionDuration=10800)
        role = self.iam.get_role(RoleName="keep-fields")["Role"]
        self.assertEqual((role["Description"], role["MaxSessionDuration"]), ("kept", 10800))
        self.iam.update_role(RoleName="keep-fields", Description="changed")
        role = self.iam.get_role(RoleName="keep-fields")["Role"]
        self.assertEqual((role["Description"], role["MaxSessionDuration"]), ("changed", 10800))

    def test_describe_parameters_pages_by_max_results(self):
        for i in range(23):
            self.ssm.put_parameter(Name=f"/paged/p{i:02}", Value="v", Type="String")
        filters = [{"Key": "Path", "Option": "Recursive", "Values": ["/paged"]}]
        first = self.ssm.describe_parameters(ParameterFilters=filters, MaxResults=20)
        self.assertEqual(len(first["Parameters"]), 20)
        second = self.ssm.describe_parameters(ParameterFilters=filters, MaxResults=20, NextToken=first["NextToken"])
        self.assertEqual(len(second["Parameters"]), 3)
        self.assertNotIn("NextToken", second)
        default = self.ssm.describe_parameters(ParameterFilters=filters)
        self.assertEqual(len(default["Parameters"]), 10)
        unchecked = self.client("ssm", validate=False)
        with self.assertRaises(unchecked.exceptions.ClientError):
            unchecked.describe_parameters(ParameterFilters=filters, MaxResults=51)

    def test_set_queue_attributes_keeps_the_policy(self):
        url = self.sqs.create_queue(QueueName="keeps-policy")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": arn}],
        }
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "86400"})
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(json.loads(attrs["Policy"]), policy)
        self.assertEqual(attrs["MessageRetentionPeriod"], "86400")
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertNotIn("Policy", attrs)

    def test_create_bucket_tags_the_bucket(self):
        self.s3.create_bucket(
            Bucket="tagged-at-creation",
            CreateBucketConfiguration={
                "LocationConstraint": "ap-southeast-2",
                "Tags": [{"Key": "owner", "Value": "bankinfra"}, {"Key": "stage", "Value": "local"}],
            },
        )
        tags = self.s3.get_bucket_tagging(Bucket="tagged-at-creation")["TagSet"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags), [("owner", "bankinfra"), ("stage", "local")])

    def test_sampling_rule_update_changes_rate_reservoir_and_priority(self):
        self.xray.create_sampling_rule(
            SamplingRule=self.sampling_rule("retuned"), Tags=[{"Key": "team", "Value": "payments"}]
        )
        updated = self.xray.update_sampling_rule(
            SamplingRuleUpdate={"RuleName": "retuned", "FixedRate": 0.25, "ReservoirSize": 7, "Priority": 42}
        )["SamplingRuleRecord"]["SamplingRule"]
        listed = next(
            r["SamplingRule"] for r in self.xray.get_sampling_rules()["SamplingRuleRecords"]
            if r["SamplingRule"]["RuleName"] == "retuned"
        )
        for rule in (updated, listed):
            self.assertEqual((rule["FixedRate"], rule["ReservoirSize"], rule["Priority"]), (0.25, 7, 42))
        tags = self.xray.list_tags_for_resource(ResourceARN=listed["RuleARN"])["Tags"]
        self.assertEqual(tags, [{"Key": "team", "Value": "payments"}])

    def log_group(self, name):
        groups = self.logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
        return next(g for g in groups if g["logGroupName"] == name)

    def test_log_group_settings_read_back(self):
        key = self.kms.create_key()["KeyMetadata"]["Arn"]
        self.logs.create_log_group(logGroupName="/bank/audit", kmsKeyId=key, tags={"team": "risk"})
        group = self.log_group("/bank/audit")
        arn = "arn:aws:logs:ap-southeast-2:123456789012:log-group:/bank/audit"
        self.assertEqual((group["arn"], group["logGroupArn"]), (arn + ":*", arn))
        self.assertEqual(group["kmsKeyId"], key)
        self.assertNotIn("retentionInDays", group)
        self.logs.put_retention_policy(logGroupName="/bank/audit", retentionInDays=30)
        self.assertEqual(self.log_group("/bank/audit")["retentionInDays"], 30)
        self.logs.delete_retention_policy(logGroupName="/bank/audit")
        self.assertNotIn("retentionInDays", self.log_group("/bank/audit"))
        self.logs.delete_log_group(logGroupName="/bank/audit")
        self.assertEqual(self.logs.describe_log_groups(logGroupNamePrefix="/bank/audit")["logGroups"], [])

    def test_log_groups_filter_by_name_pattern_a_case_sensitive_substring(self):
        for name in ("/aws/lambda/pattern-x", "/bank/PATTERN-y", "/ecs/pattern-z", "/bank/other"):
            self.logs.create_log_group(logGroupName=name)
        pages = self.logs.get_paginator("describe_log_groups").paginate(
            logGroupNamePattern="pattern-", PaginationConfig={"PageSize": 1}
        )
        names = [g["logGroupName"] for page in pages for g in page["logGroups"]]
        self.assertEqual(names, ["/aws/lambda/pattern-x", "/ecs/pattern-z"])
        first = self.logs.describe_log_groups(logGroupNamePattern="pattern-x")["logGroups"][0]
        self.assertEqual(sorted(first), ["arn", "creationTime", "logGroupName"])
        with self.assertRaises(self.logs.exceptions.InvalidParameterException):
            self.logs.describe_log_groups(logGroupNamePattern="pattern-", logGroupNamePrefix="/aws")

    def test_log_group_kms_key_is_associated_and_disassociated(self):
        key = self.kms.create_key()["KeyMetadata"]["Arn"]
        self.logs.create_log_group(logGroupName="/bank/keyed")
        self.assertNotIn("kmsKeyId", self.log_group("/bank/keyed"))
        bodies = self.bodies(self.logs)
        self.logs.associate_kms_key(logGroupName="/bank/keyed", kmsKeyId=key)
        self.assertEqual(bodies[-1], "")
        self.assertEqual(self.log_group("/bank/keyed")["kmsKeyId"], key)
        self.logs.disassociate_kms_key(logGroupName="/bank/keyed")
        self.assertNotIn("kmsKeyId", self.log_group("/bank/keyed"))
        arn = self.log_group("/bank/keyed")["logGroupArn"]
        self.logs.associate_kms_key(resourceIdentifier=arn, kmsKeyId=key)
        self.assertEqual(self.log_group("/bank/keyed")["kmsKeyId"], key)
        results = "arn:aws:logs:ap-southeast-2:123456789012:query-result:*"
        self.logs.associate_kms_key(resourceIdentifier=results, kmsKeyId=key)
        self.logs.disassociate_kms_key(resourceIdentifier=results)
        for call in [
            lambda: self.logs.associate_kms_key(logGroupName="/bank/ghost", kmsKeyId=key),
            lambda: self.logs.disassociate_kms_key(logGroupName="/bank/ghost"),
            lambda: self.logs.disassociate_kms_key(resourceIdentifier=arn.replace("keyed", "ghost")),
        ]:
            with self.assertRaises(ClientError) as ctx:
                call()
            self.assertEqual(ctx.exception.response["Error"]["Code"], "ResourceNotFoundException")
        for call in [
            lambda: self.logs.associate_kms_key(logGroupName="/bank/keyed", resourceIdentifier=arn, kmsKeyId=key),
            lambda: self.logs.disassociate_kms_key(),
        ]:
            with self.assertRaises(ClientError) as ctx:
                call()
            self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidParameterException")
        self.assertEqual(self.log_group("/bank/keyed")["kmsKeyId"], key)

    def test_log_group_tags_need_the_arn_without_star(self):
        self.logs.create_log_group(logGroupName="/bank/tagged", tags={"team": "risk"})
        group = self.log_group("/bank/tagged")
        arn = group["logGroupArn"]
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)["tags"], {"team": "risk"})
        self.logs.tag_resource(resourceArn=arn, tags={"stage": "dev"})
        self.logs.untag_resource(resourceArn=arn, tagKeys=["team"])
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)["tags"], {"stage": "dev"})
        with self.assertRaises(ClientError) as ctx:
            self.logs.list_tags_for_resource(resourceArn=group["arn"])
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")
        self.logs.delete_log_group(logGroupName="/bank/tagged")
        for call in [
            lambda: self.logs.list_tags_for_resource(resourceArn=arn),
            lambda: self.logs.tag_resource(resourceArn=arn, tags={"k": "v"}),
            lambda: self.logs.untag_resource(resourceArn=arn, tagKeys=["k"]),
        ]:
            with self.assertRaises(ClientError) as ctx:
                call()
            self.assertEqual(ctx.exception.response["Error"]["Code"], "ResourceNotFoundException")
        self.logs.create_log_group(logGroupName="/bank/tagged")
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)["tags"], {})

    def trail_fixtures(self, suffix):
        bucket = f"trail-bucket-{suffix}"
        self.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-2"})
        key = self.kms.create_key()["KeyMetadata"]["Arn"]
        self.logs.create_log_group(logGroupName=f"trail-{suffix}")
        group = f"arn:aws:logs:ap-southeast-2:123456789012:log-group:trail-{suffix}:*"
        return bucket, key, group

    def trail(self, name):
        return self.cloudtrail.describe_trails(trailNameList=[name])["trailList"]

    def test_trail_settings_read_back_and_update(self):
        bucket, key, group = self.trail_fixtures("one")
        bucket2, key2, group2 = self.trail_fixtures("two")
        role = "arn:aws:iam::123456789012:role/trail-logs"
        arn = self.cloudtrail.create_trail(
            Name="bank-audit", S3BucketName=bucket, KmsKeyId=key, IsMultiRegionTrail=True,
            IncludeGlobalServiceEvents=True, EnableLogFileValidation=True,
            CloudWatchLogsLogGroupArn=group, CloudWatchLogsRoleArn=role,
            TagsList=[{"Key": "team", "Value": "risk"}],
        )["TrailARN"]
        self.assertEqual(arn, "arn:aws:cloudtrail:ap-southeast-2:123456789012:trail/bank-audit")
        [trail] = self.trail("bank-audit")
        expected = {
            "Name": "bank-audit", "TrailARN": arn, "HomeRegion": "ap-southeast-2", "S3BucketName": bucket,
            "KmsKeyId": key, "IsMultiRegionTrail": True, "IncludeGlobalServiceEvents": True,
            "LogFileValidationEnabled": True, "CloudWatchLogsLogGroupArn": group,
            "CloudWatchLogsRoleArn": role,
        }
        self.assertEqual({k: trail.get(k) for k in expected}, expected)
        self.cloudtrail.update_trail(
            Name="bank-audit", S3BucketName=bucket2, KmsKeyId=key2, IsMultiRegionTrail=False,
            IncludeGlobalServiceEvents=False, EnableLogFileValidation=False,
            CloudWatchLogsLogGroupArn=group2, CloudWatchLogsRoleArn=role + "-2",
        )
        [trail] = self.trail("bank-audit")
        expected.update(
            S3BucketName=bucket2, KmsKeyId=key2, IsMultiRegionTrail=False, IncludeGlobalServiceEvents=False,
            LogFileValidationEnabled=False, CloudWatchLogsLogGroupArn=group2, CloudWatchLogsRoleArn=role + "-2",
        )
        self.assertEqual({k: trail.get(k) for k in expected}, expected)
        self.cloudtrail.add_tags(ResourceId=arn, TagsList=[{"Key": "stage", "Value": "dev"}])
        self.cloudtrail.remove_tags(ResourceId=arn, TagsList=[{"Key": "team"}])
        tags = self.cloudtrail.list_tags(ResourceIdList=[arn])["ResourceTagList"]
        self.assertEqual(tags, [{"ResourceId": arn, "TagsList": [{"Key": "stage", "Value": "dev"}]}])
        self.cloudtrail.delete_trail(Name="bank-audit")
        self.assertEqual(self.trail("bank-audit"), [])

    def test_trail_logging_and_deletion_by_arn(self):
        bucket, _, _ = self.trail_fixtures("arn")
        arn = self.cloudtrail.create_trail(
            Name="by-arn", S3BucketName=bucket, TagsList=[{"Key": "team", "Value": "risk"}]
        )["TrailARN"]
        self.assertFalse(self.cloudtrail.get_trail_status(Name="by-arn")["IsLogging"])
        self.cloudtrail.start_logging(Name=arn)
        self.assertTrue(self.cloudtrail.get_trail_status(Name="by-arn")["IsLogging"])
        self.cloudtrail.stop_logging(Name=arn)
        self.assertFalse(self.cloudtrail.get_trail_status(Name=arn)["IsLogging"])
        self.cloudtrail.start_logging(Name="by-arn")
        self.assertTrue(self.cloudtrail.get_trail_status(Name=arn)["IsLogging"])
        self.cloudtrail.delete_trail(Name=arn)
        self.assertEqual(self.trail("by-arn"), [])
        for call in [
            lambda: self.cloudtrail.start_logging(Name="by-arn"),
            lambda: self.cloudtrail.stop_logging(Name=arn),
            lambda: self.cloudtrail.delete_trail(Name="by-arn"),
            lambda: self.cloudtrail.delete_trail(Name=arn),
        ]:
            with self.assertRaises(ClientError) as ctx:
                call()
            self.assertEqual(ctx.exception.response["Error"]["Code"], "TrailNotFoundException")
        self.cloudtrail.create_trail(Name="by-arn", S3BucketName=bucket)
        self.assertEqual(self.cloudtrail.list_tags(ResourceIdList=[arn])["ResourceTagList"][0]["TagsList"], [])

    def test_duplicate_trail_is_rejected(self):
        bucket, key, _ = self.trail_fixtures("dup")
        self.cloudtrail.create_trail(Name="once", S3BucketName=bucket, KmsKeyId=key, EnableLogFileValidation=True)
        self.cloudtrail.start_logging(Name="once")
        with self.assertRaises(ClientError) as ctx:
            self.cloudtrail.create_trail(Name="once", S3BucketName=bucket)
        self.assertEqual(ctx.exception.response["Error"]["Code"], "TrailAlreadyExistsException")
        [trail] = self.trail("once")
        self.assertEqual((trail["KmsKeyId"], trail["LogFileValidationEnabled"]), (key, True))
        self.assertTrue(self.cloudtrail.get_trail_status(Name="once")["IsLogging"])
        sydney_arn = trail["TrailARN"]
        self.cloudtrail.update_trail(Name="once", IsMultiRegionTrail=True)
        paris = self.client("cloudtrail", region="eu-west-3")
        with self.assertRaises(ClientError) as ctx:  # the multi-region trail's shadow has the name
            paris.create_trail(Name="once", S3BucketName=bucket)
        self.assertEqual(ctx.exception.response["Error"]["Code"], "TrailAlreadyExistsException")
        self.cloudtrail.delete_trail(Name=sydney_arn)

    def test_describe_trails_returns_the_named_trails(self):
        bucket, _, _ = self.trail_fixtures("named")
        first = self.cloudtrail.create_trail(Name="named-a", S3BucketName=bucket)["TrailARN"]
        self.cloudtrail.create_trail(Name="named-b", S3BucketName=bucket)
        self.assertEqual([t["Name"] for t in self.trail("named-a")], ["named-a"])
        trails = self.cloudtrail.describe_trails(trailNameList=[first, "named-b", "ghost"])["trailList"]
        self.assertEqual(sorted(t["Name"] for t in trails), ["named-a", "named-b"])
        everything = [t["Name"] for t in self.cloudtrail.describe_trails()["trailList"]]
        self.assertTrue({"named-a", "named-b"} <= set(everything))
        for name in ("named-a", "named-b"):
            self.cloudtrail.delete_trail(Name=name)

    def test_trail_event_selectors(self):
        bucket, _, _ = self.trail_fixtures("selectors")
        arn = self.cloudtrail.create_trail(Name="selected", S3BucketName=bucket)["TrailARN"]
        self.assertFalse(self.trail("selected")[0]["HasCustomEventSelectors"])
        default = self.cloudtrail.get_event_selectors(TrailName="selected")
        self.assertEqual(
            [(s["ReadWriteType"], s["IncludeManagementEvents"], s["DataResources"]) for s in default["EventSelectors"]],
            [("All", True, [])],
        )
        self.assertNotIn("AdvancedEventSelectors", default)
        selectors = [{
            "ReadWriteType": "All", "IncludeManagementEvents": True,
            "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
        }]
        put = self.cloudtrail.put_event_selectors(TrailName="selected", EventSelectors=selectors)
        self.assertEqual((put["TrailARN"], put["EventSelectors"]), (arn, selectors))
        got = self.cloudtrail.get_event_selectors(TrailName=arn)
        self.assertEqual((got["TrailARN"], got["EventSelectors"]), (arn, selectors))
        self.assertNotIn("AdvancedEventSelectors", got)
        self.assertTrue(self.trail("selected")[0]["HasCustomEventSelectors"])
        advanced = [{"Name": "mgmt", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}]
        self.cloudtrail.put_event_selectors(TrailName="selected", AdvancedEventSelectors=advanced)
        got = self.cloudtrail.get_event_selectors(TrailName="selected")
        self.assertEqual(got["AdvancedEventSelectors"], advanced)
        self.assertNotIn("EventSelectors", got)
        self.cloudtrail.put_event_selectors(TrailName="selected", EventSelectors=selectors)
        got = self.cloudtrail.get_event_selectors(TrailName="selected")
        self.assertEqual(got["EventSelectors"], selectors)
        self.assertNotIn("AdvancedEventSelectors", got)
        self.cloudtrail.delete_trail(Name="selected")

    def test_topic_settings_read_back(self):
        key = self.kms.create_key()["KeyMetadata"]["Arn"]
        arn = self.sns.create_topic(
            Name="bank-alerts", Attributes={"KmsMasterKeyId": key, "DisplayName": "Alerts"},
            Tags=[{"Key": "team", "Value": "risk"}],
        )["TopicArn"]
        self.assertEqual(arn, "arn:aws:sns:ap-southeast-2:123456789012:bank-alerts")
        attributes = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual((attributes["KmsMasterKeyId"], attributes["DisplayName"]), (key, "Alerts"))
        self.assertNotIn("DeliveryPolicy", attributes)
        self.assertIn("EffectiveDeliveryPolicy", attributes)
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="KmsMasterKeyId", AttributeValue="alias/aws/sns")
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Risk alerts")
        attributes = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual((attributes["KmsMasterKeyId"], attributes["DisplayName"]), ("alias/aws/sns", "Risk alerts"))
        self.sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "stage", "Value": "dev"}])
        self.sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
        self.assertEqual(self.sns.list_tags_for_resource(ResourceArn=arn)["Tags"], [{"Key": "stage", "Value": "dev"}])
        self.assertIn(arn, [t["TopicArn"] for t in self.sns.list_topics()["Topics"]])
        self.sns.delete_topic(TopicArn=arn)
        self.assertNotIn(arn, [t["TopicArn"] for t in self.sns.list_topics()["Topics"]])

    def test_create_topic_is_idempotent_only_when_it_matches(self):
        key = self.kms.create_key()["KeyMetadata"]["Arn"]
        attributes = {"KmsMasterKeyId": key, "DisplayName": "Payments"}
        tags = [{"Key": "team", "Value": "payments"}]
        arn = self.sns.create_topic(Name="idempotent", Attributes=attributes, Tags=tags)["TopicArn"]
        self.assertEqual(self.sns.create_topic(Name="idempotent", Attributes=attributes, Tags=tags)["TopicArn"], arn)
        self.assertEqual(self.sns.create_topic(Name="idempotent")["TopicArn"], arn)
        for call, member in [
            (lambda: self.sns.create_topic(Name="idempotent", Attributes={"DisplayName": "Other"}), "Attributes"),
            (lambda: self.sns.create_topic(Name="idempotent", Attributes={**attributes, "KmsMasterKeyId": "alias/aws/sns"}), "Attributes"),
            (lambda: self.sns.create_topic(Name="idempotent", Tags=[{"Key": "team", "Value": "risk"}]), "Tags"),
        ]:
            with self.assertRaises(ClientError) as ctx:
                call()
            error = ctx.exception.response["Error"]
            self.assertEqual(error["Code"], "InvalidParameter")
            self.assertEqual(
                error["Message"], f"Invalid parameter: {member} Reason: Topic already exists with different {member.lower()}"
            )
        attributes_now = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual((attributes_now["KmsMasterKeyId"], attributes_now["DisplayName"]), (key, "Payments"))
        self.assertEqual(self.sns.list_tags_for_resource(ResourceArn=arn)["Tags"], tags)

    def error(self, call):
        """The Error (Code, Message) of a call that must fail."""
        with self.assertRaises(ClientError) as ctx:
            call()
        return ctx.exception.response["Error"]

    def delivery_stream_destination(self, bucket, key):
        return {
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": "cdc/year=!{timestamp:yyyy}/month=!{timestamp:MM}/",
            "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/",
            "BufferingHints": {"SizeInMBs": 128, "IntervalInSeconds": 300},
            "CompressionFormat": "GZIP",
            "EncryptionConfiguration": {"KMSEncryptionConfig": {"AWSKMSKeyARN": key}},
            "CloudWatchLoggingOptions": {
                "Enabled": True, "LogGroupName": "/aws/kinesisfirehose/bank", "LogStreamName": "S3Delivery",
            },
        }

    def delivery_stream(self, name):
        return self.firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]

    def test_delivery_stream_settings_read_back(self):
        key = self.kms.create_key()["KeyMetadata"]["Arn"]
        destination = self.delivery_stream_destination("landing", key)
        arn = self.firehose.create_delivery_stream(
            DeliveryStreamName="bank-cdc", DeliveryStreamType="DirectPut",
            DeliveryStreamEncryptionConfigurationInput={"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": key},
            ExtendedS3DestinationConfiguration=destination, Tags=[{"Key": "team", "Value": "data"}],
        )["DeliveryStreamARN"]
        self.assertEqual(arn, "arn:aws:firehose:ap-southeast-2:123456789012:deliverystream/bank-cdc")
        stream = self.delivery_stream("bank-cdc")
        self.assertEqual(
            stream["DeliveryStreamEncryptionConfiguration"],
            {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": key, "Status": "ENABLED"},
        )
        self.assertEqual((stream["DeliveryStreamType"], stream["VersionId"]), ("DirectPut", "1"))
        self.assertNotIn("LastUpdateTimestamp", stream)  # only once updated
        [described] = stream["Destinations"]
        self.assertEqual(described["DestinationId"], "destinationId-000000000001")
        self.assertEqual(described["ExtendedS3DestinationDescription"], {**destination, "S3BackupMode": "Disabled"})
        self.assertEqual(described["S3DestinationDescription"], destination)
        tags = self.firehose.list_tags_for_delivery_stream(DeliveryStreamName="bank-cdc")
        self.assertEqual((tags["Tags"], tags["HasMoreTags"]), ([{"Key": "team", "Value": "data"}], False))
        self.firehose.tag_delivery_stream(DeliveryStreamName="bank-cdc", Tags=[{"Key": "stage", "Value": "dev"}])
        self.firehose.untag_delivery_stream(DeliveryStreamName="bank-cdc", TagKeys=["team"])
        tags = self.firehose.list_tags_for_delivery_stream(DeliveryStreamName="bank-cdc")["Tags"]
        self.assertEqual(tags, [{"Key": "stage", "Value": "dev"}])
        error = self.error(lambda: self.firehose.create_delivery_stream(
            DeliveryStreamName="bank-cdc", ExtendedS3DestinationConfiguration=destination))
        self.assertEqual(error["Code"], "ResourceInUseException")
        self.firehose.delete_delivery_stream(DeliveryStreamName="bank-cdc")
        for call in [
            lambda: self.delivery_stream("bank-cdc"),
            lambda: self.firehose.delete_delivery_stream(DeliveryStreamName="bank-cdc"),
            lambda: self.firehose.list_tags_for_delivery_stream(DeliveryStreamName="bank-cdc"),
        ]:
            self.assertEqual(self.error(call)["Code"], "ResourceNotFoundException")

    def test_unset_destination_settings_read_as_their_defaults(self):
        self.firehose.create_delivery_stream(
            DeliveryStreamName="bank-plain",
            ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::123456789012:role/firehose", "BucketARN": "arn:aws:s3:::landing",
                "BufferingHints": {"SizeInMBs": 64},
            },
        )
        stream = self.delivery_stream("bank-plain")
        self.assertEqual(stream["DeliveryStreamEncryptionConfiguration"], {"Status": "DISABLED"})
        defaults = {
            "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 300},
            "CompressionFormat": "UNCOMPRESSED",
            "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
            "CloudWatchLoggingOptions": {"Enabled": False},
        }
        [described] = stream["Destinations"]
        for member in ("ExtendedS3DestinationDescription", "S3DestinationDescription"):
            self.assertEqual({k: described[member][k] for k in defaults}, defaults)
        self.assertEqual(described["ExtendedS3DestinationDescription"]["S3BackupMode"], "Disabled")
        self.firehose.delete_delivery_stream(DeliveryStreamName="bank-plain")

    def test_update_destination_merges_and_bumps_the_version(self):
        key = self.kms.create_key()["KeyMetadata"]["Arn"]
        destination = self.delivery_stream_destination("landing", key)
        self.firehose.create_delivery_stream(
            DeliveryStreamName="bank-usage", DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration=destination,
        )
        stream = self.delivery_stream("bank-usage")
        destination_id = stream["Destinations"][0]["DestinationId"]
        update = {"Prefix": "usage/!{timestamp:yyyy}/", "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60}}
        self.firehose.update_destination(
            DeliveryStreamName="bank-usage", CurrentDeliveryStreamVersionId=stream["VersionId"],
            DestinationId=destination_id, ExtendedS3DestinationUpdate=update,
        )
        stream = self.delivery_stream("bank-usage")
        self.assertEqual(stream["VersionId"], "2")
        self.assertIn("LastUpdateTimestamp", stream)
        [described] = stream["Destinations"]
        self.assertEqual(described["ExtendedS3DestinationDescription"], {**destination, **update, "S3BackupMode": "Disabled"})
        self.assertEqual(described["S3DestinationDescription"], {**destination, **update})
        error = self.error(lambda: self.firehose.update_destination(
            DeliveryStreamName="bank-usage", CurrentDeliveryStreamVersionId="1",
            DestinationId=destination_id, ExtendedS3DestinationUpdate={"Prefix": "stale/"},
        ))
        self.assertEqual(error["Code"], "ConcurrentModificationException")
        self.firehose.delete_delivery_stream(DeliveryStreamName="bank-usage")

    def test_delivery_stream_encryption_is_started_and_stopped(self):
        key = self.kms.create_key()["KeyMetadata"]["Arn"]
        self.firehose.create_delivery_stream(
            DeliveryStreamName="bank-sse", DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration=self.delivery_stream_destination("landing", key),
        )

        def encryption():
            return self.delivery_stream("bank-sse")["DeliveryStreamEncryptionConfiguration"]

        self.firehose.stop_delivery_stream_encryption(DeliveryStreamName="bank-sse")
        self.assertEqual(encryption()["Status"], "DISABLED")
        self.firehose.start_delivery_stream_encryption(DeliveryStreamName="bank-sse")
        self.assertEqual(encryption(), {"KeyType": "AWS_OWNED_CMK", "Status": "ENABLED"})
        cmk = {"KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": key}
        self.firehose.start_delivery_stream_encryption(
            DeliveryStreamName="bank-sse", DeliveryStreamEncryptionConfigurationInput=cmk
        )
        self.assertEqual(encryption(), {**cmk, "Status": "ENABLED"})
        self.firehose.stop_delivery_stream_encryption(DeliveryStreamName="bank-sse")
        self.assertEqual(encryption()["Status"], "DISABLED")
        error = self.error(lambda: self.firehose.start_delivery_stream_encryption(
            DeliveryStreamName="bank-sse",
            DeliveryStreamEncryptionConfigurationInput={"KeyType": "CUSTOMER_MANAGED_CMK"},
        ))
        self.assertEqual(error["Code"], "InvalidArgumentException")
        error = self.error(lambda: self.firehose.stop_delivery_stream_encryption(DeliveryStreamName="ghost"))
        self.assertEqual(error["Code"], "ResourceNotFoundException")
        self.firehose.delete_delivery_stream(DeliveryStreamName="bank-sse")

    def test_delivery_streams_are_listed_in_pages(self):
        paris = self.client("firehose", region="eu-west-3")
        destination = {"RoleARN": "arn:aws:iam::123456789012:role/firehose", "BucketARN": "arn:aws:s3:::landing"}
        names = [f"paged-{i:02}" for i in range(12)]
        for name in names:
            paris.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration=destination)
        first = paris.list_delivery_streams()
        self.assertEqual((first["DeliveryStreamNames"], first["HasMoreDeliveryStreams"]), (names[:10], True))
        paris.delete_delivery_stream(DeliveryStreamName=names[9])  # the page's last name is gone
        second = paris.list_delivery_streams(ExclusiveStartDeliveryStreamName=names[9])
        self.assertEqual((second["DeliveryStreamNames"], second["HasMoreDeliveryStreams"]), (names[10:], False))
        page = paris.list_delivery_streams(Limit=3, ExclusiveStartDeliveryStreamName=names[0])
        self.assertEqual((page["DeliveryStreamNames"], page["HasMoreDeliveryStreams"]), (names[1:4], True))

    # Cognito user pools, app clients and resource servers.

    PASSWORD_POLICY = {
        "MinimumLength": 12, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True,
        "RequireSymbols": True, "TemporaryPasswordValidityDays": 7,
    }
    CUSTOM_ATTRIBUTES = [
        {"Name": "user_id", "AttributeDataType": "String", "Mutable": False,
         "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"}},
        {"Name": "tenant", "AttributeDataType": "String", "Mutable": True,
         "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"}},
    ]

    def user_pool(self, name, **settings):
        pool = self.cognito.create_user_pool(
            PoolName=name, Policies={"PasswordPolicy": self.PASSWORD_POLICY}, Schema=self.CUSTOM_ATTRIBUTES,
            AutoVerifiedAttributes=["email"], UsernameAttributes=["email"], **settings,
        )
        return pool["UserPool"]

    def test_user_pool_settings_read_back(self):
        created = self.user_pool("bank-users", DeletionProtection="ACTIVE", UserPoolTags={"team": "identity"})
        pool = self.cognito.describe_user_pool(UserPoolId=created["Id"])["UserPool"]
        self.assertEqual(
            pool["Arn"], f"arn:aws:cognito-idp:ap-southeast-2:123456789012:userpool/{created['Id']}"
        )
        self.assertEqual(pool["Policies"]["PasswordPolicy"], self.PASSWORD_POLICY)
        self.assertEqual((pool["DeletionProtection"], pool["MfaConfiguration"]), ("ACTIVE", "OFF"))
        self.assertEqual((pool["AutoVerifiedAttributes"], pool["UsernameAttributes"]), (["email"], ["email"]))
        self.assertEqual(pool["UserPoolTags"], {"team": "identity"})
        attributes = {a["Name"]: a for a in pool["SchemaAttributes"]}
        self.assertTrue({"sub", "email", "phone_number", "updated_at"} <= set(attributes))
        self.assertEqual(attributes["custom:user_id"], {
            "Name": "custom:user_id", "AttributeDataType": "String", "DeveloperOnlyAttribute": False,
            "Mutable": False, "Required": False,
            "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"},
        })
        self.assertTrue(attributes["custom:tenant"]["Mutable"])
        self.assertEqual([a["Name"] for a in pool["SchemaAttributes"]][-2:], ["custom:user_id", "custom:tenant"])
        plain = self.cognito.create_user_pool(PoolName="bank-plain")["UserPool"]
        self.assertEqual(plain["DeletionProtection"], "INACTIVE")
        described = self.cognito.describe_user_pool(UserPoolId=plain["Id"])["UserPool"]
        self.assertEqual(described["DeletionProtection"], "INACTIVE")

    def test_protected_user_pool_is_not_deleted(self):
        pool = self.user_pool("bank-protected", DeletionProtection="ACTIVE")["Id"]
        error = self.error(lambda: self.cognito.delete_user_pool(UserPoolId=pool))
        self.assertEqual(error["Code"], "InvalidParameterException")
        self.cognito.describe_user_pool(UserPoolId=pool)
        self.cognito.update_user_pool(
            UserPoolId=pool, Policies={"PasswordPolicy": self.PASSWORD_POLICY}, DeletionProtection="INACTIVE"
        )
        self.cognito.delete_user_pool(UserPoolId=pool)
        for call in [
            lambda: self.cognito.describe_user_pool(UserPoolId=pool),
            lambda: self.cognito.delete_user_pool(UserPoolId=pool),
        ]:
            self.assertEqual(self.error(call)["Code"], "ResourceNotFoundException")

    def test_user_pool_mfa_is_one_configuration(self):
        error = self.error(lambda: self.user_pool("bank-mfa-at-once", MfaConfiguration="ON"))
        self.assertEqual(error["Code"], "InvalidParameterException")
        self.assertIn("SMS configuration", error["Message"])
        pool = self.user_pool("bank-mfa", MfaConfiguration="OFF")["Id"]

        def both():
            described = self.cognito.describe_user_pool(UserPoolId=pool)["UserPool"]["MfaConfiguration"]
            return described, self.cognito.get_user_pool_mfa_config(UserPoolId=pool)["MfaConfiguration"]

        self.assertEqual(both(), ("OFF", "OFF"))
        for mfa, token in [("ON", None), ("OPTIONAL", {"Enabled": False}), ("OFF", {"Enabled": True})]:
            settings = {"SoftwareTokenMfaConfiguration": token} if token else {}
            error = self.error(lambda: self.cognito.set_user_pool_mfa_config(
                UserPoolId=pool, MfaConfiguration=mfa, **settings))
            self.assertEqual(error["Code"], "InvalidParameterException")
        error = self.error(lambda: self.cognito.update_user_pool(UserPoolId=pool, MfaConfiguration="ON"))
        self.assertEqual(error["Code"], "InvalidParameterException")
        set_ = self.cognito.set_user_pool_mfa_config(
            UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
        )
        self.assertEqual((set_["MfaConfiguration"], set_["SoftwareTokenMfaConfiguration"]), ("ON", {"Enabled": True}))
        self.assertEqual(both(), ("ON", "ON"))
        got = self.cognito.get_user_pool_mfa_config(UserPoolId=pool)
        self.assertEqual(got["SoftwareTokenMfaConfiguration"], {"Enabled": True})
        self.cognito.update_user_pool(UserPoolId=pool, Policies={"PasswordPolicy": self.PASSWORD_POLICY})
        self.assertEqual(both(), ("ON", "ON"))  # kept when UpdateUserPool omits it
        self.cognito.update_user_pool(UserPoolId=pool, MfaConfiguration="OPTIONAL")
        self.assertEqual(both(), ("OPTIONAL", "OPTIONAL"))
        self.cognito.set_user_pool_mfa_config(UserPoolId=pool)  # a full replacement: MFA off
        self.assertEqual(both(), ("OFF", "OFF"))
        self.assertNotIn("SoftwareTokenMfaConfiguration", self.cognito.get_user_pool_mfa_config(UserPoolId=pool))

    def test_update_user_pool_with_every_setting(self):
        created = self.user_pool("bank-updated", DeletionProtection="ACTIVE", UserPoolTags={"team": "identity"})
        pool = created["Id"]
        self.cognito.set_user_pool_mfa_config(
            UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
        )
        policy = {**self.PASSWORD_POLICY, "MinimumLength": 14, "RequireSymbols": False}
        self.cognito.update_user_pool(
            UserPoolId=pool, Policies={"PasswordPolicy": policy}, DeletionProtection="ACTIVE",
            MfaConfiguration="ON", AutoVerifiedAttributes=["email"],
        )
        described = self.cognito.describe_user_pool(UserPoolId=pool)["UserPool"]
        self.assertEqual(described["Policies"]["PasswordPolicy"], policy)
        self.assertEqual((described["DeletionProtection"], described["MfaConfiguration"]), ("ACTIVE", "ON"))
        self.assertEqual(described["AutoVerifiedAttributes"], ["email"])
        self.assertEqual(described["UserPoolTags"], {"team": "identity"})  # tags are not settings
        self.assertGreater(described["LastModifiedDate"], created["LastModifiedDate"])
        self.assertIn("custom:user_id", [a["Name"] for a in described["SchemaAttributes"]])
        self.cognito.update_user_pool(UserPoolId=pool, UserPoolTags={"team": "risk"})
        described = self.cognito.describe_user_pool(UserPoolId=pool)["UserPool"]
        self.assertEqual(described["UserPoolTags"], {"team": "risk"})
        self.assertEqual(described["DeletionProtection"], "INACTIVE")  # omitted: back to its default
        self.assertNotIn("AutoVerifiedAttributes", described)
        self.cognito.delete_user_pool(UserPoolId=pool)

    def test_user_pools_are_listed_in_pages(self):
        paris = self.client("cognito-idp", region="eu-west-3")
        ids = [paris.create_user_pool(PoolName=f"paged-{i}")["UserPool"]["Id"] for i in range(5)]
        self.assertEqual([p["Id"] for p in paris.list_user_pools(MaxResults=60)["UserPools"]], ids)
        first = paris.list_user_pools(MaxResults=3)
        second = paris.list_user_pools(MaxResults=3, NextToken=first["NextToken"])
        self.assertEqual([p["Id"] for p in first["UserPools"] + second["UserPools"]], ids)
        self.assertNotIn("NextToken", second)
        self.assertEqual(first["UserPools"][0]["Name"], "paged-0")

    def test_resource_server_update_and_delete(self):
        pool = self.user_pool("bank-api")["Id"]
        scopes = [{"ScopeName": "read", "ScopeDescription": "Read accounts"}]
        self.cognito.create_resource_server(UserPoolId=pool, Identifier="https://api.bank", Name="api", Scopes=scopes)
        error = self.error(lambda: self.cognito.create_resource_server(
            UserPoolId=pool, Identifier="https://api.bank", Name="api"))
        self.assertEqual(error["Code"], "InvalidParameterException")
        scopes.append({"ScopeName": "write", "ScopeDescription": "Write accounts"})
        updated = self.cognito.update_resource_server(
            UserPoolId=pool, Identifier="https://api.bank", Name="accounts", Scopes=scopes
        )["ResourceServer"]
        self.assertEqual((updated["Name"], updated["Scopes"]), ("accounts", scopes))
        described = self.cognito.describe_resource_server(UserPoolId=pool, Identifier="https://api.bank")
        self.assertEqual(described["ResourceServer"]["Scopes"], scopes)
        bodies = self.bodies(self.cognito)
        self.cognito.delete_resource_server(UserPoolId=pool, Identifier="https://api.bank")
        self.assertEqual(bodies[-1], "{}")
        self.assertEqual(self.cognito.list_resource_servers(UserPoolId=pool, MaxResults=10)["ResourceServers"], [])
        for call in [
            lambda: self.cognito.describe_resource_server(UserPoolId=pool, Identifier="https://api.bank"),
            lambda: self.cognito.delete_resource_server(UserPoolId=pool, Identifier="https://api.bank"),
            lambda: self.cognito.update_resource_server(UserPoolId=pool, Identifier="https://api.bank", Name="x"),
            lambda: self.cognito.list_resource_servers(UserPoolId="ap-southeast-2_ghost", MaxResults=10),
        ]:
            self.assertEqual(self.error(call)["Code"], "ResourceNotFoundException")

    WEB_CLIENT = {
        "ClientName": "bank-web", "GenerateSecret": True,
        "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "AllowedOAuthFlows": ["code"], "AllowedOAuthFlowsUserPoolClient": True,
        "AllowedOAuthScopes": ["openid", "email", "profile"],
        "CallbackURLs": ["https://bank.example/callback"], "LogoutURLs": ["https://bank.example/logout"],
        "SupportedIdentityProviders": ["COGNITO"], "PreventUserExistenceErrors": "ENABLED",
        "RefreshTokenValidity": 30, "AccessTokenValidity": 60, "IdTokenValidity": 60,
        "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
        "EnableTokenRevocation": True,
    }

    def test_user_pool_client_settings_read_back(self):
        pool = self.user_pool("bank-clients")["Id"]
        created = self.cognito.create_user_pool_client(UserPoolId=pool, **self.WEB_CLIENT)["UserPoolClient"]
        client_id = created["ClientId"]
        described = self.cognito.describe_user_pool_client(UserPoolId=pool, ClientId=client_id)["UserPoolClient"]
        expected = {k: v for k, v in self.WEB_CLIENT.items() if k != "GenerateSecret"}
        self.assertEqual({k: described[k] for k in expected}, expected)
        self.assertEqual(described["ClientSecret"], created["ClientSecret"])
        self.assertEqual(described["CreationDate"], described["LastModifiedDate"])
        public = self.cognito.create_user_pool_client(
            UserPoolId=pool, **{**self.WEB_CLIENT, "ClientName": "bank-spa", "GenerateSecret": False}
        )["UserPoolClient"]
        self.assertNotIn("ClientSecret", public)
        listed = self.cognito.list_user_pool_clients(UserPoolId=pool, MaxResults=60)["UserPoolClients"]
        self.assertEqual(
            [(c["ClientId"], c["ClientName"]) for c in listed],
            [(client_id, "bank-web"), (public["ClientId"], "bank-spa")],
        )
        self.cognito.delete_user_pool_client(UserPoolId=pool, ClientId=client_id)
        for call in [
            lambda: self.cognito.describe_user_pool_client(UserPoolId=pool, ClientId=client_id),
            lambda: self.cognito.delete_user_pool_client(UserPoolId=pool, ClientId=client_id),
            lambda: self.cognito.update_user_pool_client(UserPoolId=pool, ClientId=client_id, ClientName="x"),
        ]:
            self.assertEqual(self.error(call)["Code"], "ResourceNotFoundException")

    def test_update_user_pool_client_replaces_the_settings(self):
        pool = self.user_pool("bank-client-update")["Id"]
        created = self.cognito.create_user_pool_client(UserPoolId=pool, **self.WEB_CLIENT)["UserPoolClient"]
        update = {
            "ClientName": "bank-web-2", "AllowedOAuthFlows": ["code"], "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthScopes": ["openid"], "CallbackURLs": ["https://bank.example/v2"],
            "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"], "RefreshTokenValidity": 7,
        }
        updated = self.cognito.update_user_pool_client(
            UserPoolId=pool, ClientId=created["ClientId"], **update
        )["UserPoolClient"]
        described = self.cognito.describe_user_pool_client(UserPoolId=pool, ClientId=created["ClientId"])
        for client in (updated, described["UserPoolClient"]):
            self.assertEqual({k: client[k] for k in update}, update)
            for omitted in ("LogoutURLs", "AccessTokenValidity", "TokenValidityUnits", "PreventUserExistenceErrors"):
                self.assertNotIn(omitted, client)
            self.assertEqual(client["ClientSecret"], created["ClientSecret"])
            self.assertTrue(client["EnableTokenRevocation"])
            self.assertGreater(client["LastModifiedDate"], client["CreationDate"])

    def test_user_pool_client_oauth_checks(self):
        pool = self.user_pool("bank-m2m")["Id"]
        machine = {
            "ClientName": "bank-batch", "GenerateSecret": True, "AllowedOAuthFlows": ["client_credentials"],
            "AllowedOAuthFlowsUserPoolClient": True, "AllowedOAuthScopes": ["https://api.bank/read"],
        }
        error = self.error(lambda: self.cognito.create_user_pool_client(UserPoolId=pool, **machine))
        self.assertEqual(error, {"Code": "ScopeDoesNotExistException", "Message": "Invalid scope requested: https://api.bank/read"})
        self.cognito.create_resource_server(
            UserPoolId=pool, Identifier="https://api.bank", Name="api", Scopes=[{"ScopeName": "read", "ScopeDescription": "r"}]
        )
        client = self.cognito.create_user_pool_client(UserPoolId=pool, **machine)["UserPoolClient"]
        self.assertEqual(client["AllowedOAuthScopes"], ["https://api.bank/read"])
        for settings in [{**machine, "GenerateSecret": False}, {**machine, "AllowedOAuthFlows": ["client_credentials", "code"]}]:
            error = self.error(lambda: self.cognito.create_user_pool_client(UserPoolId=pool, **settings))
            self.assertEqual(error["Code"], "InvalidOAuthFlowException")
        error = self.error(lambda: self.cognito.update_user_pool_client(
            UserPoolId=pool, ClientId=client["ClientId"], AllowedOAuthScopes=["https://api.bank/write"]))
        self.assertEqual(error["Code"], "ScopeDoesNotExistException")

    # Organizations, from the management account 111111111111 (an assumed role there).

    def management_account(self):
        """Organizations and STS clients with credentials of account 111111111111, whose
        organization exists and has service control policies enabled; and its root's id."""
        credentials = self.sts.assume_role(
            RoleArn="arn:aws:iam::111111111111:role/OrganizationAccountAccessRole", RoleSessionName="bankinfra"
        )["Credentials"]
        organizations = self.client("organizations", region="us-east-1", credentials=credentials)
        try:
            organizations.create_organization(FeatureSet="ALL")
        except ClientError as error:
            self.assertEqual(error.response["Error"]["Code"], "AlreadyInOrganizationException")
        root = organizations.list_roots()["Roots"][0]
        if not root["PolicyTypes"]:
            organizations.enable_policy_type(RootId=root["Id"], PolicyType="SERVICE_CONTROL_POLICY")
        return organizations, self.client("sts", credentials=credentials), root["Id"]

    SCP = json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyUntaggedBuckets", "Effect": "Deny", "Action": ["s3:CreateBucket"], "Resource": "*",
            "Condition": {"Null": {"aws:RequestTag/owner": "true"}},
        }],
    }, indent=2)

    def test_assumed_role_acts_as_the_management_account(self):
        organizations, sts, root = self.management_account()
        identity = sts.get_caller_identity()
        self.assertEqual(identity["Account"], "111111111111")
        self.assertTrue(identity["Arn"].startswith(
            "arn:aws:sts::111111111111:assumed-role/OrganizationAccountAccessRole/"))
        organization = organizations.describe_organization()["Organization"]
        self.assertEqual((organization["MasterAccountId"], organization["FeatureSet"]), ("111111111111", "ALL"))
        self.assertEqual(organizations.list_roots()["Roots"][0]["PolicyTypes"],
                         [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}])
        error = self.error(lambda: organizations.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY"))
        self.assertEqual(error["Code"], "PolicyTypeAlreadyEnabledException")
        error = self.error(lambda: organizations.create_organization(FeatureSet="ALL"))
        self.assertEqual(error["Code"], "AlreadyInOrganizationException")

    def test_service_control_policy_lifecycle(self):
        organizations, _, root = self.management_account()
        policy = organizations.create_policy(
            Content=self.SCP, Description="Buckets need an owner", Name="require-owner-tag",
            Type="SERVICE_CONTROL_POLICY", Tags=[{"Key": "team", "Value": "platform"}],
        )["Policy"]
        policy_id = policy["PolicySummary"]["Id"]
        described = organizations.describe_policy(PolicyId=policy_id)["Policy"]
        self.assertEqual(described["Content"], self.SCP)  # as sent, not re-serialised
        self.assertEqual(
            (described["PolicySummary"]["Name"], described["PolicySummary"]["AwsManaged"]), ("require-owner-tag", False)
        )
        listed = organizations.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
        self.assertIn(policy_id, [p["Id"] for p in listed])
        error = self.error(lambda: organizations.create_policy(
            Content=self.SCP, Description="again", Name="require-owner-tag", Type="SERVICE_CONTROL_POLICY"))
        self.assertEqual(error["Code"], "DuplicatePolicyException")
        content = self.SCP.replace("owner", "cost-centre")
        updated = organizations.update_policy(PolicyId=policy_id, Content=content, Description="Cost centres")
        self.assertEqual((updated["Policy"]["Content"], updated["Policy"]["PolicySummary"]["Description"]),
                         (content, "Cost centres"))
        organizations.attach_policy(PolicyId=policy_id, TargetId=root)
        targets = organizations.list_targets_for_policy(PolicyId=policy_id)["Targets"]
        self.assertEqual([(t["TargetId"], t["Type"]) for t in targets], [(root, "ROOT")])
        error = self.error(lambda: organizations.delete_policy(PolicyId=policy_id))
        self.assertEqual(error["Code"], "PolicyInUseException")
        organizations.detach_policy(PolicyId=policy_id, TargetId=root)
        self.assertEqual(organizations.list_targets_for_policy(PolicyId=policy_id)["Targets"], [])
        organizations.tag_resource(ResourceId=policy_id, Tags=[{"Key": "stage", "Value": "dev"}])
        organizations.untag_resource(ResourceId=policy_id, TagKeys=["team"])
        tags = organizations.list_tags_for_resource(ResourceId=policy_id)["Tags"]
        self.assertEqual(tags, [{"Key": "stage", "Value": "dev"}])
        organizations.delete_policy(PolicyId=policy_id)
        for call in [
            lambda: organizations.describe_policy(PolicyId=policy_id),
            lambda: organizations.delete_policy(PolicyId=policy_id),
            lambda: organizations.update_policy(PolicyId=policy_id, Description="x"),
            lambda: organizations.attach_policy(PolicyId=policy_id, TargetId=root),
        ]:
            self.assertEqual(self.error(call)["Code"], "PolicyNotFoundException")
        error = self.error(lambda: organizations.list_tags_for_resource(ResourceId=policy_id))
        self.assertEqual(error["Code"], "TargetNotFoundException")

    def test_policy_attachment_errors(self):
        organizations, _, root = self.management_account()
        policy_id = organizations.create_policy(
            Content=self.SCP, Description="d", Name="attached-twice", Type="SERVICE_CONTROL_POLICY"
        )["Policy"]["PolicySummary"]["Id"]
        organizations.attach_policy(PolicyId=policy_id, TargetId=root)
        for call, code in [
            (lambda: organizations.attach_policy(PolicyId=policy_id, TargetId=root), "DuplicatePolicyAttachmentException"),
            (lambda: organizations.attach_policy(PolicyId=policy_id, TargetId="r-zzzz"), "TargetNotFoundException"),
            (lambda: organizations.attach_policy(PolicyId=policy_id, TargetId="999999999999"), "TargetNotFoundException"),
        ]:
            self.assertEqual(self.error(call)["Code"], code)
        organizations.detach_policy(PolicyId=policy_id, TargetId=root)
        error = self.error(lambda: organizations.detach_policy(PolicyId=policy_id, TargetId=root))
        self.assertEqual(error["Code"], "PolicyNotAttachedException")
        tag_policy = organizations.create_policy(
            Content='{"tags": {}}', Description="d", Name="tag-policy", Type="TAG_POLICY"
        )["Policy"]["PolicySummary"]["Id"]
        error = self.error(lambda: organizations.attach_policy(PolicyId=tag_policy, TargetId=root))
        self.assertEqual(error["Code"], "PolicyTypeNotEnabledException")
        for removed in (policy_id, tag_policy):
            organizations.delete_policy(PolicyId=removed)

    def test_policy_content_is_checked(self):
        organizations, _, _ = self.management_account()
        error = self.error(lambda: organizations.create_policy(
            Content="Deny everything", Description="d", Name="malformed", Type="SERVICE_CONTROL_POLICY"))
        self.assertEqual(error["Code"], "MalformedPolicyDocumentException")
        large = json.dumps({"Version": "2012-10-17", "Statement": [], "Padding": "x" * 5100})
        with self.assertRaises(ClientError) as ctx:
            organizations.create_policy(Content=large, Description="d", Name="large", Type="SERVICE_CONTROL_POLICY")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ConstraintViolationException")
        self.assertEqual(ctx.exception.response["Reason"], "POLICY_CONTENT_LIMIT_EXCEEDED")
        ids = [
            organizations.create_policy(
                Content=self.SCP, Description="d", Name=name, Type="SERVICE_CONTROL_POLICY"
            )["Policy"]["PolicySummary"]["Id"]
            for name in ("first-name", "second-name")
        ]
        error = self.error(lambda: organizations.update_policy(PolicyId=ids[1], Name="first-name"))
        self.assertEqual(error["Code"], "DuplicatePolicyException")
        error = self.error(lambda: organizations.update_policy(PolicyId=ids[1], Content="{"))
        self.assertEqual(error["Code"], "MalformedPolicyDocumentException")
        for policy_id in ids:
            organizations.delete_policy(PolicyId=policy_id)

    def test_organization_calls_from_outside_the_management_account(self):
        organizations, _, root = self.management_account()
        outsider = self.client("organizations", region="us-east-1")  # account 123456789012
        for call in [
            lambda: outsider.describe_organization(),
            lambda: outsider.list_roots(),
            lambda: outsider.list_policies(Filter="SERVICE_CONTROL_POLICY"),
            lambda: outsider.create_policy(Content=self.SCP, Description="d", Name="n", Type="SERVICE_CONTROL_POLICY"),
            lambda: outsider.describe_policy(PolicyId="p-FullAWSAccess"),
        ]:
            self.assertEqual(self.error(call)["Code"], "AWSOrganizationsNotInUseException")
        status = organizations.create_account(Email="member@bank.example", AccountName="member")
        member_id = status["CreateAccountStatus"]["AccountId"]
        credentials = self.sts.assume_role(
            RoleArn=f"arn:aws:iam::{member_id}:role/OrganizationAccountAccessRole", RoleSessionName="member"
        )["Credentials"]
        member = self.client("organizations", region="us-east-1", credentials=credentials)
        self.assertEqual(member.describe_organization()["Organization"]["MasterAccountId"], "111111111111")
        for call in [
            lambda: member.list_policies(Filter="SERVICE_CONTROL_POLICY"),
            lambda: member.attach_policy(PolicyId="p-FullAWSAccess", TargetId=root),
        ]:
            self.assertEqual(self.error(call)["Code"], "AccessDeniedException")

    def test_update_user_pool_keeps_username_attributes(self):
        pool = self.cognito.create_user_pool(PoolName="fixed-usernames", UsernameAttributes=["email"])["UserPool"]
        self.cognito.update_user_pool(UserPoolId=pool["Id"], AutoVerifiedAttributes=["email"])
        described = self.cognito.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
        self.assertEqual(described["UsernameAttributes"], ["email"])

    def create_bucket(self, s3, name):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-2"})

    def test_bucket_policy_denies_plain_http(self):
        self.create_bucket(self.s3, "policy-plain-http")
        key = self.kms.create_key()["KeyMetadata"]["Arn"]
        self.s3.put_object(Bucket="policy-plain-http", Key="before", Body=b"x")
        self.s3.put_bucket_policy(Bucket="policy-plain-http", Policy=bucket_policy("policy-plain-http", key))
        put = dict(Bucket="policy-plain-http", Key="k", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=key)
        for call in [
            lambda: self.s3.put_object(**put),
            lambda: self.s3.get_object(Bucket="policy-plain-http", Key="before"),
            lambda: self.s3.get_object(Bucket="policy-plain-http", Key="missing"),  # denied before NoSuchKey
            lambda: self.s3.head_object(Bucket="policy-plain-http", Key="before"),
            lambda: self.s3.delete_object(Bucket="policy-plain-http", Key="before"),
            lambda: self.s3.list_objects_v2(Bucket="policy-plain-http"),
            lambda: self.s3.head_bucket(Bucket="policy-plain-http"),
            lambda: self.s3.get_bucket_tagging(Bucket="policy-plain-http"),
            lambda: self.s3.delete_bucket(Bucket="policy-plain-http"),
        ]:
            access_denied(self, call)
        errors = self.s3.delete_objects(Bucket="policy-plain-http", Delete={"Objects": [{"Key": "before"}]})["Errors"]
        self.assertEqual([(e["Key"], e["Code"]) for e in errors], [("before", "AccessDenied")])
        # The bucket owner's root user may always read, replace and delete the bucket policy.
        self.assertIn("DenyInsecureTransport", self.s3.get_bucket_policy(Bucket="policy-plain-http")["Policy"])
        self.s3.delete_bucket_policy(Bucket="policy-plain-http")
        self.assertEqual(self.s3.get_object(Bucket="policy-plain-http", Key="before")["Body"].read(), b"x")
        self.s3.put_object(**put)

    def test_bucket_without_policy_takes_any_request(self):
        self.create_bucket(self.s3, "no-policy")
        self.s3.put_object(Bucket="no-policy", Key="plain", Body=b"x")
        self.s3.put_object(Bucket="no-policy", Key="aes", Body=b"x", ServerSideEncryption="AES256")
        self.assertEqual(self.s3.get_object(Bucket="no-policy", Key="plain")["Body"].read(), b"x")
        self.s3.delete_object(Bucket="no-policy", Key="plain")
        self.assertEqual([o["Key"] for o in self.s3.list_objects_v2(Bucket="no-policy")["Contents"]], ["aes"])
        error = self.error(lambda: self.s3.get_object(Bucket="no-policy", Key="plain"))
        self.assertEqual(error["Code"], "NoSuchKey")

    def test_bucket_policy_principals_actions_and_conditions(self):
        self.create_bucket(self.s3, "policy-operators")
        objects = "arn:aws:s3:::policy-operators/"
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:Put*",
             "Resource": objects + "shared/*", "Condition": {"StringNotLike": {"s3:x-amz-acl": "bucket-owner-*"}}},
            {"Effect": "Deny", "Principal": {"AWS": ["123456789012"]},
             "NotAction": ["s3:GetObject", "s3:PutObject", "s3:PutObjectAcl", "s3:ListBucket"],
             "NotResource": "arn:aws:s3:::policy-operators"},
            {"Effect": "Deny", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": objects + "*",
             "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:*:trail/*"},
                           "StringEqualsIfExists": {"aws:SourceAccount": "999999999999"}}},
            {"Effect": "Deny", "Principal": "*", "Action": "S3:GETOBJECT*", "Resource": objects + "secret/*",
             "Condition": {"Null": {"aws:SourceArn": "true"}, "Bool": {"aws:SecureTransport": False}}},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": objects + "tiered/*",
             "Condition": {"StringEquals": {"s3:x-amz-storage-class": ["GLACIER", "DEEP_ARCHIVE"]}}},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": objects + "audit/????",
             "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:root"}}},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": objects + "roles/*",
             "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}},
            {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::123456789012:role/reader"},
             "Action": "s3:PutObject", "Resource": objects + "*"},
        ]}
        self.s3.put_bucket_policy(Bucket="policy-operators", Policy=json.dumps(policy))
        bucket = {"Bucket": "policy-operators"}
        # StringNotLike: an absent key is "not like" too.
        self.s3.put_object(**bucket, Key="shared/a", Body=b"x", ACL="bucket-owner-full-control")
        access_denied(self, lambda: self.s3.put_object(**bucket, Key="shared/b", Body=b"x", ACL="private"))
        access_denied(self, lambda: self.s3.put_object(**bucket, Key="shared/c", Body=b"x"))
        # NotAction, NotResource: the object's other actions are denied, the bucket's are not.
        self.s3.put_object(**bucket, Key="open/x", Body=b"x")
        self.assertEqual(self.s3.get_object(**bucket, Key="open/x")["Body"].read(), b"x")  # no SourceArn
        tagging = {"TagSet": [{"Key": "a", "Value": "b"}]}
        access_denied(self, lambda: self.s3.put_object_tagging(**bucket, Key="open/x", Tagging=tagging))
        # An upload with tags needs s3:PutObjectTagging too.
        access_denied(self, lambda: self.s3.put_object(**bucket, Key="open/y", Body=b"x", Tagging="a=b"))
        access_denied(self, lambda: self.s3.delete_object(**bucket, Key="open/x"))
        self.assertEqual(self.s3.list_objects_v2(**bucket, Prefix="open/")["KeyCount"], 1)
        self.s3.put_bucket_tagging(**bucket, Tagging=tagging)
        # Keys ANDed: no SourceArn, so reads of secret/ over plain HTTP are denied.
        access_denied(self, lambda: self.s3.get_object(**bucket, Key="secret/x"))
        access_denied(self, lambda: self.s3.head_object(**bucket, Key="secret/x"))
        # Values ORed.
        self.s3.put_object(**bucket, Key="tiered/a", Body=b"x", StorageClass="STANDARD_IA")
        for storage_class in ("GLACIER", "DEEP_ARCHIVE"):
            access_denied(self, lambda: self.s3.put_object(**bucket, Key="tiered/b", Body=b"x", StorageClass=storage_class))
        # ARN conditions, and wildcards in Resource.
        access_denied(self, lambda: self.s3.put_object(**bucket, Key="audit/abcd", Body=b"x"))
        self.s3.put_object(**bucket, Key="audit/abcde", Body=b"x")
        self.s3.put_object(**bucket, Key="roles/a", Body=b"x")
        # A role's sessions are the role.
        credentials = self.sts.assume_role(
            RoleArn="arn:aws:iam::123456789012:role/reader", RoleSessionName="reader"
        )["Credentials"]
        reader = self.client("s3", credentials=credentials)
        self.assertEqual(reader.get_object(**bucket, Key="open/x")["Body"].read(), b"x")
        access_denied(self, lambda: reader.put_object(**bucket, Key="open/y", Body=b"x"))


class TlsLauncherTest(unittest.TestCase):
    """The launcher with --tls-dir: HTTPS with a certificate from the local CA it makes."""

    @classmethod
    def setUpClass(cls):
        cls.tls_dir = tempfile.mkdtemp(prefix="emulator-tls-")
        cls.ca = os.path.join(cls.tls_dir, "ca.pem")
        cls.port = free_port()
        # The launcher makes the CA before it serves, so the first requests cannot check it.
        cls.proc = start_launcher(
            cls.port, "--tls-dir", cls.tls_dir, scheme="https", context=ssl._create_unverified_context()
        )
        cls.s3 = cls.client("s3")
        cls.kms = cls.client("kms")

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=10)
        shutil.rmtree(cls.tls_dir, ignore_errors=True)

    @classmethod
    def client(cls, service):
        return boto3.client(
            service,
            endpoint_url=f"https://127.0.0.1:{cls.port}",
            region_name="ap-southeast-2",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            verify=cls.ca,
        )

    def test_https_with_a_certificate_of_the_local_ca(self):
        self.assertEqual(
            sorted(os.listdir(self.tls_dir)), [".lock", "ca.pem", "server-key.pem", "server.pem"]
        )
        context = ssl.create_default_context(cafile=self.ca)
        for host in ("127.0.0.1", "localhost"):
            with urllib.request.urlopen(f"https://{host}:{self.port}/moto-api/", context=context, timeout=5) as r:
                self.assertEqual(r.status, 200)
        with self.assertRaises(urllib.error.URLError):  # not trusted without the local CA
            urllib.request.urlopen(
                f"https://127.0.0.1:{self.port}/moto-api/", context=ssl.create_default_context(), timeout=5
            )
        # The files are made once: the same directory gives the same certificate.
        sys.path.insert(0, HERE)
        try:
            from local_ca import server_certificate
        finally:
            sys.path.remove(HERE)
        with open(os.path.join(self.tls_dir, "server.pem"), "rb") as f:
            served = f.read()
        certificate, key = server_certificate(self.tls_dir)
        self.assertEqual((certificate, key), tuple(os.path.join(self.tls_dir, n) for n in ("server.pem", "server-key.pem")))
        with open(certificate, "rb") as f:
            self.assertEqual(f.read(), served)

    def test_bucket_policy_over_tls(self):
        self.s3.create_bucket(Bucket="policy-tls", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-2"})
        self.s3.put_bucket_versioning(Bucket="policy-tls", VersioningConfiguration={"Status": "Enabled"})
        key = self.kms.create_key()["KeyMetadata"]["Arn"]
        other = self.kms.create_key()["KeyMetadata"]["Arn"]
        self.s3.put_bucket_policy(Bucket="policy-tls", Policy=bucket_policy("policy-tls", key))
        put = {"Bucket": "policy-tls", "Key": "reports/q1.csv", "Body": b"x"}
        for encryption in [
            {},
            {"ServerSideEncryption": "AES256"},
            {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": other},
            {"ServerSideEncryption": "aws:kms"},  # StringNotEqualsIfExists: an absent key id is denied
        ]:
            access_denied(self, lambda: self.s3.put_object(**put, **encryption))
        version = self.s3.put_object(**put, ServerSideEncryption="aws:kms", SSEKMSKeyId=key)["VersionId"]
        self.assertEqual(self.s3.get_object(Bucket="policy-tls", Key="reports/q1.csv")["Body"].read(), b"x")
        self.s3.head_object(Bucket="policy-tls", Key="reports/q1.csv")
        self.assertEqual(self.s3.list_objects_v2(Bucket="policy-tls")["KeyCount"], 1)
        self.s3.put_object_tagging(
            Bucket="policy-tls", Key="reports/q1.csv", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}
        )
        access_denied(self, lambda: self.s3.delete_object(Bucket="policy-tls", Key="reports/q1.csv"))
        access_denied(
            self, lambda: self.s3.delete_object(Bucket="policy-tls", Key="reports/q1.csv", VersionId=version)
        )
        errors = self.s3.delete_objects(
            Bucket="policy-tls", Delete={"Objects": [{"Key": "reports/q1.csv"}]}
        )["Errors"]
        self.assertEqual([e["Code"] for e in errors], ["AccessDenied"])
        versions = self.s3.list_object_versions(Bucket="policy-tls")
        self.assertEqual([v["VersionId"] for v in versions["Versions"]], [version])
        self.assertNotIn("DeleteMarkers", versions)

if __name__ == "__main__":
    unittest.main()


class ServeWithoutNagleTest(unittest.TestCase):
    def test_connections_are_served_with_tcp_nodelay(self):
        import socket
        import socketserver
        import threading

        from werkzeug.serving import WSGIRequestHandler

        sys.path.insert(0, HERE)
        import launch

        launch.patch_serve_without_nagle()
        self.assertTrue(WSGIRequestHandler.disable_nagle_algorithm)
        # The handler class applies it to each accepted socket (socketserver's StreamRequestHandler).
        seen = []

        class Probe(WSGIRequestHandler):
            def handle(self):
                seen.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        with socketserver.TCPServer(("127.0.0.1", 0), Probe) as server:
            thread = threading.Thread(target=server.handle_request)
            thread.start()
            socket.create_connection(server.server_address).close()
            thread.join(5)
        self.assertEqual(len(seen), 1)
        self.assertNotEqual(seen[0], 0)
