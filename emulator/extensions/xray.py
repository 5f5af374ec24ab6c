"""X-Ray sampling rules and their tags (REST-JSON: POST /CreateSamplingRule and friends)."""

import base64
import binascii
import functools
import json
import threading
import time

# The API reference documents no page size for GetSamplingRules; this one is ours.
PAGE_SIZE = 100
# "Maximum number of user-applied tags per resource: 50" (CreateSamplingRule, TagResource).
MAX_TAGS = 50

# SamplingRule members in wire order, with (type, min, max) for those validated; max is a length
# for strings and a value for numbers (botocore's xray service-2.json, plus Version must be 1).
RULE_MEMBERS = {
    "RuleName": (str, 1, 32),
    "RuleARN": None,
    "ResourceARN": (str, 0, 500),
    "Priority": (int, 1, 9999),
    "FixedRate": (float, 0, 1),
    "ReservoirSize": (int, 0, None),
    "ServiceName": (str, 0, 64),
    "ServiceType": (str, 0, 64),
    "Host": (str, 0, 64),
    "HTTPMethod": (str, 0, 10),
    "URLPath": (str, 0, 128),
    "Version": (int, 1, 1),
    "Attributes": (dict, 0, 5),
    "SamplingRateBoost": (dict, None, None),
}
REQUIRED = [m for m in RULE_MEMBERS if m not in ("RuleARN", "Attributes", "SamplingRateBoost")]
# SamplingRuleUpdate's members besides the rule's identity (RuleName or RuleARN).
UPDATABLE = [m for m in RULE_MEMBERS if m not in ("RuleName", "RuleARN", "Version")]
# The built-in rule every account+region has: it can't be deleted, and only its FixedRate and
# ReservoirSize can be updated.
DEFAULT_RULE = {
    "RuleName": "Default",
    "ResourceARN": "*",
    "Priority": 10000,
    "FixedRate": 0.05,
    "ReservoirSize": 1,
    "ServiceName": "*",
    "ServiceType": "*",
    "Host": "*",
    "HTTPMethod": "*",
    "URLPath": "*",
    "Version": 1,
    "Attributes": {},
}
OPERATIONS = [
    "CreateSamplingRule",
    "GetSamplingRules",
    "UpdateSamplingRule",
    "DeleteSamplingRule",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
]


