"""Service control policies (SCPs) enforced on the requests of an organization's member accounts.

Which requests (AWS Organizations User Guide, "Service control policies (SCPs)",
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html):
SCPs restrict the IAM users and roles of the member accounts, and the member accounts' root
users; they never restrict the organization's management account ("SCPs don't affect users or
roles in the management account"), nor service-linked roles ("SCPs do not affect any
service-linked role"; their path is /aws-service-role/), nor accounts outside the organization.
They apply only while the root has the SERVICE_CONTROL_POLICY type enabled, in an organization
with all features. sts:GetCallerIdentity needs no permission at all (STS API reference,
GetCallerIdentity: "you can still perform this operation" whatever a policy denies).

How (Organizations User Guide, "SCP evaluation",
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html):
the SCPs in force are those attached to the root, to every OU on the path to the account and to
the account itself. At every one of those levels some attached SCP must allow the request (the
AWS managed FullAWSAccess normally does), and no SCP anywhere may deny it explicitly. Each
statement is evaluated as IAM evaluates identity policies (IAM User Guide, "Policy evaluation
logic"; SCPs have the full IAM policy language since September 2025): Action/NotAction with
wildcards, Resource/NotResource matched per ARN segment, Condition with the operators of
s3_policy.py (Null, String*, Arn*, Numeric*, Date*, Bool, IpAddress, ...IfExists,
ForAnyValue:/ForAllValues:).

The request's IAM action is `service:Operation` (request_log.classify names the operation; a
REST-JSON path is matched against botocore's model of the service, e.g. Lambda's
`POST /2015-03-31/functions` is CreateFunction), except that S3's REST operations take the actions
of s3_policy.py's tables (PutBucketEncryption is s3:PutEncryptionConfiguration) and Lambda's
Invoke is lambda:InvokeFunction.

Resources and request tags: crates/policy/data/required-tag-actions.json (AWS's Service
Authorization Reference, "Actions, resources, and condition keys for AWS services") lists the
create actions of s3, ec2, kms, events, iam, lambda and cloudtrail that accept
`aws:RequestTag/${TagKey}`. Such an action is evaluated once per resource it is authorized on:
each resource type it `creates` (its ARN pattern with partition, region and account filled in
and the new resource's name, e.g. arn:aws:s3:::BUCKET, arn:aws:iam::ACCOUNT:role/PATH/NAME, or a
fresh placeholder ID for ID-addressed ones such as arn:aws:ec2:REGION:ACCOUNT:vpc/vpc-...; `*`
for an action without resource types, kms:CreateKey), with the request's tags as
`aws:RequestTag/<key>` and `aws:TagKeys`; and each resource of an `also_authorized_on` type that
the request names (EC2's VpcId, SubnetId.N, RouteTableId.N, SecurityGroupId.N, ... ->
arn:aws:ec2:REGION:ACCOUNT:vpc/vpc-..., ...), with the request tags only when `request_tags_at`
is "action". A create that carries tags is also authorized as the tagging action on the created
resource, as the services document: ec2:CreateTags with ec2:CreateAction (EC2 User Guide, "Grant
permission to tag resources during creation"), kms:TagResource (KMS API reference, CreateKey:
"To use the Tags parameter, kms:TagResource"), s3:TagResource (S3 API reference,
CreateBucketConfiguration Tags) and iam:Tag<Kind> (IAM User Guide, "Permissions required to
tag IAM entities"). Other actions are evaluated on the resources they name, derived per service
below (kms:CreateAlias on the alias and its key, events:CreateArchive on the archive and its
bus, ec2:CreateRoute on the route table, S3 requests on the bucket or object, IAM calls on the
role/user/policy/provider, ...); an action whose resource is not derived here, or that has no
resource-level permissions (Describe*/List* mostly), is evaluated on `*`, which only a statement
whose Resource matches the literal `*` (or whose NotResource doesn't) covers. The request tags
per protocol: S3 CreateBucket's CreateBucketConfiguration/Tags/Tag/{Key,Value} and
PutBucketTagging's TagSet (XML body; an upload's x-amz-tagging header gives
s3:RequestObjectTag/<key>), EC2 TagSpecification.N.Tag.M.{Key,Value} (of the created resource's
type) and Tag.N.{Key,Value}, IAM/SNS/STS Tags.member.N.{Key,Value}, KMS Tags [{TagKey,
TagValue}], EventBridge/SSM/Firehose/X-Ray Tags [{Key,Value}], CloudTrail TagsList
[{Key,Value}], Lambda/SQS/Logs Tags or tags {key: value}, Cognito UserPoolTags.

Other context keys: aws:PrincipalArn (an assumed role's ARN for its sessions), aws:PrincipalAccount,
aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:PrincipalType, aws:PrincipalIsAWSService,
aws:ViaAWSService, aws:RequestedRegion (the SigV4 scope's region), aws:SecureTransport,
aws:SourceIp, aws:CurrentTime, aws:EpochTime, and S3's s3:x-amz-* headers.

The answer is the service's AccessDenied error in its wire format (IAM User Guide,
"Troubleshoot access denied error messages"; AWS Security Blog, "Enhanced access denied error
messages with policy ARNs"): "User: PRINCIPAL is not authorized to perform: ACTION on resource:
RESOURCE with an explicit deny in a service control policy: POLICY-ARN", or for an implicit deny
"... because no service control policy allows the ACTION action". S3 quotes the resource and
answers 403 AccessDenied in an <Error> document (S3 User Guide, "Troubleshoot access denied (403
Forbidden) errors"); EC2 answers 403 UnauthorizedOperation, "You are not authorized to perform
this operation. User: ... Encoded authorization failure message: ..."; IAM and STS 403
AccessDenied in an <ErrorResponse>; SNS 403 AuthorizationError; SQS 403 AccessDenied; the JSON
services (KMS, EventBridge, CloudTrail, Logs, SSM, Firehose, Cognito, Organizations) 400
AccessDeniedException; Lambda and the other REST-JSON services 403 AccessDeniedException
(x-amzn-ErrorType).

Not modelled: aws:ResourceTag and the other keys of existing resources, service-specific
condition keys (kms:*, ec2:* but ec2:CreateAction, iam:*...), aws:PrincipalTag, aws:CalledVia and
requests services make on a principal's behalf, the tagging action of EventBridge, CloudTrail
and Lambda creates, the also-authorized resources of non-EC2 create actions (bankinfra's have
none), DeleteObjects' per-key errors (one denied key refuses the whole request), the EC2
encoded message's encryption (it is base64url JSON; STS DecodeAuthorizationMessage is not
emulated), resource control policies, and the policy size and attachment quotas.
"""

