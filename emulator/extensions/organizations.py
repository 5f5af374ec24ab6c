"""AWS Organizations: policies and roots called from the management account, and the
invitation handshakes by which an existing account joins an organization."""

import datetime
import functools
import json
import random
import re
import string

# Quotas of the Organizations user guide: the largest SCP document, in characters.
SCP_MAX_CHARACTERS = 5120
# The calls of a policy's life (and the roots they name), which only the management account makes.
MANAGEMENT_CALLS = (
    "list_roots",
    "enable_policy_type",
    "disable_policy_type",
    "list_policies",
    "create_policy",
    "describe_policy",
    "update_policy",
    "delete_policy",
    "attach_policy",
    "detach_policy",
    "list_targets_for_policy",
    "list_policies_for_target",
    "tag_resource",
    "untag_resource",
    "list_tags_for_resource",
)
# An invitation to join expires when the invited account doesn't accept it within 15 days
# (Organizations User Guide, "Inviting an AWS account to join your organization").
INVITATION_DAYS = 15
HANDSHAKE_ID = re.compile(r"^h-[0-9a-z]{8,32}$")  # HandshakeId's pattern in the API reference
ACCOUNT_ID = re.compile(r"^\d{12}$")
# The service-linked role an account that joins an organization with all features gets
# (AcceptHandshake API reference; Organizations User Guide, "AWS Organizations and
# service-linked roles").
ORGANIZATIONS_SERVICE = "organizations.amazonaws.com"
ORGANIZATIONS_ROLE = "AWSServiceRoleForOrganizations"
ORGANIZATIONS_ROLE_DESCRIPTION = (
    "Service-linked role used by AWS Organizations to enable integration of other AWS services "
    "with Organizations."
)


def management_backend(response):
    """The organization backend of the management account making the call. From an account in no
    organization: AWSOrganizationsNotInUseException ("Your account is not a member of an
    organization."); from a member account: AccessDeniedException ("You don't have permissions
    to access this resource.")."""
    from moto.organizations import models
    from moto.organizations.exceptions import (
        AWSOrganizationsNotInUseException,
        OrganizationsClientError,
    )

    backend = response.organizations_backend
    if backend.org is None:
        if response.current_account in models.organizations_backends.master_accounts:
            raise OrganizationsClientError(
                "AccessDeniedException", "You don't have permissions to access this resource."
            )
        raise AWSOrganizationsNotInUseException
    return backend


def patch_organizations_calls_need_the_organization():
    """Organizations calls on roots, policies and their tags are for the management account of
    an organization: from an account in no organization they are AWSOrganizationsNotInUseException
    ("Your account is not a member of an organization."), from a member account
    AccessDeniedException ("You don't have permissions to access this resource."). moto 5.2 answers
    ListPolicies with an empty list, DescribePolicy and UpdatePolicy with PolicyNotFoundException
    and CreatePolicy with 500 for an account outside any organization, and lets a member account's
    calls act on an empty organization of its own."""
    from moto.organizations import responses

    def checked(handler):
        @functools.wraps(handler)
        def call(self):
            management_backend(self)
            return handler(self)

        return call

    for name in MANAGEMENT_CALLS:
        handler = getattr(responses.OrganizationsResponse, name)
        setattr(responses.OrganizationsResponse, name, checked(handler))