def patch_xray_sampling_rules():
    """X-Ray manages sampling rules (Create/Get/Update/DeleteSamplingRule, tagged through
    Tag/UntagResource and ListTagsForResource on their ARNs), with a built-in "Default" rule in
    every account and region; moto 5.2 routes none of these paths and answers 404."""
    from moto.core.exceptions import JsonRESTError
    from moto.utilities.utils import get_partition
    from moto.xray import responses, urls

    def error(code, message, status=400, **members):
        err = JsonRESTError(code, message)
        err.code = status
        err.description = json.dumps({"__type": code, "message": message, **members})
        return err

    def invalid(message):
        return error("InvalidRequestException", message)

    def check(rule, members, required, where):
        for member in required:
            if rule.get(member) is None:
                raise invalid(f"Missing required parameter in {where}: {member}")
        for member in members:
            value = rule.get(member)
            if value is None or RULE_MEMBERS[member] is None:
                continue
            kind, low, high = RULE_MEMBERS[member]
            numeric = kind in (int, float) and not isinstance(value, bool)
            if kind is float and numeric and isinstance(value, int):
                value = float(value)
            if not isinstance(value, kind) or (kind is int and not numeric):
                raise invalid(f"{where}.{member} must be of type {kind.__name__}")
            size = len(value) if kind in (str, dict) else value
            if (low is not None and size < low) or (high is not None and size > high):
                what = "length" if kind in (str, dict) else "value"
                bounds = low if low == high else f"within {low}..{'' if high is None else high}"
                raise invalid(f"{where}.{member} {what} must be {bounds}")

    def check_tags(tags):
        if not isinstance(tags, list):
            raise invalid("Tags must be a list of {Key, Value}")
        for tag in tags:
            key, value = (tag.get("Key"), tag.get("Value")) if isinstance(tag, dict) else (0, 0)
            if not isinstance(key, str) or not isinstance(value, str):
                raise invalid("Each tag needs a string Key and Value")
            if not 1 <= len(key) <= 128 or len(value) > 256:
                raise invalid("Tag keys are 1..128 characters, values at most 256")
            if key.lower().startswith("aws:"):
                raise invalid("Tag keys starting with 'aws:' are reserved for AWS use")
        return {tag["Key"]: tag["Value"] for tag in tags}

    def rule_arn(backend, name):
        region = backend.region_name
        return f"arn:{get_partition(region)}:xray:{region}:{backend.account_id}:sampling-rule/{name}"

    def store(backend):
        # Kept on the backend (one per account and region), so moto's reset clears it too.
        if "sampling_rules" not in backend.__dict__:
            default = dict(DEFAULT_RULE, RuleARN=rule_arn(backend, "Default"))
            backend.sampling_rules = {
                "Default": {"SamplingRule": default, "CreatedAt": 0.0, "ModifiedAt": 0.0, "Tags": {}}
            }
        return backend.sampling_rules

    def record(entry):
        rule = entry["SamplingRule"]
        return {
            "SamplingRule": {m: rule[m] for m in RULE_MEMBERS if m in rule},
            "CreatedAt": entry["CreatedAt"],
            "ModifiedAt": entry["ModifiedAt"],
        }

    def find(backend, name, arn):
        if not name and not arn:
            raise invalid("Specify the sampling rule by RuleName or RuleARN")
        rules = store(backend)
        by_name = rules.get(name) if name else None
        by_arn = next((e for e in rules.values() if e["SamplingRule"]["RuleARN"] == arn), None)
        if name and by_name is None:
            raise invalid(f"RuleName {name} not found")
        if arn and by_arn is None:
            raise invalid(f"RuleARN {arn} not found")
        if name and arn and by_name is not by_arn:
            raise invalid("RuleName and RuleARN name different sampling rules")
        return by_name or by_arn

    def tagged(backend, arn):
        if not arn:
            raise invalid("Missing required parameter: ResourceARN")
        for entry in store(backend).values():
            if entry["SamplingRule"]["RuleARN"] == arn:
                return entry
        raise error("ResourceNotFoundException", f"Resource {arn} not found", 404, ResourceName=arn)

    def create_sampling_rule(self):
        rule = self._get_param("SamplingRule")
        if not isinstance(rule, dict):
            raise invalid("Missing required parameter: SamplingRule")
        check(rule, RULE_MEMBERS, REQUIRED, "SamplingRule")
        tags = check_tags(self._get_param("Tags") or [])
        if len(tags) > MAX_TAGS:
            raise error("TooManyTagsException", f"A resource can have at most {MAX_TAGS} tags")
        rules = store(self.xray_backend)
        name = rule["RuleName"]
        if name in rules:
            raise invalid(f"A sampling rule named {name} already exists")
        kept = {m: rule[m] for m in RULE_MEMBERS if rule.get(m) is not None}
        kept.setdefault("Attributes", {})
        kept["RuleARN"] = rule_arn(self.xray_backend, name)
        now = time.time()
        rules[name] = {"SamplingRule": kept, "CreatedAt": now, "ModifiedAt": now, "Tags": tags}
        return json.dumps({"SamplingRuleRecord": record(rules[name])})

    def get_sampling_rules(self):
        entries = list(store(self.xray_backend).values())
        token = self._get_param("NextToken")
        start = 0
        if token:
            try:
                start = int(base64.b64decode(token, validate=True).decode())
            except (binascii.Error, UnicodeDecodeError, ValueError):
                start = -1
            if start < 0:
                raise invalid("Invalid NextToken")
        page = entries[start : start + PAGE_SIZE]
        body = {"SamplingRuleRecords": [record(e) for e in page]}
        if start + PAGE_SIZE < len(entries):
            body["NextToken"] = base64.b64encode(str(start + PAGE_SIZE).encode()).decode()
        return json.dumps(body)

    def update_sampling_rule(self):
        update = self._get_param("SamplingRuleUpdate")
        if not isinstance(update, dict):
            raise invalid("Missing required parameter: SamplingRuleUpdate")
        entry = find(self.xray_backend, update.get("RuleName"), update.get("RuleARN"))
        changes = {m: update[m] for m in UPDATABLE if update.get(m) is not None}
        default = entry["SamplingRule"]["RuleName"] == "Default"
        if default and set(changes) - {"FixedRate", "ReservoirSize"}:
            raise invalid("Only FixedRate and ReservoirSize of the Default rule can be updated")
        check(changes, changes, [], "SamplingRuleUpdate")
        entry["SamplingRule"].update(changes)
        entry["ModifiedAt"] = time.time()
        return json.dumps({"SamplingRuleRecord": record(entry)})

    def delete_sampling_rule(self):
        entry = find(self.xray_backend, self._get_param("RuleName"), self._get_param("RuleARN"))
        name = entry["SamplingRule"]["RuleName"]
        if name == "Default":
            raise invalid("The Default sampling rule can't be deleted")
        del store(self.xray_backend)[name]
        return json.dumps({"SamplingRuleRecord": record(entry)})

    def tag_resource(self):
        entry = tagged(self.xray_backend, self._get_param("ResourceARN"))
        if self._get_param("Tags") is None:
            raise invalid("Missing required parameter: Tags")
        tags = {**entry["Tags"], **check_tags(self._get_param("Tags"))}
        if len(tags) > MAX_TAGS:
            message = f"A resource can have at most {MAX_TAGS} tags"
            raise error("TooManyTagsException", message, ResourceName=self._get_param("ResourceARN"))
        entry["Tags"] = tags
        return "{}"

    def untag_resource(self):
        entry = tagged(self.xray_backend, self._get_param("ResourceARN"))
        keys = self._get_param("TagKeys")
        if not isinstance(keys, list):
            raise invalid("Missing required parameter: TagKeys")
        entry["Tags"] = {k: v for k, v in entry["Tags"].items() if k not in keys}
        return "{}"

    def list_tags_for_resource(self):
        entry = tagged(self.xray_backend, self._get_param("ResourceARN"))
        return json.dumps({"Tags": [{"Key": k, "Value": v} for k, v in entry["Tags"].items()]})

    handlers = [
        create_sampling_rule,
        get_sampling_rules,
        update_sampling_rule,
        delete_sampling_rule,
        tag_resource,
        untag_resource,
        list_tags_for_resource,
    ]
    # moto's server is threaded and the engine calls in parallel: one call at a time here, so
    # that two first calls in a region don't each start a store, nor two creates race.
    lock = threading.Lock()

    def locked(handler):
        @functools.wraps(handler)
        def call(self):
            with lock:
                return handler(self)

        return call

    for handler in handlers:
        setattr(responses.XRayResponse, handler.__name__, locked(handler))
    # moto dispatches an X-Ray request by its path, taken as the action name.
    for operation in OPERATIONS:
        urls.url_paths["{0}/" + operation + "$"] = responses.XRayResponse.dispatch
