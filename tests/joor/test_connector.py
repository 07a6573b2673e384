"""The JOOR client: its auth header, JOOR's answers turned into SyncDesk errors, credits."""

import base64
import dataclasses

import pytest

from core.connectors import joor as connector
from core.errors import ServiceError, Throttled
from core.ratelimit import Limiter


class Clock:
    def __init__(self):
        self.now = 1_000.0

    def __call__(self):
        return self.now


def test_the_token_goes_base64_encoded_after_the_oauth2_scheme(jconfig):
    header = connector.Joor(jconfig).api.session.headers["Authorization"]
    assert header == "OAuth2 " + base64.b64encode(b"joor-sandbox-token").decode()
    other = connector.Joor(dataclasses.replace(jconfig, joor_auth_scheme="Bearer"))
    assert other.api.session.headers["Authorization"] == "Bearer joor-sandbox-token"


def test_a_missing_token_is_a_configuration_error_naming_the_key(jconfig):
    with pytest.raises(Exception, match="JOOR_TOKEN"):
        connector.Joor(dataclasses.replace(jconfig, joor_token=""))


def test_a_write_costs_five_credits_of_the_shared_window(db):
    clock = Clock()
    credits = Limiter("joor:test", 300, connector.WINDOW_SECONDS, clock=clock)
    waits = [credits.reserve(connector.WRITE_COST) for _ in range(60)]
    assert waits == [0.0] * 60  # 60 writes x 5 = the window's 300 credits
    assert credits.reserve(connector.READ_COST) >= connector.WINDOW_SECONDS
    other = Limiter("joor:test", 300, connector.WINDOW_SECONDS, clock=clock)  # another process
    assert other.reserve() >= connector.WINDOW_SECONDS


def test_joors_answers_become_syncdesk_errors(jconfig, joor):
    api = connector.Joor(dataclasses.replace(jconfig, max_retries=0))
    assert api.connection("no-such-code") is None  # 404: not in JOOR
    joor.fault(kind="throttle", count=1)
    with pytest.raises(Throttled):
        api.job("1")
    joor.fault(kind="error", status=500, count=1)
    with pytest.raises(ServiceError) as failure:
        api.job("1")
    assert failure.value.retryable
    bad = connector.Joor(dataclasses.replace(jconfig, joor_token="wrong", max_retries=0))
    with pytest.raises(ServiceError, match="API token was refused"):
        next(bad.connection_pages())


def test_state_of_reads_joors_status_word_or_its_retailer_id():
    assert connector.state_of({"connection_status": "rejected", "status_comment": "no"}) == (
        "failed", "no")
    assert connector.state_of({"customer_account_id": 123}) == ("connected", "")
    assert connector.state_of({}) == ("pending", "")
