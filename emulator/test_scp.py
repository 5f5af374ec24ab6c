"""Tests of the emulated organization's membership handshakes and of its service control
policies, enforced on the member accounts' requests as AWS does (extensions/organizations.py,
extensions/scp.py), over HTTPS with boto3 against a launcher started on a free port.

Run: python3 -m unittest emulator/test_scp.py
"""

import contextlib
import io
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import unittest
import zipfile

import boto3
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from test_launch import free_port, start_launcher  # noqa: E402

ROOT = os.path.dirname(HERE)
REGION = "ap-southeast-2"
MANAGEMENT = "111111111111"
STAGE = "123456789012"
ACCESS_ROLE = f"arn:aws:iam::{MANAGEMENT}:role/OrganizationAccountAccessRole"
STAGE_KEYS = {"aws_access_key_id": "bankinfra-local", "aws_secret_access_key": "bankinfra-local"}
REQUIRED_TAGS = ("tenant_id", "module_id", "environment")
TAGS = {"tenant_id": "bank", "module_id": "mod-104", "environment": "local"}
SCP_ARN = r"arn:aws:organizations::111111111111:policy/o-[a-z0-9]+/service_control_policy/p-[a-z0-9]+"
with open(os.path.join(ROOT, "crates/policy/data/required-tag-actions.json")) as f:
    TAG_ACTIONS = {row["action"]: row for row in json.load(f)["actions"]}


def required_tags_scp(actions, scoped=True):
    """GOV-005's shape: per required tag, Deny statements with "Null": {"aws:RequestTag/<tag>":
    "true"} over the create actions; an action also authorized on a resource it does not create
    (ec2:CreateSubnet on its VPC) is scoped to the ARN patterns it creates, in a statement of its
    own, the others are denied on "*". scoped=False denies every action on "*"."""
    anywhere = [a for a in actions if not scoped or not TAG_ACTIONS[a]["also_authorized_on"]]
    groups = [(anywhere, "*")] if anywhere else []
    groups += [(a, TAG_ACTIONS[a]["creates"]) for a in actions if a not in anywhere]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": f"Deny{i}Without{tag.title().replace('_', '')}",
                "Effect": "Deny",
                "Action": action,
                "Resource": resource,
                "Condition": {"Null": {f"aws:RequestTag/{tag}": "true"}},
            }
            for tag in REQUIRED_TAGS
            for i, (action, resource) in enumerate(groups)
        ],
    }


def deny(action, resource="*", **condition):
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": action, "Resource": resource, **({"Condition": condition} if condition else {})}
    ]}


class EmulatorTestCase(unittest.TestCase):
    """One HTTPS emulator per class, with clients of the management account, of the stage
    account (plain keys) and of other accounts (assumed roles there)."""

    @classmethod
    def setUpClass(cls):
        cls.tls_dir = tempfile.mkdtemp(prefix="emulator-scp-")
        cls.port = free_port()
        cls.proc = start_launcher(
            cls.port, "--tls-dir", cls.tls_dir, scheme="https", context=ssl._create_unverified_context()
        )
        cls.endpoint = f"https://127.0.0.1:{cls.port}"
        cls.ca = os.path.join(cls.tls_dir, "ca.pem")
        cls.management = cls.assumed(ACCESS_ROLE)

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=10)
        shutil.rmtree(cls.tls_dir, ignore_errors=True)

    @classmethod
    def client(cls, service, credentials=None, region=REGION):
        keys = STAGE_KEYS
        if credentials:
            keys = {
                "aws_access_key_id": credentials["AccessKeyId"],
                "aws_secret_access_key": credentials["SecretAccessKey"],
                "aws_session_token": credentials["SessionToken"],
            }
        return boto3.client(service, endpoint_url=cls.endpoint, region_name=region, verify=cls.ca, **keys)

    @classmethod
    def assumed(cls, role_arn):
        return cls.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="scp-test")["Credentials"]

    def error(self, call):
        with self.assertRaises(ClientError) as ctx:
            call()
        return ctx.exception.response


