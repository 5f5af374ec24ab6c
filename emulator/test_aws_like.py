"""Tests of the emulator's AWS-like mode (aws_like/), over HTTPS with boto3, retries off.

Four launchers start together: the mode on with a test profile (short, fixed windows and
latencies so each behaviour shows within a second or two), the mode off, and two with one seed
and the default shapes (scaled down) to show that a seed reproduces its draws.

Run: python3 -m unittest emulator/test_aws_like.py
"""

import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from aws_like import latency, profile, throttle  # noqa: E402
from local_ca import server_certificate  # noqa: E402
from test_launch import free_port  # noqa: E402

ACCOUNT = "123456789012"
REGION = "ap-southeast-2"
WINDOW = 1.0  # every create-then-use window of the test profile, in seconds
ROLE_WINDOW = 2.5  # a new role's, long enough to make a resource first and still see the role hidden
SLOW_MS = 400  # the fixed latency of the operations the conflict tests overlap
TEST_PROFILE = {
    "latency": {
        "classes": {"read": {"median_ms": 2, "max_ms": 5}, "write": {"median_ms": 2, "max_ms": 5},
                    "create": {"median_ms": 3, "max_ms": 6}},
        "services": None,
        "operations": {
            "sts:GetCallerIdentity": {"median_ms": 300, "max_ms": 300, "sigma": 0},
            **{f"s3:{op}": {"median_ms": SLOW_MS, "max_ms": SLOW_MS, "sigma": 0}
               for op in ("PutBucketTagging", "PutBucketVersioning", "PutBucketEncryption")},
            **{f"iam:{op}": {"median_ms": SLOW_MS, "max_ms": SLOW_MS, "sigma": 0}
               for op in ("PutRolePolicy", "AttachRolePolicy", "TagRole")},
        },
    },
    "windows": {"kms_key": [WINDOW, WINDOW], "vpc": [WINDOW, WINDOW], "subnet": [WINDOW, WINDOW],
                "internet_gateway": [WINDOW, WINDOW], "route_table": [WINDOW, WINDOW],
                "iam_role": [ROLE_WINDOW, ROLE_WINDOW]},
    "firehose": {"creating_s": [WINDOW, WINDOW],
                 "fail": [{"name_pattern": "*-broken", "type": "INVALID_KMS_KEY",
                           "details": "The KMS key is not valid."}]},
    "organizations": {"pending_enable_s": [WINDOW, WINDOW]},
    # One rarely used operation per service gets a bucket of 2 tokens refilled at 0.5/s; the
    # rest keep the defaults (IAM's writes raised so the tests' own edits never throttle).
    "rate_limits": {"services": {
        "kms": {"operations": {"ListKeys": [0.5, 2]}},
        "ssm": {"operations": {"GetParametersByPath": [0.5, 2]}},
        "logs": {"operations": {"DescribeMetricFilters": [0.5, 2]}},
        "ec2": {"operations": {"DescribeRegions": [0.5, 2]}},
        "iam": {"write": [50, 50], "operations": {"ListAccountAliases": [0.5, 2]}},
        "organizations": {"operations": {"ListAWSServiceAccessForOrganization": [0.5, 2]}},
        "cognito-idp": {"operations": {"ListUserPools": [0.5, 2]}},
        "cloudtrail": {"write": [5, 5], "operations": {"ListTrails": [0.5, 2]}},
        "firehose": {"operations": {"ListDeliveryStreams": [0.5, 2]}},
        "s3": {"operations": {"GetBucketLocation": [0.5, 2]}},
        "sns": {"operations": {"ListTopics": [0.5, 2]}},
        "events": {"operations": {"ListEventBuses": [0.5, 2]}},
        "xray": {"operations": {"GetSamplingRules": [0.5, 2]}},
    }},
    "foreign": {"log_groups": 120, "ssm_parameters": 120, "iam_roles": 150, "kms_keys": 120,
                "s3_buckets": 30},
}
# The default shapes scaled down, a little of everything foreign: for the seed tests.
SEED_PROFILE = {
    "latency": {"scale": 0.1},
    "windows": {"scale": 0.2},
    "foreign": {"log_groups": 60, "ssm_parameters": 10, "iam_roles": 10, "kms_keys": 3,
                "s3_buckets": 5},
}
NO_RETRIES = Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"})

