#!/usr/bin/env python3
"""bankinfra's local AWS: moto in server mode, with fixes where moto departs from the AWS API.

Usage: launch.py [--host 127.0.0.1] [--port 5000] [--tls-dir DIR] [--request-log FILE]

With --tls-dir the emulator serves HTTPS (as AWS endpoints do) with DIR/server.pem, signed by the
local CA DIR/ca.pem that clients must trust; both are made on first use (see local_ca.py).
With --request-log every request received is appended to FILE as a JSON line (service,
operation, method, path, mutating) before it is handled (see request_log.py).

Each fix below, and each in emulator/extensions/ (APIs moto lacks, and fixes of services whose
patches outgrew this file; one module per service), follows the AWS API reference and has a test in emulator/test_launch.py. The engine never knows it talks
to an emulator; differences are corrected here, not there.
"""

import argparse
import os
import sys

from extensions.cognito import (
    patch_cognito_resource_server_update_and_delete,
    patch_cognito_update_user_pool_client_replaces,
    patch_cognito_update_user_pool_keeps_tags_and_renames,
    patch_cognito_user_pool_client_oauth_checks,
    patch_cognito_user_pool_deletion_protection,
    patch_cognito_user_pool_mfa_configuration,
    patch_cognito_user_pool_schema_keeps_standard_attributes,
    patch_cognito_user_pool_tags,
)
from extensions.events import patch_events_update_event_bus
from extensions.firehose import (
    patch_firehose_list_delivery_streams_paging,
    patch_firehose_s3_destination_description,
    patch_firehose_stream_encryption,
)
from extensions.iam import patch_iam_oidc_client_ids
from extensions.logs import patch_logs_kms_key_association
from extensions.organizations import (
    patch_organizations_calls_need_the_organization,
    patch_organizations_handshakes,
    patch_organizations_policy_attachments,
    patch_organizations_policy_content_and_name,
)
from extensions.s3_policy import patch_s3_bucket_policy_evaluation
from extensions.scp import patch_service_control_policies
from extensions.xray import patch_xray_sampling_rules
from local_ca import server_certificate

os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")


def patch_serve_without_nagle():
    """Answer without Nagle's delay (TCP_NODELAY), as AWS endpoints do: werkzeug writes a
    response's headers and body in separate packets, and with Nagle's algorithm on, the body
    waits for the client's delayed ACK (tens of milliseconds per call on loopback)."""
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.disable_nagle_algorithm = True


def patch_kms_rotation_period():
    """KMS EnableKeyRotation takes RotationPeriodInDays (90..2560, default 365) and
    GetKeyRotationStatus returns it; moto 5.2 drops it."""
    import json

    from moto.kms import models, responses

    def enable_key_rotation(self):
        key_id = self._get_param("KeyId")
        period = self._get_param("RotationPeriodInDays", 365)
        if not isinstance(period, int) or not 90 <= period <= 2560:
            from moto.kms.exceptions import ValidationException

            raise ValidationException(
                "1 validation error detected: Value at 'rotationPeriodInDays' failed to satisfy "
                "constraint: Member must have value between 90 and 2560"
            )
        self._validate_cmk_id(key_id)
        self.kms_backend.enable_key_rotation(key_id)
        key = self.kms_backend.keys[self.kms_backend.get_key_id(key_id)]
        key.rotation_period_in_days = period
        return json.dumps(None)

    def get_key_rotation_status(self):
        key_id = self._get_param("KeyId")
        self._validate_cmk_id(key_id)
        key = self.kms_backend.keys[self.kms_backend.get_key_id(key_id)]
        enabled = self.kms_backend.get_key_rotation_status(key_id)
        body = {"KeyRotationEnabled": enabled, "KeyId": key.id}
        if enabled:
            body["RotationPeriodInDays"] = getattr(key, "rotation_period_in_days", 365)
        return json.dumps(body)

    responses.KmsResponse.enable_key_rotation = enable_key_rotation
    responses.KmsResponse.get_key_rotation_status = get_key_rotation_status
    assert models  # imported for its side effect of registering the backend


def patch_s3_get_bucket_versioning():
    """S3 GetBucketVersioning answers with a <VersioningConfiguration> root element (and no
    <Status> when versioning was never enabled); moto 5.2 answers <GetBucketVersioningResponse>,
    which strict XML clients such as aws-sdk-rust reject."""
    from moto.s3 import responses

    def get_bucket_versioning(self):
        status = self.backend.get_bucket_versioning(self.bucket_name)
        inner = f"<Status>{status}</Status>" if status else ""
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"{inner}</VersioningConfiguration>"
        )
        return 200, {"Content-Type": "application/xml"}, body

    responses.S3Response.get_bucket_versioning = get_bucket_versioning


