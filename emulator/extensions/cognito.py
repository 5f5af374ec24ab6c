"""Cognito user pools: tags, MFA, deletion protection, schema, resource servers and app clients."""

import functools
import json
import re

# ArnType's pattern in botocore's cognito-idp service-2.json.
PART = r"[\w+=/,.@-]+"
ARN = re.compile(rf"arn:{PART}:{PART}:({PART})?:[0-9]+:{PART}(:{PART})?(:{PART})?")
# The scopes an app client may have besides its resource servers' (AllowedOAuthScopes in the
# Cognito API reference).
STANDARD_SCOPES = {"phone", "email", "openid", "profile", "aws.cognito.signin.user.admin"}
# What an app client has for the members CreateUserPoolClient and UpdateUserPoolClient leave out.
CLIENT_DEFAULTS = {
    "AllowedOAuthFlowsUserPoolClient": False,
    "AuthSessionValidity": 3,
    "EnablePropagateAdditionalUserContextData": False,
    "EnableTokenRevocation": True,
    "RefreshTokenValidity": 30,
}
MFA_NEEDS_SMS = (
    "SMS configuration and Auto verification for phone_number are required when MFA is "
    "required/optional"
)


def patch_cognito_user_pool_tags():
    """Cognito TagResource, UntagResource and ListTagsForResource (JSON 1.1) manage a user pool's
    tags, the same tags CreateUserPool takes and DescribeUserPool returns as UserPoolTags;
    moto 5.2 implements none of the three and answers 500. The tags are kept where moto keeps
    UserPoolTags (the pool's extended config), so both views agree."""
    from moto.cognitoidp import responses
    from moto.cognitoidp.exceptions import InvalidParameterException, ResourceNotFoundError

    def user_pool(self):
        arn = self._get_param("ResourceArn")
        if not isinstance(arn, str) or not 20 <= len(arn) <= 2048 or not ARN.fullmatch(arn):
            raise InvalidParameterException(f"Invalid ResourceArn: {arn}")
        for pool in self.backend.user_pools.values():
            if pool.arn == arn:
                return pool
        if ":userpool/" in arn:
            raise ResourceNotFoundError(f"User pool {arn.split(':userpool/')[-1]} does not exist.")
        raise ResourceNotFoundError(f"Resource {arn} does not exist.")

    def tag_resource(self):
        pool = user_pool(self)
        tags = self._get_param("Tags")
        if not isinstance(tags, dict):
            raise InvalidParameterException("Tags must be a map of tag keys to values")
        merged = {**(pool.extended_config.get("UserPoolTags") or {}), **tags}
        pool.extended_config["UserPoolTags"] = merged
        return "{}"

    def untag_resource(self):
        pool = user_pool(self)
        keys = self._get_param("TagKeys")
        if not isinstance(keys, list):
            raise InvalidParameterException("TagKeys must be a list of tag keys")
        tags = pool.extended_config.get("UserPoolTags") or {}
        kept = {k: v for k, v in tags.items() if k not in keys}
        if kept:
            pool.extended_config["UserPoolTags"] = kept
        else:
            pool.extended_config.pop("UserPoolTags", None)
        return "{}"

    def list_tags_for_resource(self):
        pool = user_pool(self)
        return json.dumps({"Tags": pool.extended_config.get("UserPoolTags") or {}})

    for handler in (tag_resource, untag_resource, list_tags_for_resource):
        setattr(responses.CognitoIdpResponse, handler.__name__, handler)