launchers = {}
tls_dir = None


def setUpModule():
    global tls_dir
    tls_dir = tempfile.mkdtemp(prefix="aws-like-")
    server_certificate(tls_dir)  # made once here, so the launchers starting together share it
    profiles = {}
    for name, content in (("test", TEST_PROFILE), ("seed", SEED_PROFILE)):
        profiles[name] = os.path.join(tls_dir, f"{name}.json")
        with open(profiles[name], "w") as f:
            json.dump(content, f)
    flags = {
        "on": ["--aws-like", "16", "--aws-like-profile", profiles["test"],
               "--request-log", os.path.join(tls_dir, "requests.jsonl")],
        "off": [],
        "seed-a": ["--aws-like", "4242", "--aws-like-profile", profiles["seed"]],
        "seed-b": ["--aws-like-profile", profiles["seed"], "--aws-like", "4242"],
    }
    for name, extra in flags.items():
        port = free_port()
        log = open(os.path.join(tls_dir, f"{name}.log"), "w")
        proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "launch.py"), "--port", str(port),
             "--tls-dir", tls_dir, *extra],
            stdout=log, stderr=subprocess.STDOUT,
        )
        launchers[name] = (proc, port, log)
    context = ssl.create_default_context(cafile=os.path.join(tls_dir, "ca.pem"))
    for name, (proc, port, _) in launchers.items():
        for _ in range(300):
            try:
                urllib.request.urlopen(f"https://127.0.0.1:{port}/moto-api/", timeout=1, context=context)
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
        else:
            raise RuntimeError(f"launcher {name} did not start")
        if proc.poll() is not None:
            raise RuntimeError(f"launcher {name} exited: see {tls_dir}/{name}.log")


def tearDownModule():
    for proc, _, log in launchers.values():
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
    shutil.rmtree(tls_dir, ignore_errors=True)


def client(launcher, service, region=REGION):
    return boto3.client(
        service, endpoint_url=f"https://127.0.0.1:{launchers[launcher][1]}", region_name=region,
        aws_access_key_id="test", aws_secret_access_key="test", verify=os.path.join(tls_dir, "ca.pem"),
        config=NO_RETRIES,
    )


def state(launcher):
    context = ssl.create_default_context(cafile=os.path.join(tls_dir, "ca.pem"))
    url = f"https://127.0.0.1:{launchers[launcher][1]}/_aws_like/state"
    with urllib.request.urlopen(url, timeout=5, context=context) as response:
        return json.loads(response.read())


def raw_bodies(boto_client):
    """The raw bodies and headers of boto_client's answers, in order, before botocore parses."""
    seen = []
    boto_client.meta.events.register(
        "before-parse", lambda response_dict, **_: seen.append(response_dict)
    )
    return seen


class AwsLikeTest(unittest.TestCase):
    def refused(self, call, status, code, message=None):
        """Asserts call fails with HTTP status and error code (and message); the error."""
        with self.assertRaises(ClientError) as ctx:
            call()
        response = ctx.exception.response
        self.assertEqual((response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]),
                         (status, code), response)
        if message is not None:
            self.assertEqual(response["Error"]["Message"], message)
        return response

    @staticmethod
    def trust(principal):
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole",
        }]})

    @staticmethod
    def policy(principal, action, resource="*"):
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": principal}, "Action": action, "Resource": resource,
        }]})

    def overlapping(self, calls):
        """Runs calls at once, in a fixed order 50 ms apart; for each, None or its error
        (HTTP status, code, message)."""
        results = [None] * len(calls)
        barrier = threading.Barrier(len(calls))

        def run(index, call):
            barrier.wait()
            time.sleep(index * 0.05)  # a fixed arrival order
            try:
                call()
            except ClientError as error:
                results[index] = (error.response["ResponseMetadata"]["HTTPStatusCode"],
                                  error.response["Error"]["Code"], error.response["Error"]["Message"])

        threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results


