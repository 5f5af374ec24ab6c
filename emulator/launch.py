#!/usr/bin/env python3
"""bankinfra's local AWS: moto in server mode, with fixes where moto departs from the AWS API.

Usage: launch.py [--host 127.0.0.1] [--port 5000]

Each fix below follows the AWS API reference and has a test in emulator/test_launch.py. The
engine never knows it talks to an emulator; differences are corrected here, not there.
"""

import argparse
import os
import sys

os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")


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


PATCHES = [patch_kms_rotation_period, patch_s3_get_bucket_versioning]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    for patch in PATCHES:
        patch()
    from moto.server import main as moto_main

    moto_main(["--host", args.host, "--port", str(args.port)])


if __name__ == "__main__":
    sys.exit(main())
