"""IAM OpenID Connect providers: client IDs added and removed one at a time."""

# clientIDType in botocore's iam service-2.json; the quota is moto's own for CreateOpenIDConnectProvider.
CLIENT_ID_LENGTH = (1, 255)
MAX_CLIENT_IDS = 100


def patch_iam_oidc_client_ids():
    """IAM AddClientIDToOpenIDConnectProvider and RemoveClientIDFromOpenIDConnectProvider (query
    protocol) add a client ID (audience) to, or remove one from, a provider's ClientIDList and
    answer an empty <...Response> with its RequestId. Adding a listed client ID succeeds and
    changes nothing, and so does removing an unlisted one ("This operation is idempotent"); an
    unknown provider ARN is NoSuchEntity (404). moto 5.2 implements neither and answers 500."""
    from moto.core.responses import EmptyResult
    from moto.iam import responses
    from moto.iam.exceptions import LimitExceededException, ValidationError

    def arguments(self):
        # get_open_id_connect_provider raises moto's NoSuchEntity (404) for an unknown ARN.
        provider = self.backend.get_open_id_connect_provider(
            self._get_param("OpenIDConnectProviderArn")
        )
        client_id = self._get_param("ClientID")
        low, high = CLIENT_ID_LENGTH
        if not isinstance(client_id, str) or not low <= len(client_id) <= high:
            raise ValidationError(
                f"1 validation error detected: Value '{client_id}' at 'clientID' failed to "
                f"satisfy constraint: Member must have length between {low} and {high}"
            )
        return provider, client_id

    def add_client_id_to_open_id_connect_provider(self):
        provider, client_id = arguments(self)
        if client_id not in provider.client_id_list:
            if len(provider.client_id_list) >= MAX_CLIENT_IDS:
                raise LimitExceededException(
                    f"Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
                )
            provider.client_id_list = [*provider.client_id_list, client_id]
        return EmptyResult()

    def remove_client_id_from_open_id_connect_provider(self):
        provider, client_id = arguments(self)
        provider.client_id_list = [c for c in provider.client_id_list if c != client_id]
        return EmptyResult()

    for handler in (
        add_client_id_to_open_id_connect_provider,
        remove_client_id_from_open_id_connect_provider,
    ):
        setattr(responses.IamResponse, handler.__name__, handler)
