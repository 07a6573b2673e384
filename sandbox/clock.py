"""Time helpers: both simulated services speak UTC ISO 8601 with milliseconds."""

import datetime

UTC = datetime.UTC


def now():
    """The current UTC time (looked up at call time, so freezegun can move it)."""
    return datetime.datetime.now(UTC)


def iso(moment):
    """'2018-01-24T05:07:23.917Z': the shape both Cin7 and HubSpot return."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_iso():
    return iso(now())


def parse(text):
    """A UTC datetime from ISO 8601 text ('2024-01-01T00:00:00', '.123', 'Z', '+00:00').

    Raises ValueError when the text is not a date.
    """
    text = str(text).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # both APIs treat naive times as UTC
    return moment.astimezone(UTC)


def epoch_ms(moment):
    return int(moment.timestamp() * 1000)


def from_ms(ms):
    return datetime.datetime.fromtimestamp(int(ms) / 1000, UTC)