import base64
import functools
import gzip
import html
import json
import re
import sys
import traceback
import urllib.parse
import uuid
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from types import SimpleNamespace

from extensions import s3_policy
from request_log import read_body

# The checked-in Service Authorization Reference rows (see scripts/required-tag-actions.py).
REQUIRED_TAG_ACTIONS = Path(__file__).resolve().parents[2] / "crates/policy/data/required-tag-actions.json"
# Signing names whose IAM action prefix differs.
IAM_PREFIXES = {"monitoring": "cloudwatch", "email": "ses"}
# Operations whose IAM action has another name.
ACTION_RENAMES = {
    "lambda:Invoke": "lambda:InvokeFunction",
    "lambda:InvokeWithResponseStream": "lambda:InvokeFunction",
}
# Calls no policy can deny.
UNRESTRICTED = frozenset({"sts:GetCallerIdentity"})
# The AccessDenied error per service: (code, HTTP status); per protocol when not listed.
ERRORS = {
    "ec2": ("UnauthorizedOperation", 403),
    "s3": ("AccessDenied", 403),
    "iam": ("AccessDenied", 403),
    "sts": ("AccessDenied", 403),
    "sns": ("AuthorizationError", 403),
    "sqs": ("AccessDenied", 403),
}
PROTOCOL_ERRORS = {
    "query": ("AccessDenied", 403),
    "json": ("AccessDeniedException", 400),
    "rest-json": ("AccessDeniedException", 403),
    "rest-xml": ("AccessDenied", 403),
}
# JSON services whose AccessDeniedException carries "Message" rather than "message".
CAPITAL_MESSAGE = frozenset({"organizations", "ssm", "lambda"})
# EC2 request parameters naming a resource (with .N for lists), and the resource type.
EC2_ID_PARAMETERS = {
    "VpcId": "vpc",
    "SubnetId": "subnet",
    "RouteTableId": "route-table",
    "SecurityGroupId": "security-group",
    "GroupId": "security-group",
    "InternetGatewayId": "internet-gateway",
    "EgressOnlyInternetGatewayId": "egress-only-internet-gateway",
    "VpcEndpointId": "vpc-endpoint",
    "NetworkAclId": "network-acl",
    "NatGatewayId": "natgateway",
    "NetworkInterfaceId": "network-interface",
    "InstanceId": "instance",
    "TransitGatewayId": "transit-gateway",
    "Ipv4IpamPoolId": "ipam-pool",
    "Ipv6IpamPoolId": "ipam-pool",
    "IpamPoolId": "ipam-pool",
    "Ipv6Pool": "ipv6pool-ec2",
    "AddRouteTableId": "route-table",
    "RemoveRouteTableId": "route-table",
    "AddSubnetId": "subnet",
    "RemoveSubnetId": "subnet",
    "AddSecurityGroupId": "security-group",
    "RemoveSecurityGroupId": "security-group",
    "ResourceId": None,  # CreateTags/DeleteTags: the type follows the ID's prefix
    "AssociationId": None,  # DisassociateRouteTable: the association's route table and subnet
}
# EC2 ID prefixes and their resource types.
EC2_ID_PREFIXES = {
    "vpc": "vpc",
    "subnet": "subnet",
    "rtb": "route-table",
    "sg": "security-group",
    "igw": "internet-gateway",
    "eigw": "egress-only-internet-gateway",
    "vpce": "vpc-endpoint",
    "acl": "network-acl",
    "nat": "natgateway",
    "eni": "network-interface",
    "i": "instance",
    "tgw": "transit-gateway",
    "ipam-pool": "ipam-pool",
    "vol": "volume",
    "snap": "snapshot",
    "ami": "image",
    "eipalloc": "elastic-ip",
    "dopt": "dhcp-options",
    "pl": "prefix-list",
    "key": "key-pair",
    "lt": "launch-template",
}
EC2_TYPE_PREFIXES = {t: p for p, t in EC2_ID_PREFIXES.items()}
# Resource types whose ARN has no region (Service Authorization Reference, Amazon EC2).
EC2_REGIONLESS = frozenset({"ipam-pool", "image", "snapshot"})


@functools.lru_cache(maxsize=1)
def tag_actions():
    """action -> its row of required-tag-actions.json."""
    rows = json.loads(REQUIRED_TAG_ACTIONS.read_text())["actions"]
    return {row["action"]: row for row in rows}


@functools.lru_cache(maxsize=256)
def document(content):
    try:
        parsed = json.loads(content)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