def patch_events_put_permission_policy():
    """EventBridge PutPermission with Policy sets the bus's resource-based policy as a whole: the
    document replaces the policy the bus had, and its statements need no Sid. moto 5.2 merges the
    statements into the old policy by Sid (dropping old ones only when a new one has the same
    Principal), so a statement removed from the document stays, and a statement without Sid
    answers 500. The StatementId/Action/Principal form still adds one statement, as in AWS."""
    import json

    from moto.core.exceptions import JsonRESTError
    from moto.events import models

    class DocumentStatement:
        """A statement kept exactly as the policy document gave it."""

        def __init__(self, document):
            self.document = document
            self.sid = document.get("Sid")
            self.principal = document.get("Principal")

        def describe(self):
            return self.document

    def add_policy(self, policy):
        statements = policy.get("Statement") if isinstance(policy, dict) else None
        if isinstance(statements, dict):
            statements = [statements]
        if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
            raise JsonRESTError("ValidationException", "This policy contains invalid Json")
        self._statements = {}
        for index, statement in enumerate(statements):
            sid = statement.get("Sid")
            # Statements without a (unique) Sid get a key no StatementId can name.
            key = sid if isinstance(sid, str) and sid not in self._statements else (index,)
            self._statements[key] = DocumentStatement(statement)
        # Version, Id: what the document has besides its statements.
        self.policy_header = {k: v for k, v in policy.items() if k != "Statement"}

    def policy(self):
        if not self._statements:
            return None
        header = getattr(self, "policy_header", None) or {"Version": "2012-10-17"}
        statements = [statement.describe() for statement in self._statements.values()]
        return json.dumps({**header, "Statement": statements})

    remove_statement = models.EventBus.remove_statement
    remove_statements = models.EventBus.remove_statements

    def forget_header(self):
        if not self._statements:
            self.policy_header = None

    def remove_statement_and_header(self, sid):
        statement = remove_statement(self, sid)
        forget_header(self)
        return statement

    def remove_statements_and_header(self):
        remove_statements(self)
        forget_header(self)

    models.EventBus.add_policy = add_policy
    models.EventBus.policy = property(policy)
    models.EventBus.remove_statement = remove_statement_and_header
    models.EventBus.remove_statements = remove_statements_and_header


def patch_iam_policy_documents_url_encoded():
    """IAM returns every policy document (botocore's policyDocumentType: a Role's
    AssumeRolePolicyDocument, an inline PolicyDocument, a PolicyVersion's Document) URL-encoded
    (RFC 3986), and leaves a PolicyVersion's Document out of CreatePolicyVersion and
    ListPolicyVersions. moto 5.2 encodes them only in CreateRole, GetRole and Get{Role,User,Group}
    Policy, and answers raw JSON in GetPolicyVersion, ListRoles, the instance profile operations,
    UpdateRoleDescription and GetAccountAuthorizationDetails, and the Document in
    CreatePolicyVersion and ListPolicyVersions."""
    from moto.core.serialize import never_return, url_encode
    from moto.iam import responses

    transformers = responses.IamResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER
    # moto applies the first key that ends the value's path, so the specific keys come first,
    # and moto's own keys (which already encode) before these.
    transformers["CreatePolicyVersionResponse.PolicyVersion.Document"] = never_return
    transformers["ListPolicyVersionsResponse.Versions.PolicyVersion.Document"] = never_return
    # GetAccountAuthorizationDetails' inline and version documents are encoded by moto's models
    # (role_policy_list, policy_version_list, ...) already: encoding them again would double it.
    for encoded in (
        "PolicyDetail.PolicyDocument",
        "PolicyVersionList.PolicyVersion.Document",
    ):
        transformers.setdefault(encoded, lambda value: value)
    for suffix in (".AssumeRolePolicyDocument", ".PolicyDocument", ".PolicyVersion.Document"):
        transformers.setdefault(suffix, url_encode)