def patch_cognito_user_pool_mfa_configuration():
    """Cognito keeps one MFA configuration per user pool: DescribeUserPool's MfaConfiguration is
    GetUserPoolMfaConfig's, whichever of CreateUserPool, UpdateUserPool or SetUserPoolMfaConfig set
    it. CreateUserPool with MfaConfiguration ON or OPTIONAL needs SmsConfiguration (TOTP can only be
    turned on afterwards, by SetUserPoolMfaConfig), else InvalidParameterException "SMS
    configuration and Auto verification for phone_number are required when MFA is
    required/optional"; UpdateUserPool keeps the pool's MfaConfiguration when it omits it, and
    turns it ON or OPTIONAL only for a pool with an MFA method (TOTP or SMS enabled, or the
    request's SmsConfiguration). SetUserPoolMfaConfig replaces the whole configuration: ON or
    OPTIONAL needs an enabled method ("Invalid MFA configuration given, can't disable all MFAs with
    a required or optional configuration."), OFF takes none ("Invalid MFA configuration given,
    can't turn off MFA and configure an MFA together."), and a call without MfaConfiguration turns
    MFA OFF and drops the methods. moto 5.2 keeps CreateUserPool's and UpdateUserPool's
    MfaConfiguration apart from SetUserPoolMfaConfig's, so the two reads disagree, accepts ON
    without any method, and refuses a SetUserPoolMfaConfig without MfaConfiguration."""
    from moto.cognitoidp import models, responses
    from moto.cognitoidp.exceptions import InvalidParameterException
    from moto.core.responses import ActionResult

    def sms_method(config):
        method = {"SmsConfiguration": config["SmsConfiguration"]}
        if config.get("SmsAuthenticationMessage"):
            method["SmsAuthenticationMessage"] = config["SmsAuthenticationMessage"]
        return method

    def enabled_method(pool):
        return bool(pool.sms_mfa_config) or bool((pool.token_mfa_config or {}).get("Enabled"))

    update_config = models.CognitoIdpUserPool.update_extended_config

    def update_extended_config(self, extended_config):
        update_config(self, extended_config)
        self.extended_config.pop("MfaConfiguration", None)  # kept once, as self.mfa_config

    create = models.CognitoIdpBackend.create_user_pool

    def create_user_pool(self, name, extended_config):
        mfa = extended_config.get("MfaConfiguration") or "OFF"
        if mfa != "OFF" and not extended_config.get("SmsConfiguration"):
            raise InvalidParameterException(MFA_NEEDS_SMS)
        pool = create(self, name, extended_config)
        if mfa != "OFF":
            pool.sms_mfa_config = sms_method(extended_config)
        return pool

    update = models.CognitoIdpBackend.update_user_pool

    def update_user_pool(self, user_pool_id, extended_config):
        pool = self.describe_user_pool(user_pool_id)
        mfa = extended_config.get("MfaConfiguration")
        sms = extended_config.get("SmsConfiguration")
        if mfa in ("ON", "OPTIONAL") and not (enabled_method(pool) or sms):
            raise InvalidParameterException(MFA_NEEDS_SMS)
        update(self, user_pool_id, extended_config)
        if mfa is not None:
            if mfa != "OFF" and not enabled_method(pool):
                pool.sms_mfa_config = sms_method(extended_config)
            pool.mfa_config = mfa

    def set_user_pool_mfa_config(self):
        pool_id = self._get_param("UserPoolId")
        sms = self._get_param("SmsMfaConfiguration")
        token = self._get_param("SoftwareTokenMfaConfiguration")
        mfa = self._get_param("MfaConfiguration")
        if mfa is None:  # a full replacement: no configuration is MFA OFF, without methods
            mfa, sms, token = "OFF", None, None
        enabled = bool(sms) or bool((token or {}).get("Enabled"))
        if mfa == "OFF" and enabled:
            raise InvalidParameterException(
                "Invalid MFA configuration given, can't turn off MFA and configure an MFA together."
            )
        if mfa != "OFF" and not enabled:
            raise InvalidParameterException(
                "Invalid MFA configuration given, can't disable all MFAs with a required or "
                "optional configuration."
            )
        if sms is not None and "SmsConfiguration" not in sms:
            raise InvalidParameterException(
                "[SmsConfiguration] is a required member of [SmsMfaConfiguration]."
            )
        result = self.backend.set_user_pool_mfa_config(pool_id, sms, token, mfa)
        return ActionResult({k: v for k, v in result.items() if v is not None})

    models.CognitoIdpUserPool.update_extended_config = update_extended_config
    models.CognitoIdpBackend.create_user_pool = create_user_pool
    models.CognitoIdpBackend.update_user_pool = update_user_pool
    responses.CognitoIdpResponse.set_user_pool_mfa_config = set_user_pool_mfa_config


def patch_cognito_user_pool_deletion_protection():
    """Cognito user pools have DeletionProtection INACTIVE unless CreateUserPool or UpdateUserPool
    sets ACTIVE, and DescribeUserPool always returns it; DeleteUserPool of a pool whose protection
    is ACTIVE is InvalidParameterException and deletes nothing. moto 5.2 leaves DeletionProtection
    out of DescribeUserPool unless it was given, and deletes protected pools."""
    from moto.cognitoidp import models
    from moto.cognitoidp.exceptions import InvalidParameterException

    update_config = models.CognitoIdpUserPool.update_extended_config

    def update_extended_config(self, extended_config):
        update_config(self, extended_config)
        self.extended_config.setdefault("DeletionProtection", "INACTIVE")

    delete = models.CognitoIdpBackend.delete_user_pool

    def delete_user_pool(self, user_pool_id):
        pool = self.describe_user_pool(user_pool_id)
        if pool.extended_config.get("DeletionProtection") == "ACTIVE":
            raise InvalidParameterException(
                "The user pool cannot be deleted because deletion protection is activated. "
                "Deletion protection must be inactivated first."
            )
        delete(self, user_pool_id)

    models.CognitoIdpUserPool.update_extended_config = update_extended_config
    models.CognitoIdpBackend.delete_user_pool = delete_user_pool


