#!/usr/bin/env python3
"""Prepares the emulated organization for stage local: an organization whose management account
(111111111111) is reached by assuming OrganizationAccountAccessRole, as a bank's BANK_ORG_PROFILE
would, and an AWS config file with that profile (`bank-org`).

Usage: emulated-org.py ENDPOINT CONFIG_FILE   (trusts SSL_CERT_FILE for the emulator's HTTPS)
"""

import os
import sys

import boto3

ROLE = "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole"


def main(endpoint, config_file):
    common = dict(endpoint_url=endpoint, region_name="ap-southeast-2", verify=os.environ.get("SSL_CERT_FILE", True))
    sts = boto3.client("sts", aws_access_key_id="bankinfra-local", aws_secret_access_key="bankinfra-local", **common)
    creds = sts.assume_role(RoleArn=ROLE, RoleSessionName="bankinfra-local")["Credentials"]
    org = boto3.client(
        "organizations",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        **common,
    )
    try:
        org.describe_organization()
    except org.exceptions.AWSOrganizationsNotInUseException:
        org.create_organization(FeatureSet="ALL")
    with open(config_file, "w") as f:
        f.write(
            "[profile bank-org-source]\naws_access_key_id = bankinfra-local\naws_secret_access_key = bankinfra-local\n"
            f"endpoint_url = {endpoint}\n\n"
            f"[profile bank-org]\nrole_arn = {ROLE}\nsource_profile = bank-org-source\nregion = ap-southeast-2\n"
            f"endpoint_url = {endpoint}\n"
        )


if __name__ == "__main__":
    main(*sys.argv[1:3])