class Request:
    """What the middleware knows of one signed request."""

    def __init__(self, environ, header, body, described, account, region, caller):
        self.environ = environ
        self.header = header
        self.method = environ.get("REQUEST_METHOD", "GET").upper()
        self.path = environ.get("PATH_INFO", "")
        self.query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        self.body = body
        self.service = described["service"]
        self.protocol = described["protocol"]
        self.operation = described["operation"]
        self.account = account
        self.region = region or "us-east-1"
        from moto.utilities.utils import get_partition

        self.partition = get_partition(self.region)
        self.caller = caller
        self.params = self.parse_params()

    def parse_params(self):
        """The request's parameters: a JSON body's object, or the query string and form fields
        (name -> first value)."""
        text = decoded(self.body, self.header)
        if self.protocol in ("json", "rest-json"):
            try:
                parsed = json.loads(text or "{}")
            except ValueError:
                parsed = {}
            return parsed if isinstance(parsed, dict) else {}
        params = {k: v[0] for k, v in self.query.items()}
        content_type = (self.header("Content-Type") or "").lower()
        if text and content_type.startswith("application/x-www-form-urlencoded"):
            for key, values in urllib.parse.parse_qs(text, keep_blank_values=True).items():
                params[key] = values[0]
        return params

    def arn(self, service, resource, region=True, account=True):
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account if account else ''}:{resource}"
        )


def decoded(body, header):
    if not body:
        return ""
    if (header("Content-Encoding") or "").lower() == "gzip":
        try:
            body = gzip.decompress(body)
        except OSError:
            return ""
    return body.decode("utf-8", "replace")


class Check:
    """One authorization: an action on a resource, with the request tags in its context or not,
    and context keys of its own."""

    def __init__(self, action, resource, tags=None, context=None):
        self.action = action
        self.resource = resource
        self.tags = tags or {}
        self.context = context or {}


def tag_context(tags):
    """aws:RequestTag/<key> and aws:TagKeys of the request's tags (absent without tags)."""
    if not tags:
        return {}
    context = {"aws:tagkeys": list(tags)}
    for key, value in tags.items():
        context[f"aws:requesttag/{key.lower()}"] = [value]
    return context


# Request tags -----------------------------------------------------------------------------------


def json_tags(value):
    """Tags given as [{Key, Value}], [{TagKey, TagValue}], [{key, value}] or {key: value}."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    tags = {}
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        key = item.get("Key", item.get("TagKey", item.get("key")))
        if key is not None:
            tags[str(key)] = str(item.get("Value", item.get("TagValue", item.get("value"))) or "")
    return tags


def listed_tags(params, prefix):
    """Query-protocol tags: PREFIX.N.Key / PREFIX.N.Value."""
    pattern = re.compile(re.escape(prefix) + r"\.(\d+)\.Key$")
    tags = {}
    for name, key in params.items():
        match = pattern.match(name)
        if match:
            tags[key] = params.get(f"{prefix}.{match.group(1)}.Value", "")
    return tags


def ec2_tag_specifications(params):
    """TagSpecification.N: resource type -> its tags."""
    specs = {}
    for name, value in params.items():
        match = re.match(r"TagSpecification\.(\d+)\.ResourceType$", name)
        if match:
            specs[value] = listed_tags(params, f"TagSpecification.{match.group(1)}.Tag")
    for name in params:  # specifications without a ResourceType
        match = re.match(r"TagSpecification\.(\d+)\.Tag\.", name)
        if match and f"TagSpecification.{match.group(1)}.ResourceType" not in params:
            specs.setdefault(None, {}).update(listed_tags(params, f"TagSpecification.{match.group(1)}.Tag"))
    return specs


def xml_tags(text):
    """<Tag><Key/><Value/></Tag> elements anywhere in an XML document."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return {}
    tags = {}
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "Tag":
            fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in element}
            if "Key" in fields:
                tags[fields["Key"]] = fields.get("Value", "")
    return tags


def request_tags(request):
    """The tags a request carries, whatever the protocol (empty for none)."""
    params = request.params
    if request.service == "s3":
        return {}  # CreateBucket's and PutBucketTagging's: see s3_checks
    if request.protocol in ("query", "ec2"):
        tags = listed_tags(params, "Tags.member")
        tags.update(listed_tags(params, "Tag"))
        for spec in ec2_tag_specifications(params).values():
            tags.update(spec)
        return tags
    for name in ("Tags", "tags", "TagsList", "UserPoolTags", "TagList"):
        if name in params:
            return json_tags(params[name])
    return {}


# Resources --------------------------------------------------------------------------------------


def fill(pattern, request, first, rest=None):
    """An ARN pattern of the Service Authorization Reference made concrete: partition, region
    and account of the request where the pattern has a wildcard, the resource part's first
    wildcard the new resource's name or ID, the others rest (a placeholder)."""
    if pattern == "*":
        return "*"
    parts = pattern.split(":", 5)
    if len(parts) < 6:
        return pattern
    partition, service, region, account, resource = parts[1], parts[2], parts[3], parts[4], parts[5]
    resource = resource.replace("*", first, 1).replace("*", rest or placeholder(""))
    return ":".join([
        "arn",
        request.partition if partition == "*" else partition,
        service,
        request.region if region == "*" else region,
        request.account if account == "*" else account,
        resource,
    ])


def placeholder(prefix):
    """A fresh ID for a resource that does not exist yet (AWS's would be its future ID)."""
    return f"{prefix}-{uuid.uuid4().hex[:17]}" if prefix else uuid.uuid4().hex[:17]