class ServiceControlPolicyTest(EmulatorTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.org = cls.client("organizations", cls.management, region="us-east-1")
        cls.org.create_organization(FeatureSet="ALL")
        cls.root = cls.org.list_roots()["Roots"][0]["Id"]
        cls.org.enable_policy_type(RootId=cls.root, PolicyType="SERVICE_CONTROL_POLICY")
        # The stage account joins as an existing account joins an organization.
        cls.invited = cls.org.invite_account_to_organization(Target={"Id": STAGE, "Type": "ACCOUNT"})["Handshake"]
        cls.member_org = cls.client("organizations", region="us-east-1")
        cls.listed = cls.member_org.list_handshakes_for_account()["Handshakes"]
        cls.accepted = cls.member_org.accept_handshake(HandshakeId=cls.invited["Id"])["Handshake"]
        cls.s3, cls.kms, cls.ec2 = cls.client("s3"), cls.client("kms"), cls.client("ec2")
        cls.bucket_count = cls.policy_count = 0

    @contextlib.contextmanager
    def attached(self, policy, target=None):
        """An SCP attached to the root (or target) for the block's duration."""
        type(self).policy_count += 1
        policy_id = self.org.create_policy(
            Content=json.dumps(policy), Description="test", Name=f"scp-{type(self).policy_count}",
            Type="SERVICE_CONTROL_POLICY",
        )["Policy"]["PolicySummary"]["Id"]
        self.org.attach_policy(PolicyId=policy_id, TargetId=target or self.root)
        try:
            yield policy_id
        finally:
            self.org.detach_policy(PolicyId=policy_id, TargetId=target or self.root)
            self.org.delete_policy(PolicyId=policy_id)

    def bucket_name(self):
        type(self).bucket_count += 1
        return f"scp-test-{type(self).bucket_count}"

    def create_bucket(self, s3, name, tags=None):
        configuration = {"LocationConstraint": REGION}
        if tags:
            configuration["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        return s3.create_bucket(Bucket=name, CreateBucketConfiguration=configuration)

    def assert_explicit_deny(self, response, code, status, principal, action, resource):
        self.assertEqual((response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]), (code, status))
        expected = (
            f"User: {re.escape(principal)} is not authorized to perform: {re.escape(action)} on resource: "
            f"{resource} with an explicit deny in a service control policy: {SCP_ARN}"
        )
        self.assertRegex(response["Error"]["Message"], f"^{expected}$")

    # Membership.

    def test_stage_account_joins_through_invitation_and_acceptance(self):
        handshake = self.invited
        self.assertRegex(handshake["Id"], r"^h-[0-9a-z]{8,32}$")
        organization = self.org.describe_organization()["Organization"]["Id"]
        self.assertEqual(handshake["Arn"], f"arn:aws:organizations::{MANAGEMENT}:handshake/{organization}/invite/{handshake['Id']}")
        self.assertEqual((handshake["Action"], handshake["State"]), ("INVITE", "OPEN"))
        self.assertEqual(handshake["Parties"], [{"Id": organization, "Type": "ORGANIZATION"}, {"Id": STAGE, "Type": "ACCOUNT"}])
        self.assertEqual(handshake["Resources"][0]["Type"], "ORGANIZATION")
        self.assertEqual([r["Type"] for r in handshake["Resources"][0]["Resources"]],
                         ["MASTER_EMAIL", "MASTER_NAME", "ORGANIZATION_FEATURE_SET"])
        self.assertEqual(handshake["Resources"][1], {"Value": STAGE, "Type": "ACCOUNT"})
        self.assertEqual((handshake["ExpirationTimestamp"] - handshake["RequestedTimestamp"]).days, 15)
        self.assertEqual([h["Id"] for h in self.listed], [handshake["Id"]])
        self.assertEqual(self.accepted["State"], "ACCEPTED")
        # The stage account is a member: it sees the organization, the management account lists it.
        self.assertEqual(self.member_org.describe_organization()["Organization"]["MasterAccountId"], MANAGEMENT)
        account = self.org.describe_account(AccountId=STAGE)["Account"]
        self.assertEqual((account["JoinedMethod"], account["Status"]), ("INVITED", "ACTIVE"))
        self.assertEqual([p["Id"] for p in self.org.list_parents(ChildId=STAGE)["Parents"]], [self.root])
        attached = self.org.list_policies_for_target(TargetId=STAGE, Filter="SERVICE_CONTROL_POLICY")["Policies"]
        self.assertEqual([p["Name"] for p in attached], ["FullAWSAccess"])
        role = self.client("iam").get_role(RoleName="AWSServiceRoleForOrganizations")["Role"]
        self.assertEqual(role["Path"], "/aws-service-role/organizations.amazonaws.com/")
        self.assertEqual(self.org.describe_handshake(HandshakeId=handshake["Id"])["Handshake"]["State"], "ACCEPTED")
        listed = self.org.list_handshakes_for_organization(Filter={"ActionType": "INVITE"})["Handshakes"]
        self.assertIn(handshake["Id"], [h["Id"] for h in listed])
        # As members do, it may no longer manage the organization's policies.
        error = self.error(lambda: self.member_org.list_policies(Filter="SERVICE_CONTROL_POLICY"))
        self.assertEqual(error["Error"]["Code"], "AccessDeniedException")

    def test_invitation_errors_and_other_endings(self):
        invite = self.org.invite_account_to_organization
        for target, code in [
            ({"Id": STAGE, "Type": "ACCOUNT"}, "HandshakeConstraintViolationException"),
            ({"Id": MANAGEMENT, "Type": "ACCOUNT"}, "HandshakeConstraintViolationException"),
            ({"Id": "not-an-account", "Type": "ACCOUNT"}, "InvalidInputException"),
        ]:
            self.assertEqual(self.error(lambda: invite(Target=target))["Error"]["Code"], code)
        self.assertEqual(self.error(lambda: invite(Target={"Id": STAGE, "Type": "ACCOUNT"}))["Reason"],
                         "ALREADY_IN_AN_ORGANIZATION")
        error = self.error(lambda: self.member_org.accept_handshake(HandshakeId=self.invited["Id"]))
        self.assertEqual(error["Error"]["Code"], "HandshakeAlreadyInStateException")
        # Another account declines one invitation; the management account cancels another.
        outsider = self.client("organizations", self.assumed("arn:aws:iam::222222222222:role/admin"), "us-east-1")
        declined = invite(Target={"Id": "222222222222", "Type": "ACCOUNT"}, Notes="Join us")["Handshake"]
        self.assertEqual(declined["Resources"][-1], {"Value": "Join us", "Type": "NOTES"})
        error = self.error(lambda: invite(Target={"Id": "222222222222", "Type": "ACCOUNT"}))
        self.assertEqual(error["Error"]["Code"], "DuplicateHandshakeException")
        self.assertEqual(outsider.decline_handshake(HandshakeId=declined["Id"])["Handshake"]["State"], "DECLINED")
        error = self.error(lambda: outsider.accept_handshake(HandshakeId=declined["Id"]))
        self.assertEqual(error["Error"]["Code"], "InvalidHandshakeTransitionException")
        canceled = invite(Target={"Id": "222222222222", "Type": "ACCOUNT"})["Handshake"]
        # Not a party to it: the stage account can't see or accept it.
        for call in (self.member_org.describe_handshake, self.member_org.accept_handshake):
            error = self.error(lambda: call(HandshakeId=canceled["Id"]))
            self.assertEqual(error["Error"]["Code"], "HandshakeNotFoundException")
        self.assertEqual(self.org.cancel_handshake(HandshakeId=canceled["Id"])["Handshake"]["State"], "CANCELED")
        self.assertEqual(self.error(lambda: outsider.describe_organization())["Error"]["Code"],
                         "AWSOrganizationsNotInUseException")
        # Only the management account invites.
        error = self.error(lambda: self.member_org.invite_account_to_organization(
            Target={"Id": "222222222222", "Type": "ACCOUNT"}))
        self.assertEqual(error["Error"]["Code"], "AccessDeniedException")
        error = self.error(lambda: outsider.invite_account_to_organization(Target={"Id": STAGE, "Type": "ACCOUNT"}))
        self.assertEqual(error["Error"]["Code"], "AWSOrganizationsNotInUseException")

    # The required-tags SCP.

    def test_untagged_bucket_and_key_are_refused_with_each_services_explicit_deny(self):
        with self.attached(required_tags_scp(["s3:CreateBucket", "kms:CreateKey"])):
            name = self.bucket_name()
            error = self.error(lambda: self.create_bucket(self.s3, name))
            self.assert_explicit_deny(error, "AccessDenied", 403, f"arn:aws:iam::{STAGE}:root", "s3:CreateBucket",
                                      re.escape(f'"arn:aws:s3:::{name}"'))
            # Two of the three tags are not enough.
            partial = {k: v for k, v in TAGS.items() if k != "environment"}
            self.error(lambda: self.create_bucket(self.s3, name, partial))
            error = self.error(lambda: self.kms.create_key(Description="untagged"))
            self.assert_explicit_deny(error, "AccessDeniedException", 400, f"arn:aws:iam::{STAGE}:root",
                                      "kms:CreateKey", re.escape("*"))
        self.assertNotIn(name, [b["Name"] for b in self.s3.list_buckets()["Buckets"]])

    def test_tagged_bucket_and_key_are_allowed(self):
        with self.attached(required_tags_scp(["s3:CreateBucket", "kms:CreateKey"])):
            name = self.bucket_name()
            self.create_bucket(self.s3, name, TAGS)
            key = self.kms.create_key(Tags=[{"TagKey": k, "TagValue": v} for k, v in TAGS.items()])["KeyMetadata"]
        tags = {t["Key"]: t["Value"] for t in self.s3.get_bucket_tagging(Bucket=name)["TagSet"]}
        self.assertEqual(tags, TAGS)
        self.assertEqual(len(self.kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]), 3)

    def test_tagged_subnet_is_allowed_though_its_vpc_carries_no_request_tags(self):
        tagged = [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}
                  for kind in ("vpc", "subnet")]
        with self.attached(required_tags_scp(["ec2:CreateVpc", "ec2:CreateSubnet"])):
            error = self.error(lambda: self.ec2.create_vpc(CidrBlock="10.1.0.0/16"))
            self.assertEqual((error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]),
                             ("UnauthorizedOperation", 403))
            self.assertRegex(error["Error"]["Message"], (
                r"^You are not authorized to perform this operation\. User: arn:aws:iam::123456789012:root is not "
                r"authorized to perform: ec2:CreateVpc on resource: arn:aws:ec2:ap-southeast-2:123456789012:vpc/vpc-"
                rf"[0-9a-f]+ with an explicit deny in a service control policy: {SCP_ARN}\. "
                r"Encoded authorization failure message: [\w-]+$"))
            vpc = self.ec2.create_vpc(CidrBlock="10.1.0.0/16", TagSpecifications=tagged[:1])["Vpc"]["VpcId"]
            subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24", TagSpecifications=tagged[1:])
            self.assertEqual(subnet["Subnet"]["VpcId"], vpc)
            # Tags of another resource type don't count for the subnet.
            error = self.error(lambda: self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.2.0/24",
                                                              TagSpecifications=tagged[:1]))
            self.assertIn(":subnet/subnet-", error["Error"]["Message"])
        # Denied on "*", the tagged subnet is refused on its VPC, which carries no request tags.
        with self.attached(required_tags_scp(["ec2:CreateSubnet"], scoped=False)):
            error = self.error(lambda: self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.3.0/24",
                                                              TagSpecifications=tagged[1:]))
            self.assertIn(f"on resource: arn:aws:ec2:{REGION}:{STAGE}:vpc/{vpc} with an explicit deny",
                          error["Error"]["Message"])

    def test_kms_create_star_with_the_tag_condition_locks_out_create_alias(self):
        key = self.kms.create_key(Tags=[{"TagKey": k, "TagValue": v} for k, v in TAGS.items()])["KeyMetadata"]
        old_style = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "kms:Create*", "Resource": "*",
             "Condition": {"Null": {f"aws:RequestTag/{tag}": "true"}}} for tag in REQUIRED_TAGS
        ]}
        with self.attached(old_style):
            # kms:CreateAlias accepts no request tags, so no CreateAlias can ever satisfy it.
            error = self.error(lambda: self.kms.create_alias(AliasName="alias/locked-out", TargetKeyId=key["KeyId"]))
            self.assert_explicit_deny(error, "AccessDeniedException", 400, f"arn:aws:iam::{STAGE}:root",
                                      "kms:CreateAlias", re.escape(f"arn:aws:kms:{REGION}:{STAGE}:alias/locked-out"))
        with self.attached(required_tags_scp(["kms:CreateKey"])):
            self.kms.create_alias(AliasName="alias/not-locked-out", TargetKeyId=key["KeyId"])

    # Who SCPs do not restrict.

    def test_management_account_is_not_affected(self):
        with self.attached(required_tags_scp(["s3:CreateBucket"])), self.attached(deny("*")):
            s3 = self.client("s3", self.management)
            self.create_bucket(s3, self.bucket_name())
            self.client("kms", self.management).create_key()

    def test_service_linked_role_is_not_affected(self):
        role = self.client("iam").get_role(RoleName="AWSServiceRoleForOrganizations")["Role"]["Arn"]
        linked = self.assumed(role)
        with self.attached(deny("*")):
            self.create_bucket(self.client("s3", linked), self.bucket_name())
            # The account's other principals are.
            error = self.error(lambda: self.create_bucket(self.s3, self.bucket_name()))
            self.assertEqual(error["Error"]["Code"], "AccessDenied")

    def test_account_outside_the_organization_is_not_affected(self):
        outsider = self.assumed("arn:aws:iam::333333333333:role/admin")
        with self.attached(required_tags_scp(["s3:CreateBucket"])), self.attached(deny("*")):
            self.create_bucket(self.client("s3", outsider), self.bucket_name())

    # What the SCPs in force are.

    def test_detaching_the_scp_lifts_the_denial(self):
        name = self.bucket_name()
        with self.attached(required_tags_scp(["s3:CreateBucket"])):
            self.error(lambda: self.create_bucket(self.s3, name))
        self.create_bucket(self.s3, name)

    def test_without_full_aws_access_nothing_allows_implicit_deny(self):
        self.org.detach_policy(PolicyId="p-FullAWSAccess", TargetId=self.root)
        try:
            error = self.error(lambda: self.kms.list_keys())
            self.assertEqual(error["Error"]["Message"], (
                f"User: arn:aws:iam::{STAGE}:root is not authorized to perform: kms:ListKeys on resource: * "
                "because no service control policy allows the kms:ListKeys action"))
            # The account's own FullAWSAccess is not enough: every level must allow.
            self.assertIn("p-FullAWSAccess", [p["Id"] for p in self.org.list_policies_for_target(
                TargetId=STAGE, Filter="SERVICE_CONTROL_POLICY")["Policies"]])
            error = self.error(lambda: self.client("iam").list_roles())
            self.assertEqual((error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]), ("AccessDenied", 403))
            # An allow at the root for one service lets that service through.
            with self.attached({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}):
                self.kms.list_keys()
                self.error(lambda: self.client("iam").list_roles())
            # sts:GetCallerIdentity needs no permission.
            self.assertEqual(self.client("sts").get_caller_identity()["Account"], STAGE)
        finally:
            self.org.attach_policy(PolicyId="p-FullAWSAccess", TargetId=self.root)
        self.kms.list_keys()

    def test_scps_of_the_accounts_ou_and_of_the_account_itself_apply(self):
        ou = self.org.create_organizational_unit(ParentId=self.root, Name="workloads")["OrganizationalUnit"]["Id"]
        self.org.move_account(AccountId=STAGE, SourceParentId=self.root, DestinationParentId=ou)
        try:
            with self.attached(deny("kms:CreateKey"), target=ou):
                self.error(lambda: self.kms.create_key())
            with self.attached(deny("kms:CreateKey"), target=STAGE):
                self.error(lambda: self.kms.create_key())
            self.kms.create_key()
        finally:
            self.org.move_account(AccountId=STAGE, SourceParentId=ou, DestinationParentId=self.root)
            self.org.delete_organizational_unit(OrganizationalUnitId=ou)

    # How statements match.

    def test_resources_match_per_arn_segment_and_actions_by_iam_name(self):
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "s3:CreateBucket", "Resource": "arn:aws:s3:::locked-*"},
            # S3's PutBucketEncryption is authorized as s3:PutEncryptionConfiguration.
            {"Effect": "Deny", "Action": "s3:PutEncryptionConfiguration", "Resource": "*"},
            # A * inside an ARN segment stays in it; a * ending a segment may reach past its colon.
            {"Effect": "Deny", "Action": "kms:CreateAlias",
             "Resource": ["arn:aws:kms:*2:alias/inside", "arn:aws:kms:ap-*:alias/ending"]},
            {"Effect": "Deny", "NotAction": ["s3:*", "kms:*", "ec2:*", "events:*", "sts:*"], "Resource": "*"},
        ]}
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        with self.attached(policy):
            self.error(lambda: self.create_bucket(self.s3, "locked-bucket"))
            name = self.bucket_name()
            self.create_bucket(self.s3, name)
            error = self.error(lambda: self.s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}))
            self.assertIn("s3:PutEncryptionConfiguration", error["Error"]["Message"])
            self.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
            error = self.error(lambda: self.kms.create_alias(AliasName="alias/ending", TargetKeyId=key))
            self.assertIn(f"{REGION}:{STAGE}:alias/ending with an explicit deny", error["Error"]["Message"])
            self.kms.create_alias(AliasName="alias/inside", TargetKeyId=key)
            error = self.error(lambda: self.client("iam").list_roles())
            self.assertIn("iam:ListRoles", error["Error"]["Message"])

    def test_conditions_on_principal_region_and_tag_keys(self):
        iam = self.client("iam")
        iam.create_role(RoleName="deployer", Path="/ci/", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": STAGE}, "Action": "sts:AssumeRole"}]}))
        deployer = self.assumed(f"arn:aws:iam::{STAGE}:role/ci/deployer")
        policy = {"Version": "2012-10-17", "Statement": [
            # aws:PrincipalArn of a role session is its role's ARN.
            {"Effect": "Deny", "Action": "kms:CreateKey", "Resource": "*",
             "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci/*"}}},
            {"Effect": "Deny", "Action": "ec2:CreateVpc", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:RequestedRegion": REGION}}},
            {"Effect": "Deny", "Action": "s3:CreateBucket", "Resource": "*",
             "Condition": {"ForAnyValue:StringNotEquals": {"aws:TagKeys": list(REQUIRED_TAGS)}}},
            {"Effect": "Deny", "Action": "kms:CreateAlias", "Resource": "*",
             "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-none"},
                           "StringLike": {"aws:PrincipalOrgPaths": "o-*/r-*/"}}},
        ]}
        with self.attached(policy):
            error = self.error(lambda: self.client("kms", deployer).create_key())
            self.assertRegex(error["Error"]["Message"],
                             rf"^User: arn:aws:sts::{STAGE}:assumed-role/deployer/scp-test is not authorized")
            self.kms.create_key()
            self.error(lambda: self.client("ec2", region="eu-west-1").create_vpc(CidrBlock="10.2.0.0/16"))
            self.ec2.create_vpc(CidrBlock="10.2.0.0/16")
            self.error(lambda: self.create_bucket(self.s3, self.bucket_name(), {**TAGS, "extra": "x"}))
            self.create_bucket(self.s3, self.bucket_name(), TAGS)
            self.create_bucket(self.s3, self.bucket_name())  # no tag keys: ForAnyValue has none to match
            self.error(lambda: self.kms.create_alias(AliasName="alias/in-org", TargetKeyId=self.kms.list_keys()["Keys"][0]["KeyId"]))

    # Each service's wire format and request tags.

    def test_iam_events_cloudtrail_and_lambda_answer_in_their_wire_formats(self):
        principal = f"arn:aws:iam::{STAGE}:root"
        iam, events = self.client("iam"), self.client("events")
        cloudtrail, lambda_ = self.client("cloudtrail"), self.client("lambda")
        trust = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
        bucket = self.bucket_name()
        self.create_bucket(self.s3, bucket)
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("index.py", "def handler(event, context):\n    return event\n")
        actions = ["iam:CreateRole", "events:CreateEventBus", "cloudtrail:CreateTrail", "lambda:CreateFunction"]
        with self.attached(required_tags_scp(actions)):
            error = self.error(lambda: iam.create_role(RoleName="untagged", Path="/app/", AssumeRolePolicyDocument=trust))
            self.assert_explicit_deny(error, "AccessDenied", 403, principal, "iam:CreateRole",
                                      re.escape(f"arn:aws:iam::{STAGE}:role/app/untagged"))
            role = iam.create_role(RoleName="tagged", AssumeRolePolicyDocument=trust,
                                   Tags=[{"Key": k, "Value": v} for k, v in TAGS.items()])["Role"]["Arn"]
            error = self.error(lambda: events.create_event_bus(Name="untagged"))
            self.assert_explicit_deny(error, "AccessDeniedException", 400, principal, "events:CreateEventBus",
                                      re.escape(f"arn:aws:events:{REGION}:{STAGE}:event-bus/untagged"))
            events.create_event_bus(Name="tagged", Tags=[{"Key": k, "Value": v} for k, v in TAGS.items()])
            error = self.error(lambda: cloudtrail.create_trail(Name="untagged", S3BucketName=bucket))
            self.assert_explicit_deny(error, "AccessDeniedException", 400, principal, "cloudtrail:CreateTrail",
                                      re.escape(f"arn:aws:cloudtrail:{REGION}:{STAGE}:trail/untagged"))
            cloudtrail.create_trail(Name="tagged", S3BucketName=bucket,
                                    TagsList=[{"Key": k, "Value": v} for k, v in TAGS.items()])
            function = {"Runtime": "python3.12", "Role": role, "Handler": "index.handler",
                        "Code": {"ZipFile": code.getvalue()}}
            error = self.error(lambda: lambda_.create_function(FunctionName="untagged", **function))
            self.assert_explicit_deny(error, "AccessDeniedException", 403, principal, "lambda:CreateFunction",
                                      re.escape(f"arn:aws:lambda:{REGION}:{STAGE}:function:untagged"))
            lambda_.create_function(FunctionName="tagged", Tags=TAGS, **function)

    def test_tagging_on_create_is_authorized_as_the_tagging_action(self):
        with self.attached(deny(["ec2:CreateTags", "kms:TagResource", "s3:TagResource", "iam:TagRole"])):
            tags = [{"Key": k, "Value": v} for k, v in TAGS.items()]
            error = self.error(lambda: self.ec2.create_vpc(
                CidrBlock="10.3.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}]))
            self.assertIn("ec2:CreateTags on resource", error["Error"]["Message"])
            self.ec2.create_vpc(CidrBlock="10.3.0.0/16")
            error = self.error(lambda: self.kms.create_key(Tags=[{"TagKey": "a", "TagValue": "b"}]))
            self.assertIn("kms:TagResource on resource", error["Error"]["Message"])
            error = self.error(lambda: self.create_bucket(self.s3, self.bucket_name(), TAGS))
            self.assertIn("s3:TagResource on resource", error["Error"]["Message"])
            error = self.error(lambda: self.client("iam").create_role(
                RoleName="tagged-later", AssumeRolePolicyDocument="{}", Tags=tags))
            self.assertIn("iam:TagRole on resource", error["Error"]["Message"])


class EmulatedOrgScriptTest(EmulatorTestCase):
    """scripts/emulated-org.py: run twice, it makes the stage account a member once."""

    def test_script_makes_the_stage_account_a_member_and_can_run_again(self):
        config = os.path.join(self.tls_dir, "aws-config")
        env = {**os.environ, "SSL_CERT_FILE": self.ca}
        for _ in range(2):
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "emulated-org.py"), self.endpoint, config],
                           check=True, env=env, capture_output=True)
        member = self.client("organizations", region="us-east-1")
        self.assertEqual(member.describe_organization()["Organization"]["MasterAccountId"], MANAGEMENT)
        handshakes = member.list_handshakes_for_account()["Handshakes"]
        self.assertEqual([h["State"] for h in handshakes], ["ACCEPTED"])
        with open(config) as f:
            self.assertIn(f"role_arn = {ACCESS_ROLE}", f.read())


if __name__ == "__main__":
    unittest.main()
