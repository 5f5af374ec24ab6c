"""Tests of the emulator's fixes, against a launcher started on a free port.

Run: python3 -m unittest emulator/test_launch.py
"""

import os
import socket
import subprocess
import sys
import time
import unittest
import urllib.request

import boto3
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LauncherTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "launch.py"), "--port", str(cls.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{cls.port}/moto-api/"
        for _ in range(150):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("emulator did not start")
        cls.kms = cls.client("kms")
        cls.s3 = cls.client("s3")

    @classmethod
    def client(cls, service):
        return boto3.client(
            service,
            endpoint_url=f"http://127.0.0.1:{cls.port}",
            region_name="ap-southeast-2",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def raw(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
            return r.read().decode()

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=10)

    def test_rotation_period_is_stored_and_returned(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        self.kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=180)
        status = self.kms.get_key_rotation_status(KeyId=key)
        self.assertTrue(status["KeyRotationEnabled"])
        self.assertEqual(status["RotationPeriodInDays"], 180)

    def test_rotation_period_defaults_to_365(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        self.kms.enable_key_rotation(KeyId=key)
        self.assertEqual(self.kms.get_key_rotation_status(KeyId=key)["RotationPeriodInDays"], 365)

    def test_disabled_rotation_has_no_period(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        status = self.kms.get_key_rotation_status(KeyId=key)
        self.assertFalse(status["KeyRotationEnabled"])
        self.assertNotIn("RotationPeriodInDays", status)

    def test_rotation_period_out_of_range_is_rejected(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        with self.assertRaises(ClientError) as ctx:
            self.kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=3000)
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")

    def test_bucket_versioning_uses_the_s3_root_element(self):
        self.s3.create_bucket(Bucket="vers", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-2"})
        body = self.raw("/vers?versioning")
        self.assertIn("<VersioningConfiguration", body)
        self.assertNotIn("<Status>", body)
        self.s3.put_bucket_versioning(Bucket="vers", VersioningConfiguration={"Status": "Enabled"})
        self.assertIn("<Status>Enabled</Status>", self.raw("/vers?versioning"))
        self.s3.put_bucket_versioning(Bucket="vers", VersioningConfiguration={"Status": "Suspended"})
        self.assertEqual(self.s3.get_bucket_versioning(Bucket="vers")["Status"], "Suspended")


if __name__ == "__main__":
    unittest.main()