class LatencyTest(AwsLikeTest):
    """Behaviour 1."""

    def test_each_request_waits_its_drawn_latency(self):
        sts = client("on", "sts")
        started = time.monotonic()
        sts.get_caller_identity()
        self.assertGreaterEqual(time.monotonic() - started, 0.29)
        draws = [d for d in state("on")["draws"] if d[0] == "latency/sts/GetCallerIdentity"]
        self.assertTrue(draws)
        self.assertTrue(all(value == 300 for _, _, value in draws))

    def test_default_profile_classes(self):
        defaults = profile.load()

        class Call:
            def __init__(self, service, operation, mutating):
                self.service, self.operation, self.mutating = service, operation, mutating

        def median(service, operation, mutating=True):
            return latency.settings(defaults, Call(service, operation, mutating))["median_ms"]

        self.assertLess(median("kms", "DescribeKey", False), 50)  # reads: tens of ms
        self.assertTrue(100 <= median("iam", "PutRolePolicy") <= 300)  # IAM writes
        self.assertTrue(100 <= median("iam", "CreateRole") <= 300)
        self.assertGreater(median("cloudtrail", "CreateTrail"), median("cloudtrail", "UpdateTrail"))
        draws = profile.Draws(1)
        values = [draws.lognormal_ms("s", 25, 0.45, 400) for _ in range(500)]
        self.assertTrue(all(0 < v <= 400 for v in values))
        self.assertTrue(15 < sorted(values)[250] < 40)  # the median is the profile's
        # A profile scales everything down, and merges into the defaults key by key.
        scaled = profile.merge(defaults, {"latency": {"scale": 0.01}})
        self.assertEqual(scaled["latency"]["classes"], defaults["latency"]["classes"])
        self.assertEqual(scaled["latency"]["scale"], 0.01)


class CreateThenUseTest(AwsLikeTest):
    """Behaviour 2."""

    def test_kms_key_not_found_until_its_window_ends(self):
        kms = client("on", "kms")
        bodies = raw_bodies(kms)
        key = kms.create_key()["KeyMetadata"]
        missing = f"Key '{key['Arn']}' does not exist"
        calls = [
            lambda: kms.create_alias(AliasName="alias/audit", TargetKeyId=key["KeyId"]),
            lambda: kms.enable_key_rotation(KeyId=key["KeyId"]),
            lambda: kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default",
                                       Policy=self.policy(f"arn:aws:iam::{ACCOUNT}:root", "kms:*")),
            lambda: kms.tag_resource(KeyId=key["Arn"], Tags=[{"TagKey": "a", "TagValue": "b"}]),
            lambda: kms.describe_key(KeyId=key["Arn"]),
        ]
        for call in calls:
            self.refused(call, 400, "NotFoundException", missing)
        self.assertEqual(json.loads(bodies[-1]["body"])["__type"], "NotFoundException")
        time.sleep(WINDOW)
        for call in calls:
            call()
        self.assertEqual(kms.describe_key(KeyId="alias/audit")["KeyMetadata"]["KeyId"], key["KeyId"])

    def test_ec2_resources_not_found_until_their_windows_end(self):
        ec2 = client("on", "ec2")
        bodies = raw_bodies(ec2)
        vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        missing = f"The vpc ID '{vpc}' does not exist"
        for call in (
            lambda: ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True}),
            lambda: ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24"),
            lambda: ec2.create_route_table(VpcId=vpc),
            lambda: ec2.describe_vpcs(VpcIds=[vpc]),
        ):
            self.refused(call, 400, "InvalidVpcID.NotFound", missing)
        self.assertIn(b"<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code>", bodies[-1]["body"])
        time.sleep(WINDOW)
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.refused(lambda: ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc), 400,
                     "InvalidInternetGatewayID.NotFound", f"The internetGateway ID '{gateway}' does not exist")
        self.refused(lambda: ec2.describe_route_tables(RouteTableIds=[table]), 400,
                     "InvalidRouteTableID.NotFound", f"The routeTable ID '{table}' does not exist")
        self.refused(lambda: ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": False}),
                     400, "InvalidSubnetID.NotFound", f"The subnet ID '{subnet}' does not exist")
        self.refused(lambda: ec2.create_tags(Resources=[subnet], Tags=[{"Key": "a", "Value": "b"}]),
                     400, "InvalidSubnetID.NotFound")
        # Filters are not IDs: a filtered Describe answers (moto's) list, as AWS answers a list.
        ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
        time.sleep(WINDOW)
        ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
        ec2.create_tags(Resources=[subnet], Tags=[{"Key": "a", "Value": "b"}])


