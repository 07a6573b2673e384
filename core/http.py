"""HTTP calls shared by every connector: one session, the shared limiter, one retry policy.

Throttling means wait, not fail: a "slow down" answer (429, Cin7's 503) never uses up the
error budget (`max_retries`). Only the run's deadline stops a call that stays throttled, and
then it says so ("throttled for 30 minutes by Cin7 Core: ...").
"""

import logging
import random
import time

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    wait_exponential_jitter,
)

from core.errors import ServiceError, Throttled, ThrottledTooLong

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


class _Stop:
    """Give up after `max_retries` errors, or once throttled for longer than the deadline."""

    def __init__(self, api):
        self.api, self.errors = api, set()

    def __call__(self, state: RetryCallState):
        if isinstance(state.outcome.exception(), Throttled):
            return not self.api.max_retries or self.api.throttled_for() >= self.api.deadline
        self.errors.add(state.attempt_number)  # a set: counted once however often asked
        return len(self.errors) > self.api.max_retries


class Api:
    """A remote API: base URL, auth headers, limiters and a function that maps errors.

    One is built per run, so `deadline` (seconds) bounds how long a run waits on a system
    that answers nothing but "slow down"; 0 (or max_retries 0) raises the first Throttled.
    """

    def __init__(self, system, base_url, headers, check, limiter=None, timeout=30.0,
                 max_retries=6, backoff=(1.0, 60.0), deadline=30 * 60.0, clock=time.monotonic):
        self.system = system
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.session = requests.Session()
        self.session.headers.update(headers)
        self.check, self.limiter = check, limiter
        self.timeout, self.max_retries, self.backoff = timeout, max_retries, backoff
        self.deadline, self.clock = deadline, clock
        self.throttled_since = None  # first throttle answer since the last other answer
        self.calls = 0

    def throttled_for(self):
        """Seconds this API has answered nothing but "slow down" (0 when it is not)."""
        return self.clock() - self.throttled_since if self.throttled_since is not None else 0.0

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
            stop=_Stop(self),
            wait=_Wait(*self.backoff),
            reraise=True,
            before_sleep=lambda s: log.warning("%s: retrying after %s", self.system,
                                               s.outcome.exception()),
        )
        try:
            return retrying(self._once, method, path, limiter, kwargs)
        except Throttled as exc:  # only the deadline stops a throttled call
            if not (self.max_retries and self.deadline):  # the caller handles throttles itself
                raise
            raise ThrottledTooLong(exc, self.throttled_for()) from exc

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
            if self.throttled_since is None:
                self.throttled_since = self.clock()
            if limiter:
                limiter.pause(exc.retry_after or limiter.interval)
            raise
        except ServiceError:
            self.throttled_since = None
            raise
        self.throttled_since = None
        if limiter and getattr(checked, "pause", None):
            limiter.pause(checked.pause)  # the server says its window is full
        return checked

    def json(self, method, path, **kwargs):
        return self.call(method, path, **kwargs).json()


def token_refusals(system, refused):
    """The response check of an OAuth token endpoint: a 429 or 5xx is worth retrying; any
    other 4xx raises `refused(status, body)`, the vendor's words and what to do about them."""
    def check(response):
        status = response.status_code
        if status < 400:
            return response
        try:
            body = response.json()
        except ValueError:
            body = {"message": response.text[:200]}
        body = body if isinstance(body, dict) else {}
        if status == 429 or status >= 500:
            raise ServiceError(system, body.get("message") or response.reason, status, True)
        raise refused(status, body)
    return check