def resource_type(pattern):
    """The resource type of an ARN pattern ("vpc" of arn:*:ec2:*:*:vpc/*)."""
    resource = pattern.split(":", 5)[-1]
    return re.split(r"[/:]", resource, 1)[0]


def ec2_arn(request, kind, resource_id):
    return request.arn("ec2", f"{kind}/{resource_id}", region=kind not in EC2_REGIONLESS)


def ec2_type_of(resource_id):
    prefix = resource_id.rsplit("-", 1)[0]
    return EC2_ID_PREFIXES.get(prefix)


def ec2_named(request):
    """The EC2 resources a request names by ID, as ARNs."""
    named = []
    for name, value in request.params.items():
        base = re.sub(r"\.\d+$", "", name)
        if base not in EC2_ID_PARAMETERS or not value:
            continue
        kind = EC2_ID_PARAMETERS[base]
        if base == "AssociationId":
            named.extend(ec2_association(request, value))
            continue
        kind = kind or ec2_type_of(value)
        if kind:
            named.append(ec2_arn(request, kind, value))
    return named


def ec2_association(request, association_id):
    """A route table association's route table and subnet."""
    from moto.ec2.models import ec2_backends

    try:
        tables = ec2_backends[request.account][request.region].route_tables
    except KeyError:
        return []
    for table in tables.values():
        subnet = table._associations.get(association_id)
        if subnet is not None:
            arns = [ec2_arn(request, "route-table", table.id)]
            kind = ec2_type_of(subnet)
            return arns + ([ec2_arn(request, kind, subnet)] if kind else [])
    return []


def iam_path_name(params, name):
    path = params.get("Path") or "/"
    return path.lstrip("/") + name


def iam_entity(request, kind, name):
    """A role's, user's, group's or instance profile's ARN (with its path when it exists)."""
    from moto.iam.models import iam_backends

    backend = iam_backends[request.account][request.partition]
    getter = {"role": "get_role", "user": "get_user", "group": "get_group",
              "instance-profile": "get_instance_profile"}[kind]
    try:
        return getattr(backend, getter)(name).arn
    except Exception:  # no such entity: the ARN with the default path
        return request.arn("iam", f"{kind}/{name}", region=False)


def iam_named(request):
    params = request.params
    for parameter, kind in (("RoleName", "role"), ("UserName", "user"), ("GroupName", "group"),
                            ("InstanceProfileName", "instance-profile")):
        if params.get(parameter):
            return [iam_entity(request, kind, params[parameter])]
    for parameter in ("PolicyArn", "OpenIDConnectProviderArn", "SAMLProviderArn", "SerialNumber"):
        if str(params.get(parameter) or "").startswith("arn:"):
            return [params[parameter]]
    return []


def iam_create_name(request, action):
    params = request.params
    noun = action.split(":", 1)[1][len("Create"):]
    if noun == "OpenIDConnectProvider":
        url = params.get("Url") or ""
        return url.split("://", 1)[-1].rstrip("/") or None
    name = params.get(f"{noun}Name") or params.get("Name")
    return iam_path_name(params, name) if name else None


def kms_key_arn(request, key_id):
    """A KeyId (key ID, key ARN, alias name or alias ARN) as the key's ARN."""
    if not key_id:
        return None
    if key_id.startswith("arn:") and ":key/" in key_id:
        return key_id
    alias = "alias/" + key_id.split(":alias/", 1)[1] if ":alias/" in key_id else key_id
    if alias.startswith("alias/"):
        from moto.kms.models import kms_backends

        try:
            keys = kms_backends[request.account][request.region].keys
        except KeyError:
            return None
        for key in keys.values():
            if alias in key.aliases:
                return request.arn("kms", f"key/{key.id}")
        return None
    return request.arn("kms", f"key/{key_id}")


def kms_alias_arn(request, alias):
    if not alias:
        return None
    return alias if alias.startswith("arn:") else request.arn("kms", alias)


def kms_named(request):
    params, operation = request.params, request.operation
    if operation in ("CreateAlias", "UpdateAlias"):
        return [kms_alias_arn(request, params.get("AliasName")),
                kms_key_arn(request, params.get("TargetKeyId"))]
    if operation == "DeleteAlias":
        return [kms_alias_arn(request, params.get("AliasName")),
                kms_key_arn(request, params.get("AliasName"))]
    return [kms_key_arn(request, params.get("KeyId") or params.get("DestinationKeyId"))]


def name_or_arn(request, service, kind, value, separator="/"):
    if not value:
        return None
    value = str(value)
    return value if value.startswith("arn:") else request.arn(service, f"{kind}{separator}{value}")


def events_named(request):
    params, operation = request.params, request.operation
    bus = str(params.get("EventBusName") or "default").rsplit("/", 1)[-1]
    if operation.endswith("Archive"):
        return [request.arn("events", f"archive/{params.get('ArchiveName')}"),
                params.get("EventSourceArn")]
    if operation in ("PutRule", "DeleteRule", "DescribeRule", "EnableRule", "DisableRule",
                     "PutTargets", "RemoveTargets", "ListTargetsByRule"):
        rule = params.get("Name") or params.get("Rule")
        return [request.arn("events", f"rule/{rule}" if bus == "default" else f"rule/{bus}/{rule}")]
    if operation in ("TagResource", "UntagResource", "ListTagsForResource"):
        return [params.get("ResourceARN")]
    if operation in ("DeleteEventBus", "DescribeEventBus", "UpdateEventBus"):
        return [name_or_arn(request, "events", "event-bus", params.get("Name") or "default")]
    if operation in ("PutPermission", "RemovePermission"):
        return [request.arn("events", f"event-bus/{bus}")]
    if operation == "PutEvents":
        entries = [e for e in params.get("Entries") or [] if isinstance(e, dict)]
        buses = {str(e.get("EventBusName") or "default") for e in entries}
        return [name_or_arn(request, "events", "event-bus", b) for b in sorted(buses)]
    return []