class NewPrincipalTest(AwsLikeTest):
    """Behaviour 3."""

    def test_new_role_is_invisible_to_policies_and_services_until_propagated(self):
        kms, s3, iam, sqs, sns = (client("on", s) for s in ("kms", "s3", "iam", "sqs", "sns"))
        firehose, cloudtrail = client("on", "firehose"), client("on", "cloudtrail")
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        s3.create_bucket(Bucket="principal-data", CreateBucketConfiguration={"LocationConstraint": REGION})
        queue = sqs.create_queue(QueueName="principal-queue")["QueueUrl"]
        topic = sns.create_topic(Name="principal-topic")["TopicArn"]
        trust = self.trust(f"arn:aws:iam::{ACCOUNT}:root")
        role = iam.create_role(RoleName="new-reader", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        created = time.monotonic()
        iam.get_role(RoleName="new-reader")  # IAM itself sees its new role at once
        time.sleep(WINDOW)  # the key is visible now; the role is not yet
        key_policy = self.policy([f"arn:aws:iam::{ACCOUNT}:root", role], "kms:*")
        bucket_policy = self.policy(role, "s3:GetObject", "arn:aws:s3:::principal-data/*")
        queue_policy = self.policy(role, "sqs:SendMessage")
        topic_policy = self.policy(role, "sns:Publish", topic)
        destination = {"RoleARN": role, "BucketARN": "arn:aws:s3:::principal-data"}
        sqs_bodies = raw_bodies(sqs)
        calls = [
            (lambda: kms.create_key(Policy=key_policy), 400, "MalformedPolicyDocumentException",
             "Policy contains a statement with one or more invalid principals."),
            (lambda: kms.put_key_policy(KeyId=key, PolicyName="default", Policy=key_policy), 400,
             "MalformedPolicyDocumentException", None),
            (lambda: s3.put_bucket_policy(Bucket="principal-data", Policy=bucket_policy), 400,
             "MalformedPolicy", "Invalid principal in policy"),
            (lambda: iam.create_role(RoleName="assumer", AssumeRolePolicyDocument=self.trust(role)),
             400, "MalformedPolicyDocument", f'Invalid principal in policy: "AWS":"{role}"'),
            (lambda: iam.update_assume_role_policy(RoleName="new-reader", PolicyDocument=self.trust(role)),
             400, "MalformedPolicyDocument", f'Invalid principal in policy: "AWS":"{role}"'),
            (lambda: sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": queue_policy}), 400,
             "InvalidAttributeValue", "Invalid value for the parameter Policy."),
            (lambda: sqs.create_queue(QueueName="principal-queue-2", Attributes={"Policy": queue_policy}),
             400, "InvalidAttributeValue", None),
            (lambda: sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=topic_policy),
             400, "InvalidParameter", "Invalid parameter: Policy Error: PrincipalNotFound"),
            (lambda: sns.create_topic(Name="principal-topic-2", Attributes={"Policy": topic_policy}), 400,
             "InvalidParameter", None),
            (lambda: firehose.create_delivery_stream(DeliveryStreamName="principal-stream",
                                                     ExtendedS3DestinationConfiguration=destination),
             400, "InvalidArgumentException",
             f"Firehose is unable to assume role {role}. Please check the role provided."),
            (lambda: cloudtrail.create_trail(
                Name="principal-trail", S3BucketName="principal-data",
                CloudWatchLogsLogGroupArn=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:trail:*",
                CloudWatchLogsRoleArn=role),
             400, "InvalidCloudWatchLogsLogGroupArnException",
             "Access denied. Verify in IAM that the role has adequate permissions."),
        ]
        for call, status, code, message in calls:
            self.refused(call, status, code, message)
        self.assertLess(time.monotonic() - created, ROLE_WINDOW, "too slow to see the window")
        # SQS's awsJson errors carry the query code too (awsQueryCompatible).
        self.assertEqual(sqs_bodies[-1]["headers"].get("x-amzn-query-error"), "InvalidAttributeValue;Sender")
        time.sleep(max(ROLE_WINDOW - (time.monotonic() - created), 0) + 0.05)
        for call, *_ in calls:
            call()
        self.assertIn(role, s3.get_bucket_policy(Bucket="principal-data")["Policy"])