def patch_cognito_user_pool_schema_keeps_standard_attributes():
    """Cognito DescribeUserPool's SchemaAttributes has every standard attribute (sub, email,
    phone_number, ... updated_at, as the Schema of CreateUserPool changed them) followed by the
    custom ones, named custom:<Name> with their constraints. moto 5.2 returns only the attributes
    CreateUserPool's Schema names when it names any, dropping every other standard attribute."""
    from moto.cognitoidp import models

    init = models.CognitoIdpUserPool.__init__
    attribute = models.CognitoIdpUserPoolAttribute

    def user_pool_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        given = self.schema_attributes
        schema = {
            name: given.get(name) or attribute(name, False, standard)
            for name, standard in attribute.STANDARD_SCHEMA.items()
        }
        schema.update((name, a) for name, a in given.items() if name not in schema)
        self.schema_attributes = schema

    models.CognitoIdpUserPool.__init__ = user_pool_init


def patch_cognito_update_user_pool_keeps_tags_and_renames():
    """Cognito UpdateUserPool sets the pool's settings (those it omits go back to their defaults)
    but leaves its tags alone unless it gives UserPoolTags (tags are TagResource's and
    UntagResource's), renames the pool when it gives PoolName, and moves LastModifiedDate on.
    moto 5.2 drops the pool's tags on every UpdateUserPool without UserPoolTags, ignores PoolName
    and keeps LastModifiedDate at the creation time. UsernameAttributes and AliasAttributes are
    not UpdateUserPool parameters (they are fixed at creation); moto 5.2 clears them too."""
    from moto.cognitoidp import models
    from moto.core.utils import utcnow

    update = models.CognitoIdpBackend.update_user_pool
    fixed_at_creation = ("UsernameAttributes", "AliasAttributes")

    def update_user_pool(self, user_pool_id, extended_config):
        pool = self.describe_user_pool(user_pool_id)
        tags = pool.extended_config.get("UserPoolTags")
        kept = {k: pool.extended_config[k] for k in fixed_at_creation if k in pool.extended_config}
        update(self, user_pool_id, {k: v for k, v in extended_config.items() if k not in fixed_at_creation})
        pool.extended_config.update(kept)
        for request_only in ("UserPoolId", "PoolName"):
            pool.extended_config.pop(request_only, None)
        if "UserPoolTags" not in extended_config and tags:
            pool.extended_config["UserPoolTags"] = tags
        if extended_config.get("PoolName"):
            pool.name = extended_config["PoolName"]
        pool.last_modified_date = utcnow()

    models.CognitoIdpBackend.update_user_pool = update_user_pool


def patch_cognito_resource_server_update_and_delete():
    """Cognito UpdateResourceServer replaces a resource server's Name and Scopes (omitted Scopes:
    none) and returns it as {ResourceServer}; DeleteResourceServer deletes it and answers {}; both,
    and ListResourceServers, answer ResourceNotFoundException for a pool or resource server that
    doesn't exist. moto 5.2 implements neither UpdateResourceServer nor DeleteResourceServer
    (500), and ListResourceServers answers 500 for an unknown pool."""
    from moto.cognitoidp import responses
    from moto.cognitoidp.exceptions import ResourceNotFoundError
    from moto.core.responses import ActionResult, EmptyResult

    def resource_server(self):
        pool = self.backend.describe_user_pool(self._get_param("UserPoolId"))
        identifier = self._get_param("Identifier")
        found = pool.resource_servers.get(identifier)
        if found is None:
            raise ResourceNotFoundError(f"Resource server {identifier} does not exist.")
        return pool, found

    def update_resource_server(self):
        _, found = resource_server(self)
        found.name = self._get_param("Name")
        found.scopes = self._get_param("Scopes") or []
        return ActionResult({"ResourceServer": found.to_json()})

    def delete_resource_server(self):
        pool, found = resource_server(self)
        del pool.resource_servers[found.identifier]
        return EmptyResult()

    list_resource_servers = responses.CognitoIdpResponse.list_resource_servers

    @functools.wraps(list_resource_servers)
    def list_resource_servers_of_a_pool(self):
        self.backend.describe_user_pool(self._get_param("UserPoolId"))
        return list_resource_servers(self)

    responses.CognitoIdpResponse.update_resource_server = update_resource_server
    responses.CognitoIdpResponse.delete_resource_server = delete_resource_server
    responses.CognitoIdpResponse.list_resource_servers = list_resource_servers_of_a_pool


