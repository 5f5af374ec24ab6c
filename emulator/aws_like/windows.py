"""Behaviours 2 and 3: resources and principals not yet visible after their create.

After a create, AWS's other calls may not see the new resource for a while ("usually a few
seconds"); once seen, it is seen by every call. Here each created resource gets a window drawn
from the profile ("windows": kind -> [min, max] seconds, uniform, times scale, stream
"window/<kind>"); until it ends, calls that name the resource get the error AWS answers for a
resource that does not exist, and policies or services that name a new role get the error AWS
answers for a principal it cannot resolve.

Behaviour 2, create-then-use (the resource named by its ID in the request's parameters):

- KMS key -> 400 NotFoundException "Key '<arn>' does not exist", on every call naming it by
  KeyId/TargetKeyId (key ID or key ARN): CreateAlias, EnableKeyRotation, PutKeyPolicy,
  TagResource, DescribeKey, GetKeyPolicy ... "AWS KMS eventual consistency": "AWS KMS may return
  a NotFoundException if you call GetParametersForImport immediately after calling CreateKey"
  (https://docs.aws.amazon.com/kms/latest/developerguide/programming-eventual-consistency.html).
  The provider retries: internal/service/kms/alias.go (CreateAlias:
  RetryWhenIsA[*awstypes.NotFoundException](ctx, keyRotationUpdatedTimeout, ...)), key.go
  (EnableKey/DisableKey, RetryWhenIsA[*awstypes.NotFoundException](ctx, PropagationTimeout, ...)).
- VPC -> InvalidVpcID.NotFound "The vpc ID 'vpc-..' does not exist", subnet ->
  InvalidSubnetID.NotFound, internet gateway -> InvalidInternetGatewayID.NotFound, route table
  -> InvalidRouteTableID.NotFound (400, EC2 wire format), on any EC2 call with the ID among its
  parameters (ModifyVpcAttribute, CreateSubnet, CreateRouteTable, AttachInternetGateway,
  CreateRoute, AssociateRouteTable, CreateTags, Describe* by ID; not filters, which answer an
  empty list). "Eventual consistency in the Amazon EC2 API": "if you run a command to modify or
  describe the resource that you just created, its ID might not have propagated throughout the
  system, and you will get an error responding that the resource does not exist"
  (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). The provider:
  internal/service/ec2/vpc_internet_gateway.go (attachInternetGateway:
  RetryWhenAWSErrCodeEquals(ctx, timeout, ..., errCodeInvalidInternetGatewayIDNotFound)),
  internal/service/ec2/errors.go (the codes: errCodeInvalidVPCIDNotFound = "InvalidVpcID.NotFound",
  errCodeInvalidSubnetIDNotFound, errCodeInvalidRouteTableIDNotFound,
  errCodeInvalidInternetGatewayIDNotFound).

Behaviour 3, new roles (IAM principals) in resource policies and in services assuming them;
IAM itself sees its new role at once:

- KMS CreateKey/PutKeyPolicy Policy naming it -> 400 MalformedPolicyDocumentException "Policy
  contains a statement with one or more invalid principals." (PutKeyPolicy API reference: "The
  principals in the key policy must exist and be visible to KMS. When you create a new AWS
  principal, you might need to enforce a delay before including the new principal in a key
  policy"); provider: internal/service/kms/wait.go waitIAMPropagation
  (RetryWhenIsA[*awstypes.MalformedPolicyDocumentException]).
- S3 PutBucketPolicy -> 400 MalformedPolicy "Invalid principal in policy"; provider:
  internal/service/s3/bucket_policy.go (RetryWhenAWSErrCodeEquals(ctx, bucketPropagationTimeout,
  ..., errCodeMalformedPolicy, errCodeNoSuchBucket)).
- IAM CreateRole AssumeRolePolicyDocument / UpdateAssumeRolePolicy PolicyDocument -> 400
  MalformedPolicyDocument 'Invalid principal in policy: "AWS":"<arn>"'; provider:
  internal/service/iam/role.go (UpdateAssumeRolePolicy retried while
  ErrMessageContains(err, MalformedPolicyDocumentException, "Invalid principal in policy");
  issue hashicorp/terraform-provider-aws#1388).
- SQS CreateQueue/SetQueueAttributes Policy -> 400 InvalidAttributeValue "Invalid value for the
  parameter Policy."; provider: internal/service/sqs/attribute_funcs.go
  (RetryWhenAWSErrMessageContains(ctx, propagationTimeout, ..., errCodeInvalidAttributeValue,
  "Invalid value for the parameter Policy")).
- SNS CreateTopic/SetTopicAttributes Policy -> 400 InvalidParameter "Invalid parameter: Policy
  Error: PrincipalNotFound"; provider: internal/service/sns/topic.go putTopicAttribute
  (RetryWhenIsA[*types.InvalidParameterException]); the SNS CloudFormation resource provider's
  PRINCIPAL_NOT_FOUND_PATTERN.
- Firehose CreateDeliveryStream/UpdateDestination with the role as any RoleARN -> 400
  InvalidArgumentException "Firehose is unable to assume role <arn>. Please check the role
  provided."; provider: internal/service/firehose/delivery_stream.go retryDeliveryStreamOp
  (IsAErrorMessageContains[*types.InvalidArgumentException](err, "Firehose is unable to assume
  role")).
- CloudTrail CreateTrail/UpdateTrail CloudWatchLogsRoleArn -> 400
  InvalidCloudWatchLogsLogGroupArnException "Access denied. Verify in IAM that the role has
  adequate permissions."; provider: internal/service/cloudtrail/trail.go (CreateTrail retried on
  InvalidCloudWatchLogsRoleArnException or InvalidCloudWatchLogsLogGroupArnException with
  "Access denied.").

Not modelled: EventBridge PutPermission. Neither the provider (internal/service/events/
permission.go, bus_policy.go retry nothing on PutPermission) nor any public issue records an
error for a new principal there, so it is left as it is.
"""