def patch_iam_authorization_details_policy_names():
    """GetAccountAuthorizationDetails lists each managed policy (ManagedPolicyDetail) with its
    PolicyName and PolicyId, as the API reference says; moto 5.2 leaves both out."""
    from moto.core.responses import ActionResult
    from moto.iam import responses

    def get_account_authorization_details(self):
        details = self.backend.get_account_authorization_details(self._get_param("Filter", []))
        policies = [
            {
                "PolicyName": p.name,
                "PolicyId": p.id,
                "Arn": p.arn,
                "Path": p.path,
                "DefaultVersionId": p.default_version_id,
                "AttachmentCount": p.attachment_count,
                "PermissionsBoundaryUsageCount": 0,
                "IsAttachable": True,
                "Description": p.description,
                "CreateDate": p.create_date,
                "UpdateDate": p.update_date,
                "PolicyVersionList": p.policy_version_list,
            }
            for p in details["managed_policies"]
        ]
        return ActionResult(
            {
                "UserDetailList": details["users"],
                "GroupDetailList": details["groups"],
                "RoleDetailList": details["roles"],
                "Policies": policies,
                "IsTruncated": False,
            }
        )

    responses.IamResponse.get_account_authorization_details = get_account_authorization_details


def patch_iam_update_role_keeps_omitted_fields():
    """IAM UpdateRole changes only what it is given: an omitted Description or
    MaxSessionDuration keeps its value. moto 5.2 clears the description and resets the maximum
    session to 3600 seconds whenever either is omitted."""
    from moto.core.responses import EmptyResult
    from moto.iam import responses

    def update_role(self):
        role = self.backend.get_role(self._get_param("RoleName"))
        description = self._get_param("Description")
        if description is not None:
            role.description = description
        duration = self._get_param("MaxSessionDuration")
        if duration is not None:
            role.max_session_duration = duration
        return EmptyResult()

    responses.IamResponse.update_role = update_role


def patch_ssm_describe_parameters_max_results():
    """DescribeParameters returns up to MaxResults parameters per page (1..50; 10 when omitted),
    as the API reference says; moto 5.2 ignores MaxResults and always pages by 10."""
    from typing import Any

    from moto.core.responses import ActionResult
    from moto.ssm import responses

    def describe_parameters(self):
        page_size = self._get_param("MaxResults") or 10
        if not isinstance(page_size, int) or not 1 <= page_size <= 50:
            from moto.ssm.exceptions import ValidationException

            raise ValidationException(
                "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: "
                "Member must have value less than or equal to 50"
            )
        token = self._get_param("NextToken")
        start = int(token.strip()) if isinstance(token, str) and token.strip() else 0
        result = self.ssm_backend.describe_parameters(self._get_param("Filters"), self._get_param("ParameterFilters"))
        page = result[start : start + page_size]
        response: dict[str, Any] = {"Parameters": [p.describe_response_object(False) for p in page]}
        if start + page_size < len(result):
            response["NextToken"] = str(start + page_size)
        return ActionResult(response)

    responses.SimpleSystemManagerResponse.describe_parameters = describe_parameters


def patch_sqs_set_attributes_keeps_policy():
    """SQS SetQueueAttributes changes only the attributes it is given; the access policy goes
    only when Policy is set to "". moto 5.2 drops the policy on every SetQueueAttributes call
    that does not repeat it."""
    from moto.sqs import models

    original = models.Queue._set_attributes

    def set_attributes(self, attributes, now=None):
        kept = None if "Policy" in attributes else getattr(self, "_policy_json", None)
        original(self, attributes, now)
        if kept is not None:
            self._policy_json = kept

    models.Queue._set_attributes = set_attributes


def patch_s3_create_bucket_tags():
    """S3 CreateBucket accepts the bucket's tags in CreateBucketConfiguration/Tags and tags the
    bucket in the same call, so a bucket never exists untagged. moto 5.2 ignores them."""
    import xmltodict
    from moto.s3 import responses

    original = responses.S3Response._bucket_response_put

    def bucket_response_put(self, request, bucket_name, querystring):
        result = original(self, request, bucket_name, querystring)
        if not querystring and self.body:
            try:
                config = xmltodict.parse(self.body).get("CreateBucketConfiguration") or {}
            except Exception:  # not XML: not a configuration with tags
                config = {}
            tags = (config.get("Tags") or {}).get("Tag") or []
            if isinstance(tags, dict):
                tags = [tags]
            if tags:
                self.backend.put_bucket_tagging(bucket_name, {t["Key"]: t.get("Value") or "" for t in tags})
        return result

    responses.S3Response._bucket_response_put = bucket_response_put