class BucketConflictTest(AwsLikeTest):
    """Behaviour 4."""

    def test_overlapping_configuration_calls_on_one_bucket(self):
        s3 = client("on", "s3")
        for name in ("conflict-a", "conflict-b"):
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        tagging = lambda name: lambda: s3.put_bucket_tagging(  # noqa: E731
            Bucket=name, Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
        versioning = lambda: s3.put_bucket_versioning(  # noqa: E731
            Bucket="conflict-a", VersioningConfiguration={"Status": "Enabled"})
        results = self.overlapping([tagging("conflict-a"), versioning])
        self.assertIsNone(results[0])
        self.assertEqual(results[1], (409, "OperationAborted", "A conflicting conditional operation is "
                                      "currently in progress against this resource. Please try again."))
        # Other buckets, reads and objects do not conflict; one call at a time never does.
        self.assertEqual(self.overlapping([
            tagging("conflict-a"), tagging("conflict-b"),
            lambda: s3.get_bucket_location(Bucket="conflict-a"),
            lambda: s3.put_object(Bucket="conflict-a", Key="k", Body=b"x"),
        ]), [None] * 4)
        versioning()
        tagging("conflict-a")()
        self.assertEqual(s3.get_bucket_versioning(Bucket="conflict-a")["Status"], "Enabled")


class AsynchronousStatesTest(AwsLikeTest):
    """Behaviours 5 and 6."""

    def test_firehose_stream_is_creating_before_active(self):
        s3, firehose = client("on", "s3"), client("on", "firehose")
        s3.create_bucket(Bucket="stream-data", CreateBucketConfiguration={"LocationConstraint": REGION})
        destination = {"RoleARN": f"arn:aws:iam::{ACCOUNT}:role/firehose-delivery",
                       "BucketARN": "arn:aws:s3:::stream-data"}
        for name in ("audit", "audit-broken"):
            firehose.create_delivery_stream(DeliveryStreamName=name, DeliveryStreamType="DirectPut",
                                            ExtendedS3DestinationConfiguration=destination)
        described = firehose.describe_delivery_stream(DeliveryStreamName="audit")["DeliveryStreamDescription"]
        self.assertEqual(described["DeliveryStreamStatus"], "CREATING")
        in_use = [
            lambda name: firehose.update_destination(
                DeliveryStreamName=name, CurrentDeliveryStreamVersionId="1",
                DestinationId="destinationId-000000000001",
                ExtendedS3DestinationUpdate={"Prefix": "logs/"}),
            lambda name: firehose.start_delivery_stream_encryption(DeliveryStreamName=name),
            lambda name: firehose.stop_delivery_stream_encryption(DeliveryStreamName=name),
            lambda name: firehose.tag_delivery_stream(DeliveryStreamName=name, Tags=[{"Key": "a", "Value": "b"}]),
        ]
        for call in [*in_use, lambda name: firehose.delete_delivery_stream(DeliveryStreamName=name)]:
            self.refused(lambda: call("audit"), 400, "ResourceInUseException")
        time.sleep(WINDOW)
        self.assertEqual(firehose.describe_delivery_stream(DeliveryStreamName="audit")
                         ["DeliveryStreamDescription"]["DeliveryStreamStatus"], "ACTIVE")
        for call in in_use:
            call("audit")
        broken = firehose.describe_delivery_stream(DeliveryStreamName="audit-broken")["DeliveryStreamDescription"]
        self.assertEqual(broken["DeliveryStreamStatus"], "CREATING_FAILED")
        self.assertEqual(broken["FailureDescription"], {"Type": "INVALID_KMS_KEY", "Details": "The KMS key is not valid."})
        self.refused(lambda: in_use[3]("audit-broken"), 400, "ResourceInUseException")
        firehose.delete_delivery_stream(DeliveryStreamName="audit-broken")  # a failed stream can go

    def test_policy_type_pending_enable_before_enabled(self):
        organizations = client("on", "organizations", region="us-east-1")
        organizations.create_organization(FeatureSet="ALL")
        root = organizations.list_roots()["Roots"][0]["Id"]
        answer = organizations.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
        self.assertEqual(answer["Root"]["PolicyTypes"], [{"Type": "SERVICE_CONTROL_POLICY", "Status": "PENDING_ENABLE"}])
        policy = organizations.create_policy(
            Name="deny-leave", Description="", Type="SERVICE_CONTROL_POLICY",
            Content=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}),
        )["Policy"]["PolicySummary"]["Id"]
        self.refused(lambda: organizations.attach_policy(PolicyId=policy, TargetId=root), 400,
                     "PolicyTypeNotEnabledException")
        time.sleep(WINDOW)
        self.assertEqual(organizations.list_roots()["Roots"][0]["PolicyTypes"],
                         [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}])
        organizations.attach_policy(PolicyId=policy, TargetId=root)


