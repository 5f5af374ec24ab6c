"""Cognito user pools: tags through TagResource, UntagResource and ListTagsForResource."""

import json
import re

# ArnType's pattern in botocore's cognito-idp service-2.json.
PART = r"[\w+=/,.@-]+"
ARN = re.compile(rf"arn:{PART}:{PART}:({PART})?:[0-9]+:{PART}(:{PART})?(:{PART})?")


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