import json
import re
import threading
import time

from .wire import Rejection

# (service, operation) -> (kind, how the new resource's identifier is read from the answer).
_EC2_ID = {
    "vpc": re.compile(rb"<vpcId>(vpc-[0-9a-f]+)</vpcId>"),
    "subnet": re.compile(rb"<subnetId>(subnet-[0-9a-f]+)</subnetId>"),
    "internet_gateway": re.compile(rb"<internetGatewayId>(igw-[0-9a-f]+)</internetGatewayId>"),
    "route_table": re.compile(rb"<routeTableId>(rtb-[0-9a-f]+)</routeTableId>"),
}
_ROLE_ARN = re.compile(rb"<Arn>(arn:[^:<]+:iam::\d{12}:role/[^<]+)</Arn>")


def _kms_key_id(body):
    try:
        return json.loads(body)["KeyMetadata"]["KeyId"]
    except (ValueError, KeyError, TypeError):
        return None


def _regex(pattern):
    def extract(body):
        match = pattern.search(body)
        return match.group(1).decode() if match else None

    return extract


CREATES = {
    ("kms", "CreateKey"): ("kms_key", _kms_key_id),
    ("ec2", "CreateVpc"): ("vpc", _regex(_EC2_ID["vpc"])),
    ("ec2", "CreateSubnet"): ("subnet", _regex(_EC2_ID["subnet"])),
    ("ec2", "CreateInternetGateway"): ("internet_gateway", _regex(_EC2_ID["internet_gateway"])),
    ("ec2", "CreateRouteTable"): ("route_table", _regex(_EC2_ID["route_table"])),
    ("iam", "CreateRole"): ("iam_role", _regex(_ROLE_ARN)),
}

# EC2 ID prefix -> (kind, error code, the noun of its message).
EC2_KINDS = {
    "vpc-": ("vpc", "InvalidVpcID.NotFound", "vpc"),
    "subnet-": ("subnet", "InvalidSubnetID.NotFound", "subnet"),
    "igw-": ("internet_gateway", "InvalidInternetGatewayID.NotFound", "internetGateway"),
    "rtb-": ("route_table", "InvalidRouteTableID.NotFound", "routeTable"),
}
KMS_KEY_PARAMETERS = ("KeyId", "TargetKeyId", "DestinationKeyId", "SourceKeyId")
_KEY_ID = re.compile(r"(?:^|:key/)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$")


def aws_principals(document):
    """The AWS principals (ARNs or account IDs) a policy document names, Principal and
    NotPrincipal alike; nothing for what is not a policy."""
    try:
        policy = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return []
    if not isinstance(policy, dict):
        return []
    statements = policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    found = []
    for statement in statements if isinstance(statements, list) else []:
        for key in ("Principal", "NotPrincipal"):
            principal = statement.get(key) if isinstance(statement, dict) else None
            if isinstance(principal, dict):
                value = principal.get("AWS")
                found.extend(value if isinstance(value, list) else [value])
    return [p for p in found if isinstance(p, str)]