class ThrottlingTest(AwsLikeTest):
    """Behaviour 7: the third call in a row exceeds a bucket of 2, in each service's wire format."""

    def test_each_service_answers_its_throttling_error(self):
        cases = [
            ("kms", lambda c: c.list_keys(), 400, "ThrottlingException"),
            ("ssm", lambda c: c.get_parameters_by_path(Path="/x"), 400, "ThrottlingException"),
            ("logs", lambda c: c.describe_metric_filters(), 400, "ThrottlingException"),
            ("ec2", lambda c: c.describe_regions(), 503, "RequestLimitExceeded"),
            ("iam", lambda c: c.list_account_aliases(), 400, "Throttling"),
            ("organizations", lambda c: c.list_aws_service_access_for_organization(), 400,
             "TooManyRequestsException"),
            ("cognito-idp", lambda c: c.list_user_pools(MaxResults=10), 400, "TooManyRequestsException"),
            ("cloudtrail", lambda c: c.list_trails(), 400, "ThrottlingException"),
            ("firehose", lambda c: c.list_delivery_streams(), 400, "LimitExceededException"),
            ("s3", lambda c: c.get_bucket_location(Bucket="throttled"), 503, "SlowDown"),
            ("sns", lambda c: c.list_topics(), 429, "Throttled"),
            ("events", lambda c: c.list_event_buses(), 400, "ThrottlingException"),
            ("xray", lambda c: c.get_sampling_rules(), 429, "ThrottledException"),
        ]
        s3 = client("on", "s3")
        s3.create_bucket(Bucket="throttled", CreateBucketConfiguration={"LocationConstraint": REGION})
        for service, call, status, code in cases:
            with self.subTest(service=service):
                region = "us-east-1" if service == "organizations" else REGION
                boto = client("on", service, region=region)
                for _ in range(2):
                    try:
                        call(boto)
                    except ClientError as error:  # e.g. no organization: answered, not throttled
                        self.assertNotIn("Throttl", error.response["Error"]["Code"])
                self.refused(lambda: call(boto), status, code)
        kms = client("on", "kms")
        # Empty the bucket again (the other services' cases gave it time to refill), then one
        # token comes back after 2.1 s at 0.5 tokens a second.
        calls, refusals = 3, 1
        while True:
            calls += 1
            try:
                kms.list_keys()
            except ClientError as error:
                self.assertEqual(error.response["Error"]["Code"], "ThrottlingException")
                refusals += 1
                break
        time.sleep(2.1)
        kms.list_keys()
        self.refused(kms.list_keys, 400, "ThrottlingException",
                     "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.")
        calls, refusals = calls + 2, refusals + 1
        # The request log (outside the mode) still records every request, refused ones too.
        with open(os.path.join(tls_dir, "requests.jsonl")) as f:
            logged = [json.loads(line) for line in f]
        self.assertEqual(sum(1 for entry in logged if entry["operation"] == "ListKeys"), calls)
        # The state page counts the throttling errors answered, per operation.
        self.assertEqual(state("on")["throttled"]["kms:ListKeys"], refusals)

    def test_default_limits_follow_the_documented_quotas(self):
        limits = throttle.limits_for(profile.load())
        self.assertEqual(limits["ec2"]["read"], [20, 100])
        self.assertEqual(limits["ec2"]["write"], [5, 200])
        self.assertEqual(limits["ssm"]["operations"]["GetParameter|GetParameters|GetParametersByPath"], [40, 40])
        self.assertEqual(limits["kms"]["write"], [5, 5])
        self.assertEqual(limits["kms"]["operations"]["DescribeKey"], [2000, 2000])
        self.assertEqual(limits["logs"]["read"], [10, 10])
        self.assertTrue(all(limits[s]["write"][0] <= 5 for s in ("iam", "organizations", "cognito-idp", "cloudtrail")))