def patch_logs_log_group_name_pattern():
    """CloudWatch Logs DescribeLogGroups' logGroupNamePattern: "returns only log groups that have
    names that match the string based on a case-sensitive substring search"; it and
    logGroupNamePrefix are mutually exclusive (InvalidParameterException), and pages hold at most
    `limit` (50) groups in name order, and a pattern's answer holds "only arn, creationTime, and
    logGroupName" of each group
    (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogGroups.html).
    moto 5.2 ignores the pattern and answers every group."""
    import functools
    import json

    from moto.logs import responses
    from moto.logs.exceptions import InvalidParameterException

    original = responses.LogsResponse.describe_log_groups

    @functools.wraps(original)
    def describe_log_groups(self):
        pattern = self._get_param("logGroupNamePattern")
        if not pattern:
            return original(self)
        if self._get_param("logGroupNamePrefix"):
            raise InvalidParameterException(
                msg="LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."
            )
        limit = self._get_param("limit", 50)
        start = int(self._get_param("nextToken") or 0)
        names = sorted(name for name in self.logs_backend.groups if pattern in name)
        page = names[start : start + limit]
        following = str(start + limit) if start + limit < len(names) else None
        kept = ("arn", "creationTime", "logGroupName")
        groups = [
            {k: v for k, v in self.logs_backend.groups[name].to_describe_dict().items() if k in kept}
            for name in page
        ]
        return json.dumps({"logGroups": groups, "nextToken": following})

    responses.LogsResponse.describe_log_groups = describe_log_groups


def patch_logs_resource_tags_need_the_log_group():
    """CloudWatch Logs ListTagsForResource, TagResource and UntagResource name a log group by its
    ARN without the trailing ":*" (DescribeLogGroups' logGroupArn): the ":*" form (its arn) is
    ValidationException "Invalid resourceArn", a group that doesn't exist is
    ResourceNotFoundException, and a group's tags go when it is deleted. moto 5.2 keeps tags by
    any ARN string: the ":*" form reads as untagged, a missing group can be tagged, and a group
    created again under a deleted group's name has the deleted group's tags."""
    import functools

    from moto.logs import models, responses
    from moto.logs.exceptions import ResourceNotFoundException, ValidationException

    def checked(handler):
        @functools.wraps(handler)
        def call(self):
            arn = self._get_param("resourceArn")
            if isinstance(arn, str) and ":log-group:" in arn:
                if arn.endswith(":*"):
                    raise ValidationException("Invalid resourceArn")
                if not any(group.arn == arn for group in self.logs_backend.groups.values()):
                    raise ResourceNotFoundException()
            return handler(self)

        return call

    for name in ("list_tags_for_resource", "tag_resource", "untag_resource"):
        setattr(responses.LogsResponse, name, checked(getattr(responses.LogsResponse, name)))

    delete = models.LogsBackend.delete_log_group

    def delete_log_group(self, log_group_name):
        group = self.groups.get(log_group_name)
        delete(self, log_group_name)
        self.tagger.delete_all_tags_for_resource(group.arn)

    models.LogsBackend.delete_log_group = delete_log_group


def patch_cloudtrail_trail_name_or_arn():
    """CloudTrail StartLogging, StopLogging and DeleteTrail take the trail's name or its ARN, and
    an unknown trail is TrailNotFoundException; DeleteTrail deletes the trail's tags with it.
    moto 5.2 looks all three up by name only: StartLogging and StopLogging answer 500 for an ARN
    or an unknown name, DeleteTrail answers success and deletes nothing, and a deleted trail's
    tags come back on the next trail of that name."""
    from moto.cloudtrail import models

    def start_logging(self, name):
        self.get_trail(name).start_logging()

    def stop_logging(self, name):
        self.get_trail(name).stop_logging()

    def delete_trail(self, name):
        trail = self.get_trail(name)
        del self.trails[trail.trail_name]
        self.tagging_service.delete_all_tags_for_resource(trail.arn)

    models.CloudTrailBackend.start_logging = start_logging
    models.CloudTrailBackend.stop_logging = stop_logging
    models.CloudTrailBackend.delete_trail = delete_trail


def patch_cloudtrail_create_trail_rejects_existing_name():
    """CloudTrail CreateTrail with the name of a trail the region has (its own, or the shadow of
    another region's multi-region trail) is TrailAlreadyExistsException. moto 5.2 replaces the
    trail with the new one, losing its settings, logging status and event selectors."""
    from moto.cloudtrail import models
    from moto.core.exceptions import JsonRESTError

    create = models.CloudTrailBackend.create_trail

    def create_trail(self, name, *args, **kwargs):
        if any(t.trail_name == name for t in self.describe_trails(include_shadow_trails=True)):
            raise JsonRESTError(
                "TrailAlreadyExistsException",
                f"Trail {name} already exists for customer: {self.account_id}",
            )
        return create(self, name, *args, **kwargs)

    models.CloudTrailBackend.create_trail = create_trail


