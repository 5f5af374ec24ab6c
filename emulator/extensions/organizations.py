"""AWS Organizations: policies and roots called from the management account."""

import functools
import json

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


def patch_organizations_calls_need_the_organization():
    """Organizations calls on roots, policies and their tags are for the management account of
    an organization: from an account in no organization they are AWSOrganizationsNotInUseException
    ("Your account is not a member of an organization."), from a member account
    AccessDeniedException ("You don't have permissions to access this resource."). moto 5.2 answers
    ListPolicies with an empty list, DescribePolicy and UpdatePolicy with PolicyNotFoundException
    and CreatePolicy with 500 for an account outside any organization, and lets a member account's
    calls act on an empty organization of its own."""
    from moto.organizations import models, responses
    from moto.organizations.exceptions import (
        AWSOrganizationsNotInUseException,
        OrganizationsClientError,
    )

    def checked(handler):
        @functools.wraps(handler)
        def call(self):
            if self.organizations_backend.org is None:
                if self.current_account in models.organizations_backends.master_accounts:
                    raise OrganizationsClientError(
                        "AccessDeniedException",
                        "You don't have permissions to access this resource.",
                    )
                raise AWSOrganizationsNotInUseException
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