def cloudtrail_named(request):
    params = request.params
    for parameter in ("Name", "TrailName", "TrailARN", "ResourceId", "ResourceArn"):
        if params.get(parameter):
            return [name_or_arn(request, "cloudtrail", "trail", params[parameter])]
    return []


def logs_named(request):
    params = request.params
    group = params.get("logGroupName") or params.get("logGroupIdentifier")
    if group:
        return [group if group.startswith("arn:") else request.arn("logs", f"log-group:{group}")]
    return [params.get("resourceArn")]


def sqs_named(request):
    params = request.params
    url = params.get("QueueUrl")
    if url:
        parts = urllib.parse.urlparse(url).path.strip("/").split("/")
        if len(parts) == 2:
            return [f"arn:{request.partition}:sqs:{request.region}:{parts[0]}:{parts[1]}"]
    if params.get("QueueName"):
        return [request.arn("sqs", params["QueueName"])]
    return []


def sns_named(request):
    params = request.params
    for parameter in ("TopicArn", "ResourceArn", "TargetArn"):
        if params.get(parameter):
            return [params[parameter]]
    if request.operation == "CreateTopic" and params.get("Name"):
        return [request.arn("sns", params["Name"])]
    return []


def ssm_parameter(request, name):
    return request.arn("ssm", f"parameter/{str(name).lstrip('/')}")


def ssm_named(request):
    params = request.params
    if params.get("Name") and "Parameter" in request.operation:
        return [ssm_parameter(request, params["Name"])]
    if params.get("Names"):
        return [ssm_parameter(request, n) for n in params["Names"]]
    if params.get("ResourceType") == "Parameter" and params.get("ResourceId"):
        return [ssm_parameter(request, params["ResourceId"])]
    return []


def named_by(service, kind, *parameters, separator="/"):
    def named(request):
        for parameter in parameters:
            if request.params.get(parameter):
                return [name_or_arn(request, service, kind, request.params[parameter], separator)]
        return []

    return named


def xray_named(request):
    params = request.params
    rule = params.get("SamplingRuleUpdate") or params.get("SamplingRule") or {}
    name = (rule.get("RuleName") or rule.get("RuleARN")) if isinstance(rule, dict) else None
    name = name or params.get("RuleName") or params.get("RuleARN") or params.get("ResourceARN")
    return [name_or_arn(request, "xray", "sampling-rule", name)] if name else []


def lambda_named(request):
    params = request.params
    name = params.get("FunctionName") or params.get("Resource")
    return [name_or_arn(request, "lambda", "function", name, separator=":")] if name else []


def sts_named(request):
    return [request.params["RoleArn"]] if request.params.get("RoleArn") else []


NAMED = {
    "ec2": ec2_named,
    "iam": iam_named,
    "sts": sts_named,
    "kms": kms_named,
    "events": events_named,
    "cloudtrail": cloudtrail_named,
    "logs": logs_named,
    "sqs": sqs_named,
    "sns": sns_named,
    "ssm": ssm_named,
    "firehose": named_by("firehose", "deliverystream", "DeliveryStreamName"),
    "cognito-idp": named_by("cognito-idp", "userpool", "UserPoolId", "ResourceArn"),
    "xray": xray_named,
    "lambda": lambda_named,
}


def create_name(request, action):
    """The name a create request gives its resource, for name-addressed kinds; None otherwise."""
    params = request.params
    if request.service == "iam":
        return iam_create_name(request, action)
    if request.service == "lambda":
        return params.get("FunctionName")
    if request.service in ("events", "cloudtrail"):
        return params.get("Name")
    return None


def created_checks(request, action, row, tags):
    """The checks of a create action that accepts request tags: each created resource with the
    tags, each named resource of another type it is authorized on (with the tags only when they
    are in every resource's context), and the tagging action on the created resources."""
    at_action = row["request_tags_at"] == "action"
    name = create_name(request, action)
    checks, created = [], []
    specs = ec2_tag_specifications(request.params) if request.service == "ec2" else {}
    for pattern in row["creates"]:
        kind = resource_type(pattern)
        if request.service == "ec2":
            first = placeholder(EC2_TYPE_PREFIXES.get(kind, kind))
            own = specs.get(kind, specs.get(None, {})) if specs else tags
        else:
            first, own = name or placeholder(""), tags
        arn = name if name and name.startswith("arn:") else fill(pattern, request, first)
        created.append((arn, own))
        checks.append(Check(action, arn, own))
    # Only EC2's named resources are derived for a create (see the module's docstring).
    for arn in ec2_named(request) if request.service == "ec2" else []:
        if any(s3_policy.resource_like(p, arn) for p in row["also_authorized_on"]):
            checks.append(Check(action, arn, tags if at_action else None))
    checks.extend(tagging_checks(request, action, created))
    return checks


def tagging_checks(request, action, created):
    """The tagging action a create that carries tags is authorized as, on what it creates."""
    checks = []
    for arn, tags in created:
        if not tags:
            continue
        if request.service == "ec2":
            context = {"ec2:createaction": [request.operation]}
            checks.append(Check("ec2:CreateTags", arn, tags, context))
        elif request.service == "kms":
            key = arn if arn != "*" else request.arn("kms", f"key/{uuid.uuid4()}")
            checks.append(Check("kms:TagResource", key, tags))
        elif request.service == "s3":
            checks.append(Check("s3:TagResource", arn, tags))
        elif request.service == "iam":
            noun = action.split(":", 1)[1][len("Create"):]
            noun = "MFADevice" if noun == "VirtualMFADevice" else noun
            checks.append(Check(f"iam:Tag{noun}", arn, tags))
    return checks