def patch_cloudtrail_describe_trails_name_list():
    """CloudTrail DescribeTrails with a trailNameList returns only the trails it names: a name
    matches a trail whose home is the current region, an ARN any trail the region shows (a
    multi-region trail's shadow too), and what matches nothing is left out; without one it
    returns every trail (shadow trails unless includeShadowTrails is false). moto 5.2 ignores
    trailNameList and always returns every trail."""
    import json

    from moto.cloudtrail import responses

    def describe_trails(self):
        backend = self.cloudtrail_backend
        trails = backend.describe_trails(self._get_bool_param("includeShadowTrails", True))
        names = self._get_param("trailNameList") or []
        if names:
            home = backend.region_name
            trails = [
                t for t in trails
                if t.arn in names or (t.trail_name in names and t.region_name == home)
            ]
        return json.dumps({"trailList": [t.description(include_region=True) for t in trails]})

    responses.CloudTrailResponse.describe_trails = describe_trails


def patch_cloudtrail_event_selectors():
    """CloudTrail trails start with one event selector that logs all management events and no
    data events, which GetEventSelectors returns until PutEventSelectors replaces it; a trail
    has either EventSelectors or AdvancedEventSelectors (putting one kind removes the other),
    GetEventSelectors returns only the kind it has, and DescribeTrails says
    HasCustomEventSelectors: true once selectors were put. moto 5.2 starts with no selectors,
    keeps advanced selectors when basic ones are put, returns AdvancedEventSelectors: [] beside
    basic ones, and always says HasCustomEventSelectors: false."""
    import json

    from moto.cloudtrail import models, responses

    default = {
        "ReadWriteType": "All",
        "IncludeManagementEvents": True,
        "DataResources": [],
        "ExcludeManagementEventSources": [],
    }

    def put_event_selectors(self, event_selectors, advanced_event_selectors):
        if event_selectors:
            self.event_selectors, self.advanced_event_selectors = event_selectors, []
        elif advanced_event_selectors:
            self.event_selectors, self.advanced_event_selectors = [], advanced_event_selectors
        else:
            return
        self.has_custom_event_selectors = True

    def get_event_selectors(self):
        if not getattr(self, "has_custom_event_selectors", False):
            return [dict(default)], []
        return self.event_selectors, self.advanced_event_selectors

    description = models.Trail.description

    def describe(self, include_region=False):
        desc = description(self, include_region)
        desc["HasCustomEventSelectors"] = getattr(self, "has_custom_event_selectors", False)
        return desc

    def get_event_selectors_response(self):
        trail = self.cloudtrail_backend.get_trail(self._get_param("TrailName"))
        basic, advanced = trail.get_event_selectors()
        body = {"TrailARN": trail.arn}
        if advanced:
            body["AdvancedEventSelectors"] = advanced
        else:
            body["EventSelectors"] = basic
        return json.dumps(body)

    models.Trail.put_event_selectors = put_event_selectors
    models.Trail.get_event_selectors = get_event_selectors
    models.Trail.description = describe
    responses.CloudTrailResponse.get_event_selectors = get_event_selectors_response


def patch_sns_create_topic_conflicts():
    """SNS CreateTopic is idempotent: for the name of a topic the requester has, it returns that
    topic's ARN, as long as each attribute and tag it is given matches the topic's; otherwise it
    answers InvalidParameter ("Invalid parameter: Attributes Reason: Topic already exists with
    different attributes", or "Invalid parameter: Tags Reason: Topic already exists with
    different tags"). moto 5.2 returns the ARN whatever it is given, and changes nothing."""
    import json

    from moto.core.utils import camelcase_to_underscores
    from moto.sns import models
    from moto.sns.exceptions import SNSInvalidParameter
    from moto.sns.utils import make_arn_for_topic

    create = models.SNSBackend.create_topic

    def same(current, given):
        if current == given:
            return True
        try:  # policies are JSON documents, kept re-serialised
            return isinstance(current, str) and json.loads(current) == json.loads(given)
        except (TypeError, ValueError):
            return False

    def conflict(member):
        return SNSInvalidParameter(
            f"Invalid parameter: {member} Reason: Topic already exists with different "
            f"{member.lower()}"
        )

    def create_topic(self, name, attributes=None, tags=None):
        topic = self.topics.get(make_arn_for_topic(self.account_id, name, self.region_name))
        if topic is not None:
            for key, value in (attributes or {}).items():
                if not same(getattr(topic, camelcase_to_underscores(key), None), value):
                    raise conflict("Attributes")
            for key, value in (tags or {}).items():
                if topic._tags.get(key) != value:
                    raise conflict("Tags")
        return create(self, name, attributes, tags)

    models.SNSBackend.create_topic = create_topic


