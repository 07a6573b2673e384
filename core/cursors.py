"""Cursors: how far each entity and direction has been read, with a page checkpoint.

A run reads everything changed since `since` up to its own start (`until`). After each
finished page the page number is saved, so a killed run resumes at the next page of the
same window; only a run that finishes moves `since` forward, to `until`.
"""

import datetime
import json
from dataclasses import dataclass

from core.store import Cursor, atomic_write, utcnow

# Re-read a little before the last run's start: clocks differ, and a re-read record whose
# payload is unchanged costs no write.
OVERLAP = datetime.timedelta(minutes=2)


@dataclass
class Window:
    since: datetime.datetime | None  # None: read everything
    until: datetime.datetime
    page: int = 0  # last finished page of this window

    @property
    def resumed(self):
        return self.page > 0


def _load(entity, direction):
    row = Cursor.get_or_none(Cursor.entity == entity, Cursor.direction == direction)
    return json.loads(row.value) if row else {}


def _store(entity, direction, data):
    with atomic_write():
        Cursor.insert(entity=entity, direction=direction, value=json.dumps(data),
                      updated_at=utcnow()).on_conflict(
            conflict_target=[Cursor.entity, Cursor.direction],
            update={Cursor.value: json.dumps(data), Cursor.updated_at: utcnow()}).execute()


def _parse(text):
    return datetime.datetime.fromisoformat(text) if text else None


def open_window(entity, direction, full=False, now=None):
    """The window a new run reads: resumes a killed run's window when there is one."""
    data = _load(entity, direction)
    if data.get("until") and data.get("page"):
        return Window(_parse(data.get("window_since")), _parse(data["until"]), data["page"])
    since = None if full else _parse(data.get("since"))
    return Window(since, now or utcnow())


def page_done(entity, direction, window, page):
    """Remember that `page` of `window` is fully written."""
    window.page = page
    data = _load(entity, direction)
    data.update(until=window.until.isoformat(), page=page,
                window_since=window.since.isoformat() if window.since else None)
    _store(entity, direction, data)


def window_done(entity, direction, window):
    """The whole window is read and written: the next run starts where this one began."""
    _store(entity, direction, {"since": (window.until - OVERLAP).isoformat()})


def describe(entity, direction):
    data = _load(entity, direction)
    return data.get("since"), data.get("page")