def generic_checks(request, action):
    """Checks of a request that is not an S3 one."""
    tags = request_tags(request)
    row = tag_actions().get(action)
    if row is not None:
        return created_checks(request, action, row, tags)
    resources = [r for r in NAMED.get(request.service, lambda r: [])(request) if r]
    return [Check(action, resource, tags) for resource in resources or ["*"]]


# S3 ---------------------------------------------------------------------------------------------


def s3_location(environ, header):
    """(bucket, key) of an S3 request, path-style or virtual-hosted as moto tells them apart."""
    from moto.s3.responses import S3Response

    host = header("Host") or ""
    path = environ.get("PATH_INFO", "")
    url = f"{environ.get('wsgi.url_scheme', 'https')}://{host}{path}"
    virtual = S3Response.subdomain_based_buckets(None, SimpleNamespace(headers={"host": host}, url=url))
    if virtual:
        bucket = host.split(".", 1)[0] if "." in host else ""
        key = path.lstrip("/")
    else:
        bucket, _, key = path.lstrip("/").partition("/")
    return bucket, key


def s3_checks(request):
    bucket, key = s3_location(request.environ, request.header)
    if not bucket:
        return [Check("s3:ListAllMyBuckets", "*")]
    bucket_arn = f"arn:{request.partition}:s3:::{bucket}"
    text = decoded(request.body, request.header)
    context = s3_policy.s3_context(request.header, request.query)
    if key:
        actions = s3_policy.s3_actions(request.method, request.query, HeaderLookup(request.header), True)
        tagging = request.header("x-amz-tagging")
        if tagging is not None:
            object_tags = dict(urllib.parse.parse_qsl(tagging, keep_blank_values=True))
            context["s3:requestobjecttagkeys"] = list(object_tags)
            for name, value in object_tags.items():
                context[f"s3:requestobjecttag/{name.lower()}"] = [value]
        actions = actions or s3_named_action(request)
        return [Check(a, f"{bucket_arn}/{key}", None, context) for a in actions]
    if request.method == "POST" and "delete" in request.query:  # DeleteObjects
        keys = [html.unescape(k) for k in re.findall(r"<Key>(.*?)</Key>", text, re.DOTALL)]
        return [Check("s3:DeleteObject", f"{bucket_arn}/{k}", None, context) for k in keys]
    actions = s3_policy.s3_actions(request.method, request.query, HeaderLookup(request.header), False)
    actions = actions or s3_named_action(request)
    tags = xml_tags(text) if text and (actions == ["s3:CreateBucket"] or "tagging" in request.query) else {}
    checks = [Check(a, bucket_arn, tags, context) for a in actions]
    if actions == ["s3:CreateBucket"] and tags:
        checks.extend(tagging_checks(request, "s3:CreateBucket", [(bucket_arn, tags)]))
    return checks


def s3_named_action(request):
    """s3:<Operation> for an operation the tables of s3_policy.py don't have; none for a request
    that names no operation (a browser form upload)."""
    return [] if " " in request.operation else [f"s3:{request.operation}"]


class HeaderLookup:
    """A case-insensitive header lookup with the .get of a mapping (for s3_policy.s3_actions)."""

    def __init__(self, header):
        self.header = header

    def get(self, name, default=None):
        value = self.header(name)
        return default if value is None else value


# Operations of REST-JSON services ----------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def rest_routes(service):
    """(method, path regex, literal length, operation) of each operation of botocore's model of
    a REST-JSON service, the most specific first."""
    try:
        import botocore.session

        model = botocore.session.get_session().get_service_model(service)
    except Exception:
        return ()
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "/").split("?", 1)[0].rstrip("/")
        pattern, literal = "", 0
        for piece in re.split(r"(\{[^}]+\})", uri):
            if piece.startswith("{"):
                label = piece[1:-1]
                greedy = label.endswith("+")
                label = re.sub(r"\W", "_", label.rstrip("+"))
                pattern += f"(?P<{label}>.+)" if greedy else f"(?P<{label}>[^/]+)"
            else:
                pattern += re.escape(piece)
                literal += len(piece)
        routes.append((http.get("method", "POST"), re.compile(f"^{pattern}/?$"), literal, name))
    routes.sort(key=lambda route: -route[2])
    return tuple(routes)