class RoleConflictTest(AwsLikeTest):
    """Behaviour 8."""

    def test_overlapping_edits_of_one_role(self):
        iam = client("on", "iam")
        trust = self.trust(f"arn:aws:iam::{ACCOUNT}:root")
        for name in ("edited", "other"):
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        edits = [
            lambda: iam.put_role_policy(RoleName="edited", PolicyName="read",
                                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                                            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})),
            lambda: iam.attach_role_policy(RoleName="edited", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"),
            lambda: iam.tag_role(RoleName="edited", Tags=[{"Key": "a", "Value": "b"}]),
        ]
        conflict = (409, "ConcurrentModification", "The request was rejected because multiple requests to "
                    "change this object were submitted simultaneously. Wait a few minutes and submit your "
                    "request again.")
        self.assertEqual(self.overlapping(edits), [None, conflict, conflict])
        self.assertEqual(self.overlapping([
            lambda: iam.tag_role(RoleName="edited", Tags=[{"Key": "c", "Value": "d"}]),
            lambda: iam.tag_role(RoleName="other", Tags=[{"Key": "c", "Value": "d"}]),
            lambda: iam.get_role(RoleName="edited"),
        ]), [None] * 3)
        for edit in edits:
            edit()
        self.assertEqual(len(iam.list_attached_role_policies(RoleName="edited")["AttachedPolicies"]), 1)


class ForeignResourcesTest(AwsLikeTest):
    """Behaviour 9."""

    def test_reads_page_through_resources_that_are_not_ours(self):
        logs, ssm, iam = client("on", "logs"), client("on", "ssm"), client("on", "iam")
        kms, s3 = client("on", "kms"), client("on", "s3")
        first = logs.describe_log_groups()
        self.assertEqual(len(first["logGroups"]), 50)
        self.assertIn("nextToken", first)
        groups = [g for p in logs.get_paginator("describe_log_groups").paginate() for g in p["logGroups"]]
        self.assertGreaterEqual(len(groups), 120)
        page = ssm.describe_parameters(MaxResults=50)
        self.assertEqual(len(page["Parameters"]), 50)
        self.assertIn("NextToken", page)
        roles = iam.list_roles()
        self.assertTrue(roles["IsTruncated"])
        self.assertEqual(len(roles["Roles"]), 100)
        everything = [r for p in iam.get_paginator("list_roles").paginate() for r in p["Roles"]]
        self.assertGreaterEqual(len(everything), 150)
        self.assertGreaterEqual(len(kms.list_aliases()["Aliases"]), 100)
        self.assertGreaterEqual(len(s3.list_buckets()["Buckets"]), 30)
        tags = iam.list_role_tags(RoleName=everything[0]["RoleName"])["Tags"]
        self.assertEqual({t["Key"] for t in tags}, {"team", "managed-by", "cost-centre"})
        self.assertFalse(any(t["Key"].startswith("bankinfra:") for t in tags))
        made = state("on")["foreign"]
        self.assertEqual(made["made"]["log_groups"], 120)
        self.assertLess(made["seconds"], 10)

    def test_default_counts(self):
        foreign = profile.load()["foreign"]
        self.assertEqual((foreign["log_groups"], foreign["ssm_parameters"]), (5000, 5000))
        self.assertTrue(all(100 <= foreign[k] < 1000 for k in ("iam_roles", "kms_keys", "s3_buckets")))