def patch_sns_topic_attributes_without_unset_delivery_policy():
    """SNS GetTopicAttributes returns DeliveryPolicy only for a topic that has one
    (EffectiveDeliveryPolicy is always there). moto 5.2 answers DeliveryPolicy "" for a topic
    without one."""
    from moto.core.responses import ActionResult
    from moto.sns import responses

    get_topic_attributes = responses.SNSResponse.get_topic_attributes

    def get_topic_attributes_without_unset(self):
        attributes = dict(get_topic_attributes(self).result["Attributes"])
        if not attributes.get("DeliveryPolicy"):
            attributes.pop("DeliveryPolicy", None)
        return ActionResult({"Attributes": attributes})

    responses.SNSResponse.get_topic_attributes = get_topic_attributes_without_unset


PATCHES = [
    patch_serve_without_nagle,
    patch_kms_rotation_period,
    patch_s3_get_bucket_versioning,
    patch_xray_sampling_rules,
    patch_cognito_user_pool_tags,
    patch_events_update_event_bus,
    patch_events_put_permission_policy,
    patch_iam_policy_documents_url_encoded,
    patch_iam_oidc_client_ids,
    patch_iam_update_role_keeps_omitted_fields,
    patch_iam_authorization_details_policy_names,
    patch_sqs_set_attributes_keeps_policy,
    patch_ssm_describe_parameters_max_results,
    patch_s3_create_bucket_tags,
    patch_s3_bucket_policy_evaluation,
    patch_logs_kms_key_association,
    patch_logs_resource_tags_need_the_log_group,
    patch_logs_log_group_name_pattern,
    patch_cloudtrail_trail_name_or_arn,
    patch_cloudtrail_create_trail_rejects_existing_name,
    patch_cloudtrail_describe_trails_name_list,
    patch_cloudtrail_event_selectors,
    patch_sns_create_topic_conflicts,
    patch_sns_topic_attributes_without_unset_delivery_policy,
    patch_firehose_stream_encryption,
    patch_firehose_s3_destination_description,
    patch_firehose_list_delivery_streams_paging,
    patch_cognito_user_pool_mfa_configuration,
    patch_cognito_user_pool_deletion_protection,
    patch_cognito_user_pool_schema_keeps_standard_attributes,
    patch_cognito_update_user_pool_keeps_tags_and_renames,
    patch_cognito_resource_server_update_and_delete,
    # Replaces UpdateUserPoolClient, so it comes before the checks that wrap it.
    patch_cognito_update_user_pool_client_replaces,
    patch_cognito_user_pool_client_oauth_checks,
    patch_organizations_policy_attachments,
    patch_organizations_policy_content_and_name,
    # Wraps the handlers the two above replace, so it comes after them.
    patch_organizations_calls_need_the_organization,
    patch_organizations_handshakes,
    patch_service_control_policies,
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument(
        "--tls-dir",
        help="serve HTTPS with DIR/server.pem and DIR/server-key.pem, signed by the local CA "
        "DIR/ca.pem (made if DIR lacks them); clients must trust DIR/ca.pem",
    )
    parser.add_argument(
        "--request-log",
        metavar="FILE",
        help="append one JSON line per request received (service, operation, method, path, "
        "mutating) to FILE, flushed before the request is handled",
    )
    # The AWS-like mode, off unless --aws-like SEED [--aws-like-profile FILE] (see aws_like/).
    import aws_like

    aws_like.add_arguments(parser)
    args = parser.parse_args(argv)
    moto_args = ["--host", args.host, "--port", str(args.port)]
    if args.tls_dir:
        certificate, key = server_certificate(args.tls_dir)
        moto_args += ["--ssl-cert", certificate, "--ssl-key", key]
    for patch in PATCHES:
        patch()
    if args.request_log:
        import request_log

        request_log.install(args.request_log)
    from moto.server import main as moto_main

    moto_main(moto_args)


if __name__ == "__main__":
    sys.exit(main())