def rest_operation(service, method, path):
    """(operation, path parameters) of a REST-JSON request, or None."""
    for route_method, regex, _, name in rest_routes(service):
        if route_method == method:
            match = regex.match(path)
            if match:
                return name, {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
    return None


# Who and where ----------------------------------------------------------------------------------


def signing_key(authorization, query):
    """The access key that signed the request (SigV4 header or presigned URL, SigV2), or None."""
    match = re.search(r"Credential=([^/\s,]+)/", authorization or "")
    if match:
        return match.group(1)
    match = re.match(r"AWS ([^:\s]+):", authorization or "")
    if match:
        return match.group(1)
    for name in ("X-Amz-Credential", "AWSAccessKeyId"):
        if query.get(name):
            return query[name][0].split("/", 1)[0]
    return None


def scope_region(authorization, query):
    scope = re.search(r"Credential=[^/\s,]+/\d{8}/([^/\s,]+)/[^/\s,]+/aws4_request", authorization or "")
    if scope is None and query.get("X-Amz-Credential"):
        scope = re.search(r"^[^/]+/\d{8}/([^/]+)/[^/]+/aws4_request", query["X-Amz-Credential"][0])
    return scope.group(1) if scope else None


def current_account(access_key, header):
    """The account moto serves the request as (BaseResponse.get_current_account): MOTO_ACCOUNT_ID,
    an x-moto-account-id header, else the account that issued the access key (an assumed role's
    keys are its role's account's), else moto's default account."""
    import os

    from moto.iam.models import get_account_id_from

    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if header("x-moto-account-id"):
        return header("x-moto-account-id")
    return get_account_id_from(access_key)


class Membership:
    """A member account's place in its organization, and the SCPs of each level on its path."""

    def __init__(self, org, levels, path):
        self.org = org
        self.levels = levels
        self.path = path


def membership(account_id):
    """The SCPs in force for a member account, or None when none are (not a member, or the
    organization without all features or with SCPs disabled)."""
    from moto.organizations.models import FakeRoot, organizations_backends

    owner = organizations_backends.master_accounts.get(account_id)
    if owner is None:
        return None
    backend = organizations_backends[owner[0]][owner[1]]
    org = backend.org
    if org is None or org.feature_set != "ALL":
        return None
    account = next((a for a in backend.accounts if a.id == account_id), None)
    root = next((ou for ou in backend.ou if isinstance(ou, FakeRoot)), None)
    if account is None or root is None:
        return None
    if not any(t["Type"] == "SERVICE_CONTROL_POLICY" and t["Status"] == "ENABLED" for t in root.policy_types):
        return None
    chain, parent = [account], account.parent_id
    while parent:
        node = next((ou for ou in backend.ou if ou.id == parent), None)
        if node is None:
            break
        chain.append(node)
        parent = None if isinstance(node, FakeRoot) else node.parent_id
    chain.reverse()
    levels = [[p for p in node.attached_policies if p.type == "SERVICE_CONTROL_POLICY"] for node in chain]
    path = org.id + "/" + "".join(f"{node.id}/" for node in chain[:-1])
    return Membership(org, levels, path)


def is_service_linked(caller):
    role = caller.role_arn or ""
    return role.split(":", 5)[-1].startswith("role/aws-service-role/")


def global_context(request, member):
    caller = request.caller
    environ = request.environ
    context = s3_policy.global_context(environ.get("wsgi.url_scheme"), environ.get("REMOTE_ADDR"), caller)
    context["aws:requestedregion"] = [request.region]
    context["aws:principalorgid"] = [member.org.id]
    context["aws:principalorgpaths"] = [member.path]
    context["aws:principaltype"] = [
        "Account" if caller.root else "AssumedRole" if caller.role_arn else "User"
    ]
    context["aws:principalisawsservice"] = ["false"]
    context["aws:viaawsservice"] = ["false"]
    return context


# Evaluation -------------------------------------------------------------------------------------


class Denial:
    def __init__(self, check, policy=None):
        self.check = check
        self.policy = policy  # the SCP that denies explicitly; None: no SCP allows

    @property
    def explicit(self):
        return self.policy is not None


def evaluate(member, check, caller, context):
    """None when the SCPs allow the check, else its Denial: an explicit Deny in any SCP, else a
    level (root, OU, account) none of whose SCPs allows it."""
    context = {**context, **tag_context(check.tags), **check.context}
    implicit = False
    for level in member.levels:
        allowed = False
        for policy in level:
            said = s3_policy.decision(document(policy.content), check.action, check.resource, caller, context)
            if said == "Deny":
                return Denial(check, policy)
            allowed = allowed or said == "Allow"
        implicit = implicit or not allowed
    return Denial(check) if implicit else None


def checks_of(request):
    if request.service == "s3":
        return s3_checks(request)
    prefix = IAM_PREFIXES.get(request.service, request.service)
    action = ACTION_RENAMES.get(f"{prefix}:{request.operation}", f"{prefix}:{request.operation}")
    return generic_checks(request, action)


def denial_of(request, member):
    context = global_context(request, member)
    denials = [
        d for d in (evaluate(member, c, request.caller, context) for c in checks_of(request)) if d
    ]
    if not denials:
        return None
    return next((d for d in denials if d.explicit), denials[0])


# The answer -------------------------------------------------------------------------------------


def message(request, denial):
    check = denial.check
    resource = f'"{check.resource}"' if request.service == "s3" else check.resource
    text = (
        f"User: {request.caller.arn} is not authorized to perform: {check.action} on resource: "
        f"{resource} "
    )
    if denial.explicit:
        return text + f"with an explicit deny in a service control policy: {denial.policy.arn}"
    return text + f"because no service control policy allows the {check.action} action"


def encoded_failure(request, denial):
    """EC2's encoded authorization failure message: base64url JSON of the decision (AWS's is
    encrypted for sts:DecodeAuthorizationMessage, which the emulator does not have)."""
    decision = {
        "allowed": False,
        "explicitDeny": denial.explicit,
        "context": {
            "principal": {"arn": request.caller.arn},
            "action": denial.check.action,
            "resource": denial.check.resource,
        },
    }
    return base64.urlsafe_b64encode(json.dumps(decision).encode()).decode().rstrip("=")


@functools.lru_cache(maxsize=32)
def xml_namespace(service):
    try:
        import botocore.session

        return botocore.session.get_session().get_service_model(service).metadata.get("xmlNamespace")
    except Exception:
        return None


def escape(value):
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def access_denied(request, denial):
    """(status, headers, body) of the service's AccessDenied answer."""
    code, status = ERRORS.get(request.service) or PROTOCOL_ERRORS.get(request.protocol, ("AccessDenied", 403))
    text = message(request, denial)
    request_id = str(uuid.uuid4())
    headers = [("x-amzn-RequestId", request_id)]
    if request.protocol == "ec2":
        text = (
            f"You are not authorized to perform this operation. {text}. "
            f"Encoded authorization failure message: {encoded_failure(request, denial)}"
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"<Code>{code}</Code><Message>{escape(text)}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )
        return status, headers + [("Content-Type", "text/xml;charset=UTF-8")], body
    if request.service == "s3" or request.protocol == "rest-xml":
        from moto.core.serialize import S3Serializer

        headers = [("x-amz-request-id", request_id), ("Content-Type", "application/xml")]
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{escape(text)}</Message>"
            f"<RequestId>{request_id}</RequestId><HostId>{S3Serializer.DEFAULT_HOST_ID}</HostId></Error>"
        )
        return status, headers, "" if request.method == "HEAD" else body
    if request.protocol == "query":
        namespace = xml_namespace(request.service)
        opening = f'<ErrorResponse xmlns="{namespace}">' if namespace else "<ErrorResponse>"
        body = (
            f"{opening}<Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{escape(text)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return status, headers + [("Content-Type", "text/xml")], body
    key = "Message" if request.service in CAPITAL_MESSAGE else "message"
    if request.protocol == "rest-json":
        headers += [("x-amzn-ErrorType", code), ("Content-Type", "application/json")]
        return status, headers, json.dumps({"Type": "User", key: text})
    content_type = request.header("Content-Type") or "application/x-amz-json-1.1"
    error_type = code
    if request.service == "sqs":  # awsQueryCompatible: the query code in x-amzn-query-error
        headers.append(("x-amzn-query-error", f"{code};Sender"))
        error_type = "com.amazon.coral.service#AccessDeniedException"
    headers.append(("Content-Type", content_type))
    return status, headers, json.dumps({"__type": error_type, key: text})


# The middleware ---------------------------------------------------------------------------------


def header_lookup(environ):
    def header(name):
        key = name.upper().replace("-", "_")
        return environ.get(key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}")

    return header




def wants_body(environ, header, service, query):
    """Whether the body is needed: any request but S3's, and S3's small XML documents on a
    bucket (CreateBucket, PutBucketTagging, DeleteObjects), never an object's."""
    if service != "s3":
        return True
    bucket, key = s3_location(environ, header)
    if not bucket or key:
        return False
    method = environ.get("REQUEST_METHOD", "GET").upper()
    names = set(urllib.parse.parse_qs(query, keep_blank_values=True))
    if method == "PUT":
        return names <= {"x-id"} or "tagging" in names
    return method == "POST" and "delete" in names


def refusal(environ):
    """The AccessDenied answer (status, headers, body) for a request the SCPs deny, else None."""
    import request_log

    header = header_lookup(environ)
    authorization = header("Authorization") or ""
    query_string = environ.get("QUERY_STRING", "")
    query = urllib.parse.parse_qs(query_string, keep_blank_values=True)
    access_key = signing_key(authorization, query)
    if access_key is None:
        return None  # unsigned: no principal of any account
    account = current_account(access_key, header)
    member = membership(account)
    if member is None:
        return None  # the management account, an account outside the organization, SCPs off
    region = scope_region(authorization, query)
    from moto.utilities.utils import get_partition

    caller = s3_policy.caller_from_key(access_key, account, get_partition(region or "us-east-1"))
    if is_service_linked(caller):
        return None
    service = request_log.credential_service(authorization, query)
    body = read_body(environ) if wants_body(environ, header, service, query_string) else b""
    path = environ.get("PATH_INFO", "")
    described = request_log.classify(environ.get("REQUEST_METHOD", "GET"), path, query_string, header, body)
    labels = {}
    if described["protocol"] == "rest-json":
        found = rest_operation(service, described["method"], path)
        if found is not None:
            described["operation"], labels = found
        elif " " in described["operation"]:
            return None  # no operation of the service's API: moto answers it
    request = Request(environ, header, body, described, account, region, caller)
    request.params = {**request.params, **labels}
    if f"{service}:{request.operation}" in UNRESTRICTED:
        return None
    denial = denial_of(request, member)
    return access_denied(request, denial) if denial else None


def patch_service_control_policies():
    """Requests of an organization's member accounts are evaluated under the service control
    policies in force for the account before they reach moto, and a request the SCPs deny is
    answered with the service's AccessDenied error (this module's docstring says how, after the
    AWS Organizations User Guide's "Service control policies (SCPs)" and "SCP evaluation"). The
    management account, service-linked roles and accounts outside the organization are never
    restricted. moto 5.2 stores SCPs but never enforces them."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    dispatch = DomainDispatcherApplication.__call__

    def __call__(self, environ, start_response):
        try:
            refused = refusal(environ)
        except Exception:  # never fail a request because its evaluation failed; say why
            traceback.print_exc(file=sys.stderr)
            refused = None
        if refused is None:
            return dispatch(self, environ, start_response)
        status, headers, body = refused
        data = body.encode("utf-8")
        reason = {400: "Bad Request", 403: "Forbidden"}.get(status, "Error")
        start_response(f"{status} {reason}", headers + [("Content-Length", str(len(data)))])
        return [data]

    DomainDispatcherApplication.__call__ = __call__
    tag_actions()  # fail at start, not on the first request, if the data file is missing