def patch_organizations_policy_attachments():
    """Organizations AttachPolicy and DetachPolicy: attaching a policy its target already has is
    DuplicatePolicyAttachmentException, detaching one the target doesn't have is
    PolicyNotAttachedException, a target (root, OU or account) that doesn't exist is
    TargetNotFoundException, and a policy whose type is not enabled in the root is
    PolicyTypeNotEnabledException. moto 5.2 answers success for a second attachment and for
    detaching what isn't attached, OrganizationalUnitNotFoundException or AccountNotFoundException
    for a missing target, and attaches policies of any type."""
    from moto.organizations import models, responses, utils
    from moto.organizations.exceptions import (
        OrganizationsClientError,
        PolicyTypeNotEnabledException,
    )

    def target(backend, target_id):
        if utils.fullmatch(utils.ACCOUNT_ID_REGEX, target_id):
            found = next((a for a in backend.accounts if a.id == target_id), None)
        else:
            found = next((ou for ou in backend.ou if ou.id == target_id), None)
        if found is None:
            raise OrganizationsClientError(
                "TargetNotFoundException",
                "We can't find a root, OU, account, or policy with the TargetId that you specified.",
            )
        return found

    def arguments(self):
        backend = self.organizations_backend
        policy = backend.get_policy_by_id(self._get_param("PolicyId"))
        return backend, policy, target(backend, self._get_param("TargetId"))

    attach = responses.OrganizationsResponse.attach_policy
    detach = responses.OrganizationsResponse.detach_policy

    def attach_policy(self):
        backend, policy, found = arguments(self)
        root = next(ou for ou in backend.ou if isinstance(ou, models.FakeRoot))
        if not any(t["Type"] == policy.type and t["Status"] == "ENABLED" for t in root.policy_types):
            raise PolicyTypeNotEnabledException
        if policy in found.attached_policies:
            raise OrganizationsClientError(
                "DuplicatePolicyAttachmentException",
                "The selected policy is already attached to the specified target.",
            )
        return attach(self)

    def detach_policy(self):
        _, policy, found = arguments(self)
        if policy not in found.attached_policies:
            raise OrganizationsClientError(
                "PolicyNotAttachedException",
                "The policy isn't attached to the specified target in the specified root.",
            )
        return detach(self)

    responses.OrganizationsResponse.attach_policy = attach_policy
    responses.OrganizationsResponse.detach_policy = detach_policy


def patch_organizations_policy_content_and_name():
    """Organizations CreatePolicy and UpdatePolicy take Content, a JSON policy document: one that
    is not a JSON object is MalformedPolicyDocumentException, and a service control policy longer
    than 5,120 characters is ConstraintViolationException (Reason POLICY_CONTENT_LIMIT_EXCEEDED).
    UpdatePolicy to the Name of another policy is DuplicatePolicyException, as CreatePolicy is.
    Content reads back as it was sent. moto 5.2 stores any string as the content and lets two
    policies have one name through UpdatePolicy."""
    from moto.organizations import responses
    from moto.organizations.exceptions import (
        ConstraintViolationException,
        DuplicatePolicyException,
        OrganizationsClientError,
    )

    def check_content(content, policy_type):
        if content is None:
            return
        try:
            document = json.loads(content)
        except (TypeError, ValueError):
            document = None
        if not isinstance(document, dict):
            raise OrganizationsClientError(
                "MalformedPolicyDocumentException",
                "The provided policy document doesn't meet the requirements of the specified "
                "policy type.",
            )
        if policy_type == "SERVICE_CONTROL_POLICY" and len(content) > SCP_MAX_CHARACTERS:
            error = ConstraintViolationException(
                "You have exceeded the maximum size of the policy document."
            )
            error.Reason = "POLICY_CONTENT_LIMIT_EXCEEDED"
            raise error

    create = responses.OrganizationsResponse.create_policy
    update = responses.OrganizationsResponse.update_policy

    def create_policy(self):
        check_content(self._get_param("Content"), self._get_param("Type"))
        return create(self)

    def update_policy(self):
        backend = self.organizations_backend
        policy = backend.get_policy_by_id(self._get_param("PolicyId"))
        check_content(self._get_param("Content"), policy.type)
        name = self._get_param("Name")
        if name is not None and any(p.name == name and p is not policy for p in backend.policies):
            raise DuplicatePolicyException
        return update(self)

    responses.OrganizationsResponse.create_policy = create_policy
    responses.OrganizationsResponse.update_policy = update_policy


