"""CloudWatch Logs: AssociateKmsKey and DisassociateKmsKey (JSON 1.1)."""

import re

# Lengths and patterns of the members in botocore's logs service-2.json.
LOG_GROUP_NAME = re.compile(r"[\.\-_/#A-Za-z0-9]+")
RESOURCE_IDENTIFIER = re.compile(r"[\w+=/:,.@\-\*]*")
KMS_KEY_ID_LENGTH = 256


def patch_logs_kms_key_association():
    """CloudWatch Logs AssociateKmsKey sets the KMS key (kmsKeyId, a key ARN) that encrypts a log
    group's data, and DisassociateKmsKey clears it; the group is named by exactly one of
    logGroupName or resourceIdentifier (the group's ARN, or arn:...:query-result:* for the
    account's query results), and DescribeLogGroups then shows kmsKeyId, or no kmsKeyId. Both
    answer an empty body; an unknown group is ResourceNotFoundException, naming it both or neither
    way InvalidParameterException. moto 5.2 implements neither and answers 500."""
    from moto.logs import responses
    from moto.logs.exceptions import InvalidParameterException, ResourceNotFoundException

    def invalid(member, value, constraint):
        return InvalidParameterException(constraint=constraint, parameter=member, value=value)

    def target(self):
        """The log group named, or None for the account's query results."""
        name = self._get_param("logGroupName")
        identifier = self._get_param("resourceIdentifier")
        if (name is None) == (identifier is None):
            raise InvalidParameterException(
                "Specify either logGroupName or resourceIdentifier, but not both."
            )
        backend = self.logs_backend
        if name is not None:
            if not isinstance(name, str) or not 1 <= len(name) <= 512:
                raise invalid("logGroupName", name, "Member must have length between 1 and 512")
            if not LOG_GROUP_NAME.fullmatch(name):
                raise invalid("logGroupName", name, f"Must match pattern: {LOG_GROUP_NAME.pattern}")
            if name not in backend.groups:
                raise ResourceNotFoundException()
            return backend.groups[name]
        if not isinstance(identifier, str) or not 1 <= len(identifier) <= 2048:
            raise invalid(
                "resourceIdentifier", identifier, "Member must have length between 1 and 2048"
            )
        if not RESOURCE_IDENTIFIER.fullmatch(identifier):
            pattern = RESOURCE_IDENTIFIER.pattern
            raise invalid("resourceIdentifier", identifier, f"Must match pattern: {pattern}")
        if identifier.startswith("arn:") and identifier.endswith(
            f":logs:{backend.region_name}:{backend.account_id}:query-result:*"
        ):
            return None
        for group in backend.groups.values():
            if group.arn == identifier:
                return group
        if ":log-group:" in identifier:
            raise ResourceNotFoundException()
        raise InvalidParameterException(f"Invalid resourceIdentifier: {identifier}")

    def associate_kms_key(self):
        key = self._get_param("kmsKeyId")
        if not isinstance(key, str) or not key or len(key) > KMS_KEY_ID_LENGTH:
            constraint = f"Member must have length less than or equal to {KMS_KEY_ID_LENGTH}"
            raise invalid("kmsKeyId", key, constraint)
        group = target(self)
        if group is None:
            self.logs_backend.query_results_kms_key_id = key
        else:
            group.kms_key_id = key
        return ""

    def disassociate_kms_key(self):
        group = target(self)
        if group is None:
            self.logs_backend.query_results_kms_key_id = None
        else:
            group.kms_key_id = None
        return ""

    for handler in (associate_kms_key, disassociate_kms_key):
        setattr(responses.LogsResponse, handler.__name__, handler)
