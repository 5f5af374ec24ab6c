"""Kinesis Data Firehose delivery streams: server-side encryption, the S3 destination as described,
and ListDeliveryStreams paging."""

# Members of S3DestinationDescription in botocore's firehose service-2.json: what AWS shows of an
# ExtendedS3 destination a second time, as its S3 destination.
S3_DESCRIPTION_MEMBERS = (
    "RoleARN",
    "BucketARN",
    "Prefix",
    "ErrorOutputPrefix",
    "BufferingHints",
    "CompressionFormat",
    "EncryptionConfiguration",
    "CloudWatchLoggingOptions",
)
# The defaults the AWS API reference gives for what a destination configuration leaves out.
BUFFERING_HINTS = {"SizeInMBs": 5, "IntervalInSeconds": 300}
LIST_LIMIT = 10


def patch_firehose_stream_encryption():
    """Firehose server-side encryption: CreateDeliveryStream with
    DeliveryStreamEncryptionConfigurationInput {KeyType, KeyARN} encrypts the stream, and
    DescribeDeliveryStream returns DeliveryStreamEncryptionConfiguration {KeyType, KeyARN (only for
    CUSTOMER_MANAGED_CMK), Status: ENABLED}; a stream never encrypted reads {Status: DISABLED}.
    StartDeliveryStreamEncryption without an input uses AWS_OWNED_CMK (the default KeyType) and
    replaces the key type and ARN the stream had; StopDeliveryStreamEncryption sets Status DISABLED
    (the 25-calls-a-day quota aside, also on a stream that is not encrypted). KeyType
    CUSTOMER_MANAGED_CMK needs a KeyARN and AWS_OWNED_CMK takes none (InvalidArgumentException), and
    only DirectPut streams can be encrypted (InvalidArgumentException). moto 5.2 returns the input
    without Status, leaves DeliveryStreamEncryptionConfiguration out for unencrypted streams, and
    answers 500 for StartDeliveryStreamEncryption without an input and for
    StopDeliveryStreamEncryption on an unencrypted stream. Status changes at once here (AWS passes
    through ENABLING and DISABLING)."""
    from moto.firehose import models
    from moto.firehose.exceptions import InvalidArgumentException, ResourceNotFoundException

    def configuration(given, stream_type):
        given = dict(given or {"KeyType": "AWS_OWNED_CMK"})
        key_type, key_arn = given.get("KeyType") or "AWS_OWNED_CMK", given.get("KeyARN")
        if key_type not in ("AWS_OWNED_CMK", "CUSTOMER_MANAGED_CMK"):
            raise InvalidArgumentException(f"Invalid KeyType: {key_type}")
        if key_type == "CUSTOMER_MANAGED_CMK" and not key_arn:
            raise InvalidArgumentException(
                "KeyARN must be provided when KeyType is CUSTOMER_MANAGED_CMK."
            )
        if key_type == "AWS_OWNED_CMK" and key_arn:
            raise InvalidArgumentException("KeyARN is not allowed when KeyType is AWS_OWNED_CMK.")
        if stream_type != "DirectPut":
            raise InvalidArgumentException(
                "Server-side encryption is supported only for delivery streams whose source is "
                "DirectPut."
            )
        described = {"KeyType": key_type, "Status": "ENABLED"}
        if key_arn:
            described["KeyARN"] = key_arn
        return described

    def stream(backend, name):
        found = backend.delivery_streams.get(name)
        if not found:
            raise ResourceNotFoundException(
                f"Firehose {name} under account {backend.account_id} not found."
            )
        return found

    create = models.FirehoseBackend.create_delivery_stream

    def create_delivery_stream(self, region, name, stream_type, source, encryption, *args):
        if encryption is not None:
            encryption = configuration(encryption, stream_type or "DirectPut")
        return create(self, region, name, stream_type, source, encryption, *args)

    def start_delivery_stream_encryption(self, stream_name, encryption_config):
        found = stream(self, stream_name)
        found.delivery_stream_encryption_configuration = configuration(
            encryption_config, found.delivery_stream_type
        )

    def stop_delivery_stream_encryption(self, stream_name):
        found = stream(self, stream_name)
        current = found.delivery_stream_encryption_configuration or {}
        found.delivery_stream_encryption_configuration = {**current, "Status": "DISABLED"}

    describe = models.FirehoseBackend.describe_delivery_stream

    def describe_delivery_stream(self, name):
        result = describe(self, name)
        description = result["DeliveryStreamDescription"]
        description.setdefault("DeliveryStreamEncryptionConfiguration", {"Status": "DISABLED"})
        return result

    models.FirehoseBackend.create_delivery_stream = create_delivery_stream
    models.FirehoseBackend.start_delivery_stream_encryption = start_delivery_stream_encryption
    models.FirehoseBackend.stop_delivery_stream_encryption = stop_delivery_stream_encryption
    models.FirehoseBackend.describe_delivery_stream = describe_delivery_stream