class Handshake:
    """An INVITE handshake, shaped as the Organizations API reference's Handshake: Parties are
    the inviting organization and the invited account (or email address), Resources the
    organization (with its management account's email and name and its feature set), the
    invited party and the invitation's notes."""

    def __init__(self, backend, target, notes, tags):
        org = backend.org
        self.id = "h-" + "".join(random.choices(string.ascii_lowercase + string.digits, k=32))
        self.arn = (
            f"arn:{backend.partition}:organizations::{org.master_account_id}:handshake/"
            f"{org.id}/invite/{self.id}"
        )
        self.organization_id = org.id
        self.management_account_id = org.master_account_id
        self.target = {"Id": target["Id"], "Type": target["Type"]}
        self.action = "INVITE"
        self.state = "OPEN"
        self.requested = datetime.datetime.now(datetime.timezone.utc)
        self.expires = self.requested + datetime.timedelta(days=INVITATION_DAYS)
        self.tags = tags
        management = next((a for a in backend.accounts if a.id == org.master_account_id), None)
        self.resources = [
            {
                "Value": org.id,
                "Type": "ORGANIZATION",
                "Resources": [
                    {"Value": org.master_account_email, "Type": "MASTER_EMAIL"},
                    {"Value": management.name if management else "master", "Type": "MASTER_NAME"},
                    {"Value": org.feature_set, "Type": "ORGANIZATION_FEATURE_SET"},
                ],
            },
            {"Value": target["Id"], "Type": target["Type"]},
        ]
        if notes:
            self.resources.append({"Value": notes, "Type": "NOTES"})

    def current_state(self):
        """OPEN until the invitation expires, then EXPIRED."""
        if self.state == "OPEN" and datetime.datetime.now(datetime.timezone.utc) > self.expires:
            self.state = "EXPIRED"
        return self.state

    def is_for(self, account_id):
        """Whether account_id is the invited party. The emulator doesn't know the email address
        of an account outside the organization, so an invitation by EMAIL is for any account but
        the inviting management account."""
        if self.target["Type"] == "EMAIL":
            return account_id != self.management_account_id
        return self.target["Id"] == account_id

    def describe(self):
        return {
            "Id": self.id,
            "Arn": self.arn,
            "Parties": [
                {"Id": self.organization_id, "Type": "ORGANIZATION"},
                dict(self.target),
            ],
            "State": self.current_state(),
            "RequestedTimestamp": self.requested.timestamp(),
            "ExpirationTimestamp": self.expires.timestamp(),
            "Action": self.action,
            "Resources": self.resources,
        }


def organization_backends():
    """Every organization's backend (the management accounts' backends that have one)."""
    from moto.organizations import models

    for by_partition in list(models.organizations_backends.values()):
        for backend in list(by_partition.values()):
            if backend.org is not None:
                yield backend


def in_an_organization(account_id, partition):
    """Whether the account is the management account or a member of any organization."""
    from moto.organizations import models

    if account_id in models.organizations_backends.master_accounts:
        return True
    return any(b.account_id == account_id and b.partition == partition for b in organization_backends())


def handshake_constraint(reason, message):
    from moto.organizations.exceptions import OrganizationsClientError

    error = OrganizationsClientError("HandshakeConstraintViolationException", message)
    error.Reason = reason
    return error


ALREADY_IN_AN_ORGANIZATION = (
    "ALREADY_IN_AN_ORGANIZATION",
    "The handshake request is invalid because the invited account is already a member of an "
    "organization.",
)


