"""Tests of the emulator's fixes, against a launcher started on a free port.

Run: python3 -m unittest emulator/test_launch.py
"""

import os
import socket
import subprocess
import sys
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


class LauncherTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "launch.py"), "--port", str(cls.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{cls.port}/moto-api/"
        for _ in range(150):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("emulator did not start")
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

    @classmethod
    def client(cls, service, region="ap-southeast-2", validate=True):
        return boto3.client(
            service,
            endpoint_url=f"http://127.0.0.1:{cls.port}",
            region_name=region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(parameter_validation=validate),
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


if __name__ == "__main__":
    unittest.main()