def patch_firehose_s3_destination_description():
    """Firehose DescribeDeliveryStream shows an ExtendedS3 destination twice: as
    ExtendedS3DestinationDescription and as S3DestinationDescription (its S3 members), both with
    the defaults of what the configuration left out (BufferingHints 5 MB / 300 s,
    CompressionFormat UNCOMPRESSED, EncryptionConfiguration {NoEncryptionConfig: NoEncryption},
    CloudWatchLoggingOptions {Enabled: false}, and S3BackupMode Disabled on the ExtendedS3 one).
    UpdateDestination merges the update into the destination, so both descriptions keep every
    member the update leaves out, and the stream has a LastUpdateTimestamp only once it has been
    updated. moto 5.2 returns only the members given, replaces the S3 description with just the
    update's members (losing RoleARN and BucketARN), and sets LastUpdateTimestamp at creation."""
    from moto.firehose import models

    def with_defaults(description, extended):
        described = dict(description)
        described["BufferingHints"] = {**BUFFERING_HINTS, **(described.get("BufferingHints") or {})}
        described.setdefault("CompressionFormat", "UNCOMPRESSED")
        described.setdefault("EncryptionConfiguration", {"NoEncryptionConfig": "NoEncryption"})
        described.setdefault("CloudWatchLoggingOptions", {"Enabled": False})
        if extended:
            described.setdefault("S3BackupMode", "Disabled")
        return described

    init = models.DeliveryStream.__init__

    def delivery_stream_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.last_update_timestamp = None  # describe leaves out what is unset

    update = models.FirehoseBackend.update_destination

    def update_destination(self, name, version_id, destination_id, *args):
        update(self, name, version_id, destination_id, *args)
        for destination in self.delivery_streams[name].destinations:
            if destination["destination_id"] == destination_id and "ExtendedS3" in destination:
                extended = destination["ExtendedS3"]
                destination["S3"] = {k: extended[k] for k in S3_DESCRIPTION_MEMBERS if k in extended}

    describe = models.FirehoseBackend.describe_delivery_stream

    def describe_delivery_stream(self, name):
        result = describe(self, name)
        for destination in result["DeliveryStreamDescription"].get("Destinations", []):
            extended = destination.get("ExtendedS3DestinationDescription")
            if extended is not None:
                destination["ExtendedS3DestinationDescription"] = with_defaults(extended, True)
                destination["S3DestinationDescription"] = with_defaults(
                    {k: extended[k] for k in S3_DESCRIPTION_MEMBERS if k in extended}, False
                )
            elif destination.get("S3DestinationDescription") is not None:
                plain = destination["S3DestinationDescription"]
                destination["S3DestinationDescription"] = with_defaults(plain, False)
        return result

    models.DeliveryStream.__init__ = delivery_stream_init
    models.FirehoseBackend.update_destination = update_destination
    models.FirehoseBackend.describe_delivery_stream = describe_delivery_stream


def patch_firehose_list_delivery_streams_paging():
    """Firehose ListDeliveryStreams returns at most Limit names (default 10) in alphabetical order,
    starting with the first name that sorts after ExclusiveStartDeliveryStreamName (which need not
    be a stream that exists), and says HasMoreDeliveryStreams when more follow. moto 5.2 returns
    up to 50 by default and starts from the beginning again when the start name is not a stream
    (as when it was deleted between two pages)."""
    from moto.firehose import models

    def list_delivery_streams(self, limit, stream_type, exclusive_start_name):
        names = sorted(
            name for name, stream in self.delivery_streams.items()
            if not stream_type or stream.delivery_stream_type == stream_type
        )
        if exclusive_start_name:
            names = [name for name in names if name > exclusive_start_name]
        limit = limit or LIST_LIMIT
        return {"DeliveryStreamNames": names[:limit], "HasMoreDeliveryStreams": len(names) > limit}

    models.FirehoseBackend.list_delivery_streams = list_delivery_streams