def join(backend, handshake, account_id):
    """Makes account_id a member of backend's organization, as accepting an invitation does:
    the account is under the root, with JoinedMethod INVITED and the invitation's tags, has the
    AWS managed policies (FullAWSAccess) attached as moto attaches them to created accounts, and
    (with all features) gets the AWSServiceRoleForOrganizations service-linked role. Unlike a
    created account it gets no OrganizationAccountAccessRole (Organizations User Guide,
    "Accessing a member account that has a management account access role")."""
    from moto.iam.exceptions import EntityAlreadyExists
    from moto.iam.models import iam_backends
    from moto.organizations import models, utils

    org = backend.org
    iam = iam_backends[account_id][backend.partition]
    email = handshake.target["Id"] if handshake.target["Type"] == "EMAIL" else None
    account = object.__new__(models.FakeAccount)
    account.type = "ACCOUNT"
    account.region = org.region
    account.organization_id = org.id
    account.master_account_id = org.master_account_id
    account.create_account_status_id = utils.make_random_create_account_status_id()
    account.id = account_id
    # The account's own name and email are the owner's, which the emulator doesn't know: the
    # account alias (else the ID) and the invitation's email (else a placeholder) stand in.
    account.name = (iam.account_aliases or [account_id])[0]
    account.email = email or f"{account_id}@example.com"
    account.create_time = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    account.status = account.state = "ACTIVE"
    account.joined_method = "INVITED"
    account.parent_id = org.root_id
    account.attached_policies = []
    account.tags = {t["Key"]: t["Value"] for t in handshake.tags}
    backend.accounts.append(account)
    for policy_id in (utils.DEFAULT_SCP_POLICY_ID, utils.DEFAULT_RCP_POLICY_ID):
        if any(p.id == policy_id for p in backend.policies):
            backend.attach_policy(PolicyId=policy_id, TargetId=account_id)
    models.organizations_backends.master_accounts[account_id] = (backend.account_id, backend.partition)
    if org.feature_set == "ALL":
        # As IAM CreateServiceLinkedRole makes it (moto 5.2 would name it
        # AWSServiceRoleFororganizations).
        trust = {
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": [ORGANIZATIONS_SERVICE]},
                "Action": ["sts:AssumeRole"],
            }],
        }
        try:
            iam.create_role(
                ORGANIZATIONS_ROLE,
                json.dumps(trust),
                f"/aws-service-role/{ORGANIZATIONS_SERVICE}/",
                permissions_boundary=None,
                description=ORGANIZATIONS_ROLE_DESCRIPTION,
                tags=[],
                max_session_duration="3600",
                linked_service=ORGANIZATIONS_SERVICE,
            )
        except EntityAlreadyExists:
            pass