def _role_arns(value):
    """Every RoleARN in a (nested) Firehose request."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "RoleARN" and isinstance(item, str):
                yield item
            else:
                yield from _role_arns(item)
    elif isinstance(value, list):
        for item in value:
            yield from _role_arns(item)


class Windows:
    """Resources created, until they become visible."""

    def __init__(self, profile, draws):
        self.profile = profile["windows"]
        self.draws = draws
        self.pending = {}  # (kind, identifier) -> monotonic time it becomes visible
        self.lock = threading.Lock()

    # -- creates ---------------------------------------------------------------------------

    def watches(self, request):
        return (request.service, request.operation) in CREATES

    def record(self, request, status, body):
        """Starts the window of the resource a successful create made; returns its seconds."""
        if not 200 <= status < 300:
            return None
        kind, extract = CREATES[(request.service, request.operation)]
        identifier = extract(body)
        if not identifier:
            return None
        low, high = self.profile.get(kind, [0.0, 0.0])
        seconds = self.draws.uniform(f"window/{kind}", float(low), float(high))
        seconds *= float(self.profile.get("scale", 1.0))
        now = time.monotonic()
        with self.lock:
            for key in [k for k, at in self.pending.items() if at <= now]:
                del self.pending[key]  # visible already: forget them
            self.pending[(kind, identifier)] = now + seconds
        return seconds

    def hidden(self, kind, identifier):
        with self.lock:
            visible_at = self.pending.get((kind, identifier))
            if visible_at is None:
                return False
            if time.monotonic() >= visible_at:
                del self.pending[(kind, identifier)]
                return False
            return True

    def state(self):
        now = time.monotonic()
        with self.lock:
            return [
                {"kind": kind, "id": ident, "visible_in_s": round(at - now, 3)}
                for (kind, ident), at in self.pending.items() if at > now
            ]

    # -- checks ----------------------------------------------------------------------------

    def check(self, request):
        """Raises Rejection when request names a resource or principal still invisible."""
        check = getattr(self, f"_check_{request.service}".replace("-", "_"), None)
        if check is not None:
            check(request)

    def _hidden_role(self, principals):
        return next((p for p in principals if self.hidden("iam_role", p)), None)

    def _check_kms(self, request):
        params = request.params()
        if request.operation in ("CreateKey", "PutKeyPolicy"):
            if self._hidden_role(aws_principals(params.get("Policy"))):
                raise Rejection(400, "MalformedPolicyDocumentException",
                                "Policy contains a statement with one or more invalid principals.")
        for name in KMS_KEY_PARAMETERS:
            value = params.get(name)
            match = _KEY_ID.search(value) if isinstance(value, str) else None
            if match and self.hidden("kms_key", match.group(1)):
                arn = f"arn:aws:kms:{request.region}:{request.account}:key/{match.group(1)}"
                raise Rejection(400, "NotFoundException", f"Key '{arn}' does not exist")

    def _check_ec2(self, request):
        for name, value in request.params().items():
            if name.startswith("Filter.") or not isinstance(value, str):
                continue
            for prefix, (kind, code, noun) in EC2_KINDS.items():
                if value.startswith(prefix) and self.hidden(kind, value):
                    raise Rejection(400, code, f"The {noun} ID '{value}' does not exist")

    def _check_iam(self, request):
        name = {"CreateRole": "AssumeRolePolicyDocument",
                "UpdateAssumeRolePolicy": "PolicyDocument"}.get(request.operation)
        if name:
            role = self._hidden_role(aws_principals(request.params().get(name)))
            if role:
                raise Rejection(400, "MalformedPolicyDocument",
                                f'Invalid principal in policy: "AWS":"{role}"')

    def _check_s3(self, request):
        if request.method == "PUT" and "policy" in request.query and request.is_bucket_subresource():
            body = request.body().decode("utf-8", "replace")
            if self._hidden_role(aws_principals(body)):
                raise Rejection(400, "MalformedPolicy", "Invalid principal in policy")

    def _check_sqs(self, request):
        if request.operation not in ("CreateQueue", "SetQueueAttributes"):
            return
        params = request.params()
        policy = (params.get("Attributes") or {}).get("Policy") if isinstance(
            params.get("Attributes"), dict) else None
        for name, value in params.items():  # query protocol: Attribute.N.Name / .Value
            if name.startswith("Attribute.") and name.endswith(".Name") and value == "Policy":
                policy = params.get(name[: -len("Name")] + "Value")
        if policy and self._hidden_role(aws_principals(policy)):
            raise Rejection(400, "InvalidAttributeValue", "Invalid value for the parameter Policy.")

    def _check_sns(self, request):
        params = request.params()
        policy = None
        if request.operation == "SetTopicAttributes" and params.get("AttributeName") == "Policy":
            policy = params.get("AttributeValue")
        elif request.operation == "CreateTopic":
            for name, value in params.items():  # Attributes.entry.N.key / .value
                if name.startswith("Attributes.entry.") and name.endswith(".key") and value == "Policy":
                    policy = params.get(name[: -len("key")] + "value")
        if policy and self._hidden_role(aws_principals(policy)):
            raise Rejection(400, "InvalidParameter",
                            "Invalid parameter: Policy Error: PrincipalNotFound")

    def _check_firehose(self, request):
        if request.operation in ("CreateDeliveryStream", "UpdateDestination"):
            role = self._hidden_role(_role_arns(request.params()))
            if role:
                raise Rejection(400, "InvalidArgumentException",
                                f"Firehose is unable to assume role {role}. "
                                "Please check the role provided.")

    def _check_cloudtrail(self, request):
        if request.operation in ("CreateTrail", "UpdateTrail"):
            role = request.params().get("CloudWatchLogsRoleArn")
            if isinstance(role, str) and self.hidden("iam_role", role):
                raise Rejection(400, "InvalidCloudWatchLogsLogGroupArnException",
                                "Access denied. Verify in IAM that the role has adequate "
                                "permissions.")
