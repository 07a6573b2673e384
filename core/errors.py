"""The few kinds of failure SyncDesk distinguishes; drivers turn them into words."""


class SyncError(Exception):
    """Base class of SyncDesk's own errors."""


class ConfigError(SyncError):
    """The configuration is wrong or incomplete: refuse to start, say which key."""


class EndpointRefused(SyncError):
    """An event endpoint's URL SyncDesk will not call (not https, a private address, …)."""


class SyncOff(SyncError):
    """The master switch is off (CON-2), the entity's direction is Off, or the connected CRM
    is not ready for the flow (a field or a mapping missing): the message says what to set."""


class RecordError(SyncError):
    """One record is wrong: it fails alone, naming the record and the field."""

    def __init__(self, record, field, reason):
        self.record, self.field, self.reason = record, field, reason
        where = f"{record}: {field}" if field else str(record)
        super().__init__(f"{where}: {reason}")


class ServiceError(SyncError):
    """A remote system answered with an error that is not about one record."""

    def __init__(self, system, message, status=None, retryable=False, retry_after=None):
        self.system, self.status = system, status
        self.retryable, self.retry_after = retryable, retry_after
        super().__init__(f"{system}: {message}" + (f" (HTTP {status})" if status else ""))


class Throttled(ServiceError):
    """The remote system asked us to slow down (429, Cin7's 503)."""

    def __init__(self, system, message, status=429, retry_after=None):
        super().__init__(system, message, status, retryable=True, retry_after=retry_after)


class ThrottledTooLong(Throttled):
    """A system kept throttling past the run's deadline (RUN_DEADLINE_MINUTES)."""

    def __init__(self, throttled, seconds):
        self.system, self.status = throttled.system, throttled.status
        self.retryable, self.retry_after = False, None
        span = f"{seconds / 60:.0f} minutes" if seconds >= 120 else f"{seconds:.0f} seconds"
        SyncError.__init__(self, f"throttled for {span} by {throttled}")