def patch_cognito_update_user_pool_client_replaces():
    """Cognito UpdateUserPoolClient sets the whole app client: a member it omits goes back to its
    default (no callback URLs, flows or scopes, RefreshTokenValidity 30, EnableTokenRevocation
    true, ...); the name and secret stay. DescribeUserPoolClient returns the client's CreationDate
    and LastModifiedDate. moto 5.2 merges the update into the client, so what an update leaves out
    stays, and has no dates."""
    from moto.cognitoidp import models
    from moto.cognitoidp.exceptions import ResourceNotFoundError
    from moto.core.utils import utcnow

    init = models.CognitoIdpUserPoolClient.__init__

    def client_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.creation_date = self.last_modified_date = utcnow()

    to_json = models.CognitoIdpUserPoolClient.to_json

    def client_to_json(self, extended=False):
        described = to_json(self, extended)
        if extended:
            described["CreationDate"] = self.creation_date
            described["LastModifiedDate"] = self.last_modified_date
        return described

    def update_user_pool_client(self, user_pool_id, client_id, extended_config):
        pool = self.describe_user_pool(user_pool_id)
        client = pool.clients.get(client_id)
        if not client:
            raise ResourceNotFoundError(client_id)
        name = extended_config.get("ClientName") or client.extended_config.get("ClientName")
        client.extended_config = {**CLIENT_DEFAULTS, **extended_config, "ClientName": name}
        client.last_modified_date = utcnow()
        return client

    models.CognitoIdpUserPoolClient.__init__ = client_init
    models.CognitoIdpUserPoolClient.to_json = client_to_json
    models.CognitoIdpBackend.update_user_pool_client = update_user_pool_client


def patch_cognito_user_pool_client_oauth_checks():
    """Cognito CreateUserPoolClient and UpdateUserPoolClient check the OAuth settings: every
    AllowedOAuthScopes entry is a standard scope (phone, email, openid, profile,
    aws.cognito.signin.user.admin) or <resource server identifier>/<scope name> of one of the
    pool's resource servers, else ScopeDoesNotExistException "Invalid scope requested: <scope>";
    the client_credentials flow needs a client secret and excludes the code and implicit flows,
    else InvalidOAuthFlowException. moto 5.2 accepts any scope and flow."""
    from moto.cognitoidp import models
    from moto.core.exceptions import JsonRESTError

    def check(pool, generate_secret, config):
        flows = config.get("AllowedOAuthFlows") or []
        if "client_credentials" in flows:
            if {"code", "implicit"} & set(flows):
                raise JsonRESTError(
                    "InvalidOAuthFlowException",
                    "client_credentials flow can not be selected along with code flow or implicit "
                    "flow.",
                )
            if not generate_secret:
                raise JsonRESTError(
                    "InvalidOAuthFlowException",
                    "client_credentials flow can not be selected if client does not have a client "
                    "secret.",
                )
        custom = {
            f"{server.identifier}/{scope['ScopeName']}"
            for server in pool.resource_servers.values()
            for scope in server.scopes or []
        }
        for scope in config.get("AllowedOAuthScopes") or []:
            if scope not in STANDARD_SCOPES and scope not in custom:
                raise JsonRESTError("ScopeDoesNotExistException", f"Invalid scope requested: {scope}")

    create = models.CognitoIdpBackend.create_user_pool_client
    update = models.CognitoIdpBackend.update_user_pool_client

    def create_user_pool_client(self, user_pool_id, generate_secret, extended_config):
        check(self.describe_user_pool(user_pool_id), generate_secret, extended_config)
        return create(self, user_pool_id, generate_secret, extended_config)

    def update_user_pool_client(self, user_pool_id, client_id, extended_config):
        pool = self.describe_user_pool(user_pool_id)
        client = pool.clients.get(client_id)
        if client is not None:
            check(pool, client.generate_secret, extended_config)
        return update(self, user_pool_id, client_id, extended_config)

    models.CognitoIdpBackend.create_user_pool_client = create_user_pool_client
    models.CognitoIdpBackend.update_user_pool_client = update_user_pool_client
