"""Behaviour 9: an account that is not empty.

A real account holds thousands of resources that are not ours (other teams' log groups and
parameters, roles, keys and buckets), so every listing pages: DescribeLogGroups returns at most
50 groups a page, DescribeParameters at most 50, ListRoles 100 by default, ListKeys 100,
ListAliases 100 (their API references' limits), and ListBuckets returns them all. The emulator
starts empty, so a read that forgets to page, or that filters by name on the client after one
page, passes here and fails there.

At start, with the mode on, this makes the profile's "foreign" counts of resources in the
account "foreign.account" and each Region of "foreign.regions" (IAM roles and S3 buckets once):
log groups (/aws/lambda/..., /ecs/..., /aws/vendedlogs/...), SSM String parameters
(/<team>/<app>/...), IAM roles, KMS keys (symmetric, each with an alias), S3 buckets; each tagged
with another team and tool, never with bankinfra's ownership tags. Names come from the seed
("foreign/<kind>" streams), so one seed always makes the same account.

They are made in moto's backends directly (no HTTP, no request checks); KMS keys share one RSA
private key, which moto otherwise generates per key (about 50 ms each) for asymmetric use, which
these keys never see. 10,000 resources take a few seconds.
"""

import json
import random
import time

TEAMS = ("payments", "ledger", "risk", "cards", "identity", "treasury", "data", "platform",
         "fraud", "reporting", "lending", "onboarding")
APPS = ("api", "worker", "batch", "stream", "etl", "gateway", "scheduler", "sync", "audit",
        "notifier", "reconciler", "exporter")
TOOLS = ("terraform", "cloudformation", "cdk", "console", "pulumi")
TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})


def _tags(rng):
    return {"team": rng.choice(TEAMS), "managed-by": rng.choice(TOOLS),
            "cost-centre": f"cc-{rng.randrange(1000, 9999)}"}


def _name(rng, index):
    return f"{rng.choice(TEAMS)}-{rng.choice(APPS)}-{index:05d}"


def seed(profile, seed_value):
    """Makes the foreign resources; returns {kind: count} and the seconds it took."""
    from moto.iam.models import iam_backends
    from moto.kms import models as kms_models
    from moto.logs.models import logs_backends
    from moto.s3.models import s3_backends
    from moto.ssm.models import ssm_backends

    section = profile["foreign"]
    account = section.get("account", "123456789012")
    started = time.monotonic()
    made = {}

    def rng_for(kind):
        return random.Random(f"{seed_value}/foreign/{kind}")

    for region in section.get("regions") or []:
        rng = rng_for(f"log_groups/{region}")
        logs = logs_backends[account][region]
        prefixes = ("/aws/lambda/", "/ecs/", "/aws/vendedlogs/states/", "/aws/apigateway/")
        for index in range(int(section.get("log_groups", 0))):
            name = rng.choice(prefixes) + _name(rng, index)
            if name not in logs.groups:
                logs.create_log_group(name, _tags(rng))
        made["log_groups"] = made.get("log_groups", 0) + len(logs.groups)

        rng = rng_for(f"ssm_parameters/{region}")
        ssm = ssm_backends[account][region]
        for index in range(int(section.get("ssm_parameters", 0))):
            team = rng.choice(TEAMS)
            name = f"/{team}/{rng.choice(APPS)}/{rng.choice(('config', 'endpoint', 'flag'))}-{index:05d}"
            ssm.put_parameter(
                name=name, description="", value=f"value-{rng.randrange(1 << 30)}",
                parameter_type="String", allowed_pattern="", keyid="", overwrite=False,
                tags=[{"Key": k, "Value": v} for k, v in _tags(rng).items()], data_type="text",
                tier=None, policies=None,
            )
        made["ssm_parameters"] = made.get("ssm_parameters", 0) + int(section.get("ssm_parameters", 0))

        rng = rng_for(f"kms_keys/{region}")
        kms = kms_models.kms_backends[account][region]
        generate = kms_models.generate_private_key
        shared = generate("RSA_2048")
        kms_models.generate_private_key = lambda key_spec: shared
        try:
            for index in range(int(section.get("kms_keys", 0))):
                name = _name(rng, index)
                key = kms.create_key(
                    policy=None, key_usage="ENCRYPT_DECRYPT", key_spec="SYMMETRIC_DEFAULT",
                    description=f"{name} data key",
                    tags=[{"TagKey": k, "TagValue": v} for k, v in _tags(rng).items()],
                )
                kms.create_alias(key.id, f"alias/{name}")
        finally:
            kms_models.generate_private_key = generate
        made["kms_keys"] = made.get("kms_keys", 0) + int(section.get("kms_keys", 0))

    rng = rng_for("iam_roles")
    iam = iam_backends[account]["aws"]
    for index in range(int(section.get("iam_roles", 0))):
        name = _name(rng, index)
        iam.create_role(
            role_name=f"{name}-role", assume_role_policy_document=TRUST, path="/",
            permissions_boundary=None, description=f"{name} execution role",
            tags=[{"Key": k, "Value": v} for k, v in _tags(rng).items()], max_session_duration=None,
        )
    made["iam_roles"] = int(section.get("iam_roles", 0))

    rng = rng_for("s3_buckets")
    s3 = s3_backends[account]["aws"]
    home = (section.get("regions") or ["us-east-1"])[0]
    for index in range(int(section.get("s3_buckets", 0))):
        name = f"{_name(rng, index)}-{rng.randrange(16 ** 8):08x}"
        s3.create_bucket(name, home)
        s3.put_bucket_tagging(name, _tags(rng))
    made["s3_buckets"] = int(section.get("s3_buckets", 0))
    return made, round(time.monotonic() - started, 3)