class OffByDefaultTest(AwsLikeTest):
    """Without --aws-like the emulator is as it was: no latency, no windows, no states, nothing
    foreign, no state page."""

    def test_no_latency_no_windows(self):
        sts, kms, ec2, iam = (client("off", s) for s in ("sts", "kms", "ec2", "iam"))
        started = time.monotonic()
        for _ in range(5):
            sts.get_caller_identity()
        self.assertLess((time.monotonic() - started) / 5, 0.15)
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/at-once", TargetKeyId=key)
        vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
        ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.1.0/24")
        trust = self.trust(f"arn:aws:iam::{ACCOUNT}:root")
        role = iam.create_role(RoleName="at-once", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        kms.put_key_policy(KeyId=key, PolicyName="default",
                           Policy=self.policy([f"arn:aws:iam::{ACCOUNT}:root", role], "kms:*"))
        self.assertEqual([r["RoleName"] for r in iam.list_roles()["Roles"]], ["at-once"])
        with self.assertRaises(urllib.error.HTTPError):
            state("off")

    def test_no_asynchronous_states_no_throttling(self):
        s3, firehose, kms = client("off", "s3"), client("off", "firehose"), client("off", "kms")
        s3.create_bucket(Bucket="off-data", CreateBucketConfiguration={"LocationConstraint": REGION})
        firehose.create_delivery_stream(DeliveryStreamName="off", ExtendedS3DestinationConfiguration={
            "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/r", "BucketARN": "arn:aws:s3:::off-data"})
        self.assertEqual(firehose.describe_delivery_stream(DeliveryStreamName="off")
                         ["DeliveryStreamDescription"]["DeliveryStreamStatus"], "ACTIVE")
        for _ in range(20):
            kms.list_keys()


class SeedTest(AwsLikeTest):
    """The same seed gives the same draws for the same request sequence; another seed does not."""

    def sequence(self, launcher):
        sts, kms, ec2, iam = (client(launcher, s) for s in ("sts", "kms", "ec2", "iam"))
        for _ in range(3):
            sts.get_caller_identity()
        for _ in range(2):
            kms.create_key()
        ec2.create_vpc(CidrBlock="10.40.0.0/16")
        iam.create_role(RoleName="seeded", AssumeRolePolicyDocument=self.trust(f"arn:aws:iam::{ACCOUNT}:root"))
        names = [g["logGroupName"] for g in client(launcher, "logs").describe_log_groups()["logGroups"]]
        return state(launcher), names

    def test_same_seed_same_draws(self):
        first, first_names = self.sequence("seed-a")
        second, second_names = self.sequence("seed-b")
        self.assertEqual(first["seed"], "4242")
        self.assertEqual(first["draws"], second["draws"])
        streams = {stream for stream, _, _ in first["draws"]}
        self.assertTrue({"latency/sts/GetCallerIdentity", "latency/kms/CreateKey", "window/kms_key",
                         "window/vpc", "window/iam_role"} <= streams)
        latencies = [v for s, _, v in first["draws"] if s == "latency/sts/GetCallerIdentity"]
        self.assertEqual(len(set(latencies)), 3)  # drawn, not constant
        self.assertEqual(first_names, second_names)
        self.assertEqual(len(first_names), 50)

    def test_draws_depend_on_the_seed_and_the_stream_only(self):
        one, same, other = profile.Draws(4242), profile.Draws(4242), profile.Draws(4243)
        sequence = [one.uniform("window/vpc", 0, 1) for _ in range(5)]
        same.uniform("window/kms_key", 0, 1)  # another stream in between changes nothing
        self.assertEqual(sequence, [same.uniform("window/vpc", 0, 1) for _ in range(5)])
        self.assertNotEqual(sequence, [other.uniform("window/vpc", 0, 1) for _ in range(5)])


if __name__ == "__main__":
    unittest.main()