def patch_organizations_handshakes():
    """Organizations InviteAccountToOrganization, AcceptHandshake, DeclineHandshake,
    CancelHandshake, DescribeHandshake, ListHandshakesForAccount and
    ListHandshakesForOrganization: the management account invites an existing account
    (Target {"Type": "ACCOUNT", "Id": account ID} or {"Type": "EMAIL", ...}), which joins the
    organization when it accepts the handshake (Organizations API reference, each operation's
    page and the Handshake data type). Inviting is for the management account (from a member
    AccessDeniedException, outside any organization AWSOrganizationsNotInUseException); an
    account already in an organization is HandshakeConstraintViolationException
    (ALREADY_IN_AN_ORGANIZATION), and so is accepting from one; a second open invitation of one
    account is DuplicateHandshakeException; a handshake the caller is not a party to is
    HandshakeNotFoundException; accepting, declining or cancelling a handshake in that state
    already is HandshakeAlreadyInStateException, in another closed state
    InvalidHandshakeTransitionException. An invitation expires after 15 days. moto 5.2 has none
    of these operations (500), so an existing account can never become a member."""
    from moto.organizations import responses
    from moto.organizations.exceptions import InvalidInputException, OrganizationsClientError

    def not_found():
        return OrganizationsClientError(
            "HandshakeNotFoundException",
            "We can't find a handshake with the HandshakeId that you specified.",
        )

    def handshake_named(self):
        handshake_id = self._get_param("HandshakeId")
        if not isinstance(handshake_id, str) or not HANDSHAKE_ID.match(handshake_id):
            raise InvalidInputException(
                "You provided a value that does not match the required pattern."
            )
        for backend in organization_backends():
            for handshake in getattr(backend, "handshakes", []):
                if handshake.id == handshake_id:
                    if backend.org.id != handshake.organization_id:
                        raise not_found()
                    return backend, handshake
        raise not_found()

    def close(handshake, state):
        current = handshake.current_state()
        if current == state:
            raise OrganizationsClientError(
                "HandshakeAlreadyInStateException",
                "The specified handshake is already in the requested state.",
            )
        if current != "OPEN":
            raise OrganizationsClientError(
                "InvalidHandshakeTransitionException",
                "You can't perform the operation on the handshake in its current state.",
            )
        handshake.state = state

    def answer(handshake):
        return json.dumps({"Handshake": handshake.describe()})

    def filtered(handshakes, self):
        criteria = self._get_param("Filter") or {}
        if criteria.get("ActionType") and criteria.get("ParentHandshakeId"):
            raise InvalidInputException("You specified both ActionType and ParentHandshakeId.")
        action = criteria.get("ActionType")
        if criteria.get("ParentHandshakeId"):
            return []  # INVITE handshakes have no parent
        return [h.describe() for h in handshakes if action in (None, h.action)]

    def invite_account_to_organization(self):
        backend = management_backend(self)
        target = self._get_param("Target") or {}
        kind, party = target.get("Type"), target.get("Id")
        if kind not in ("ACCOUNT", "EMAIL") or not isinstance(party, str) or not party:
            raise InvalidInputException("You provided a value that does not match the required pattern.")
        if kind == "ACCOUNT":
            if not ACCOUNT_ID.match(party):
                raise InvalidInputException("You provided a value that does not match the required pattern.")
            if in_an_organization(party, backend.partition):
                raise handshake_constraint(*ALREADY_IN_AN_ORGANIZATION)
        handshakes = backend.__dict__.setdefault("handshakes", [])
        if any(
            h.action == "INVITE" and h.target == {"Id": party, "Type": kind} and h.current_state() == "OPEN"
            for h in handshakes
        ):
            raise OrganizationsClientError(
                "DuplicateHandshakeException",
                "A handshake with the same action and target already exists.",
            )
        handshake = Handshake(backend, {"Id": party, "Type": kind}, self._get_param("Notes"),
                              self._get_param("Tags") or [])
        handshakes.append(handshake)
        return answer(handshake)

    def accept_handshake(self):
        backend, handshake = handshake_named(self)
        account_id = self.current_account
        if not handshake.is_for(account_id):
            raise not_found()
        state = handshake.current_state()
        if state == "OPEN" and in_an_organization(account_id, self.partition):
            raise handshake_constraint(*ALREADY_IN_AN_ORGANIZATION)
        close(handshake, "ACCEPTED")
        join(backend, handshake, account_id)
        return answer(handshake)

    def decline_handshake(self):
        _, handshake = handshake_named(self)
        if not handshake.is_for(self.current_account):
            raise not_found()
        close(handshake, "DECLINED")
        return answer(handshake)

    def cancel_handshake(self):
        backend = management_backend(self)
        _, handshake = handshake_named(self)
        if handshake not in getattr(backend, "handshakes", []):
            raise not_found()
        close(handshake, "CANCELED")
        return answer(handshake)

    def describe_handshake(self):
        backend, handshake = handshake_named(self)
        if self.current_account != backend.account_id and not handshake.is_for(self.current_account):
            raise not_found()
        return answer(handshake)

    def list_handshakes_for_account(self):
        account_id = self.current_account
        mine = [
            h
            for backend in organization_backends()
            for h in getattr(backend, "handshakes", [])
            if h.is_for(account_id) and backend.org.id == h.organization_id
        ]
        return json.dumps({"Handshakes": filtered(mine, self)})

    def list_handshakes_for_organization(self):
        backend = management_backend(self)
        return json.dumps({"Handshakes": filtered(getattr(backend, "handshakes", []), self)})

    for handler in (
        invite_account_to_organization,
        accept_handshake,
        decline_handshake,
        cancel_handshake,
        describe_handshake,
        list_handshakes_for_account,
        list_handshakes_for_organization,
    ):
        setattr(responses.OrganizationsResponse, handler.__name__, handler)
