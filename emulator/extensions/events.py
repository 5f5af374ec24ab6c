"""EventBridge event buses: UpdateEventBus, and LogConfig kept and read back."""

import json


def patch_events_update_event_bus():
    """EventBridge UpdateEventBus (JSON 1.1) changes a bus's Description (kept when omitted,
    cleared by ""), KmsKeyIdentifier (omitted: back to an AWS owned key), DeadLetterConfig and
    LogConfig, and returns {Arn, Name, and those that are set}; DescribeEventBus returns them too,
    LogConfig included, and CreateEventBus takes LogConfig. moto 5.2 lacks UpdateEventBus (500)
    and drops LogConfig."""
    from moto.core.exceptions import JsonRESTError
    from moto.core.utils import unix_time
    from moto.events import responses

    create_event_bus = responses.EventsHandler.create_event_bus
    describe_event_bus = responses.EventsHandler.describe_event_bus

    def settings(bus):
        return {
            "KmsKeyIdentifier": bus.kms_key_identifier,
            "Description": bus.description,
            "DeadLetterConfig": bus.dead_letter_config,
            "LogConfig": getattr(bus, "log_config", None),
        }

    def update_event_bus(self):
        bus = self.events_backend.describe_event_bus(self._get_param("Name") or "default")
        description = self._get_param("Description")
        if description is not None and len(description) > 512:
            raise JsonRESTError(
                "ValidationException",
                "1 validation error detected: Value at 'description' failed to satisfy "
                "constraint: Member must have length less than or equal to 512",
            )
        if description is not None:
            bus.description = description or None
        bus.kms_key_identifier = self._get_param("KmsKeyIdentifier") or None
        bus.dead_letter_config = self._get_param("DeadLetterConfig") or None
        bus.log_config = self._get_param("LogConfig") or None
        bus.last_modified_time = unix_time()
        body = {"Arn": bus.arn, "Name": bus.name}
        body.update((k, v) for k, v in settings(bus).items() if v)
        return json.dumps(body), self.response_headers

    def create_event_bus_with_log_config(self):
        response = create_event_bus(self)
        log_config = self._get_param("LogConfig")
        if log_config:
            self.events_backend.describe_event_bus(self._get_param("Name")).log_config = log_config
        return response

    def describe_event_bus_with_log_config(self):
        body, headers = describe_event_bus(self)
        bus = self.events_backend.describe_event_bus(self._get_param("Name"))
        log_config = settings(bus)["LogConfig"]
        if log_config:
            body = json.dumps({**json.loads(body), "LogConfig": log_config})
        return body, headers

    responses.EventsHandler.update_event_bus = update_event_bus
    responses.EventsHandler.create_event_bus = create_event_bus_with_log_config
    responses.EventsHandler.describe_event_bus = describe_event_bus_with_log_config
