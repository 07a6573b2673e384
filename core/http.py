"""HTTP calls shared by every connector: one session, the shared limiter, one retry policy."""

import logging
import random

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from core.errors import ServiceError, Throttled

log = logging.getLogger("syncdesk.http")


def _is_retryable(exc):
    return isinstance(exc, ServiceError) and exc.retryable


def _is_throttled(exc):
    return isinstance(exc, Throttled)


class _Wait:
    """Honour the server's Retry-After when it sent one; else exponential backoff with jitter."""

    def __init__(self, initial, maximum):
        self.maximum = maximum
        self.backoff = wait_exponential_jitter(multiplier=initial, max=maximum, jitter=initial)

    def __call__(self, state: RetryCallState):
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, ServiceError) and exc.retry_after:
            return min(float(exc.retry_after), self.maximum) + random.uniform(0, 0.05)
        return self.backoff(state)


class Api:
    """A remote API: base URL, auth headers, limiters and a function that maps errors."""

    def __init__(self, system, base_url, headers, check, limiter=None, timeout=30.0,
                 max_retries=6, backoff=(1.0, 60.0)):
        self.system = system
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.session = requests.Session()
        self.session.headers.update(headers)
        self.check, self.limiter = check, limiter
        self.timeout, self.max_retries, self.backoff = timeout, max_retries, backoff
        self.calls = 0

    def url(self, path):
        return self.base_url + path.lstrip("/")

    def call(self, method, path, *, limiter=None, repeatable=True, **kwargs):
        """Send one request, retrying what is retryable; returns the checked response.

        A create a system cannot deduplicate (`repeatable=False`) is sent again only after a
        throttle, which refused it: after a timeout or a 5xx it may have landed, and the
        caller must look for it before sending it again.
        """
        limiter = limiter or self.limiter
        retrying = Retrying(
            retry=retry_if_exception(_is_retryable if repeatable else _is_throttled),
            stop=stop_after_attempt(self.max_retries + 1),
            wait=_Wait(*self.backoff),
            reraise=True,
            before_sleep=lambda s: log.warning("%s: retrying after %s", self.system,
                                               s.outcome.exception()),
        )
        return retrying(self._once, method, path, limiter, kwargs)

    def _once(self, method, path, limiter, kwargs):
        if limiter:
            limiter.acquire()
        self.calls += 1
        try:
            response = self.session.request(method, self.url(path), timeout=self.timeout,
                                            **kwargs)
        except requests.Timeout:
            raise ServiceError(self.system, f"no answer within {self.timeout:.0f} s",
                               retryable=True) from None
        except requests.ConnectionError as exc:
            raise ServiceError(self.system, f"cannot connect to {self.base_url} ({exc.__class__.__name__})",
                               retryable=True) from None
        try:
            checked = self.check(response)
        except Throttled as exc:
            if limiter:
                limiter.pause(exc.retry_after or limiter.interval)
            raise
        if limiter and getattr(checked, "pause", None):
            limiter.pause(checked.pause)  # the server says its window is full
        return checked

    def json(self, method, path, **kwargs):
        return self.call(method, path, **kwargs).json()
