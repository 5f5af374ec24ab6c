#!/usr/bin/env python3
"""Prepares the emulated organization for stage local: an organization whose management account
(111111111111) is reached by assuming OrganizationAccountAccessRole, as a bank's BANK_ORG_PROFILE
would, with the stage account (123456789012, moto's default, plain `bankinfra-local` keys) as a
member, and an AWS config file with that profile (`bank-org`).

The stage account joins as an existing account joins an organization in AWS: the management
account calls InviteAccountToOrganization(Target={"Type": "ACCOUNT", "Id": "123456789012"}) and
the stage account AcceptHandshake(HandshakeId=<the invitation's Id>). Running the script again
changes nothing: an existing organization, membership or open invitation is reused.

Usage: emulated-org.py ENDPOINT CONFIG_FILE   (trusts SSL_CERT_FILE for the emulator's HTTPS)
"""

import os
import sys

import boto3

ROLE = "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole"
MANAGEMENT_ACCOUNT = "111111111111"
STAGE_ACCOUNT = "123456789012"
STAGE_KEYS = dict(aws_access_key_id="bankinfra-local", aws_secret_access_key="bankinfra-local")


def join(org, member):
    """Makes the stage account (member's) a member of org's organization, unless it is one."""
    try:
        joined = member.describe_organization()["Organization"]
    except member.exceptions.AWSOrganizationsNotInUseException:
        joined = None
    if joined is not None:
        if joined["MasterAccountId"] != MANAGEMENT_ACCOUNT:
            sys.exit(f"account {STAGE_ACCOUNT} is a member of another organization ({joined['Id']})")
        return
    organization = org.describe_organization()["Organization"]["Id"]
    open_invitations = [
        h["Id"]
        for h in member.list_handshakes_for_account(Filter={"ActionType": "INVITE"})["Handshakes"]
        if h["State"] == "OPEN" and {"Id": organization, "Type": "ORGANIZATION"} in h["Parties"]
    ]
    if open_invitations:
        handshake = open_invitations[0]
    else:
        target = {"Id": STAGE_ACCOUNT, "Type": "ACCOUNT"}
        handshake = org.invite_account_to_organization(Target=target)["Handshake"]["Id"]
    member.accept_handshake(HandshakeId=handshake)


def main(endpoint, config_file):
    common = dict(endpoint_url=endpoint, region_name="ap-southeast-2", verify=os.environ.get("SSL_CERT_FILE", True))
    sts = boto3.client("sts", **STAGE_KEYS, **common)
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
    join(org, boto3.client("organizations", **STAGE_KEYS, **common))
    with open(config_file, "w") as f:
        f.write(
            "[profile bank-org-source]\naws_access_key_id = bankinfra-local\naws_secret_access_key = bankinfra-local\n"
            f"endpoint_url = {endpoint}\n\n"
            f"[profile bank-org]\nrole_arn = {ROLE}\nsource_profile = bank-org-source\nregion = ap-southeast-2\n"
            f"endpoint_url = {endpoint}\n"
        )


if __name__ == "__main__":
    main(*sys.argv[1:3])
