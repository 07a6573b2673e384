"""When scheduled runs happen: pure functions of the schedule settings and the time.

Every 2 h / 4 h / 8 h / 12 h / daily runs follow the wall clock of the configured time zone:
"every 4 hours from 06:00" means 06:00, 10:00, 14:00 … local time on every day from the start
date, across daylight-saving changes. A local time skipped by the spring change runs when the
clock allows (01:30 in London on that day runs at 02:30 BST); a time that occurs twice in the
autumn runs once, the first time. "minutes" counts every N minutes of real time from the
start. All datetimes in and out are naive UTC, like the store's.
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = datetime.UTC
HOURS = {"2h": 2, "4h": 4, "8h": 8, "12h": 12, "daily": 24}
EPOCH = datetime.date(2000, 1, 1)  # the start when no start date is set


class ScheduleError(ValueError):
    """The schedule settings cannot be read; the message says which one."""


@dataclass(frozen=True)
class Schedule:
    start: datetime.date
    at: datetime.time
    frequency: str
    every_minutes: int
    zone: ZoneInfo

    def times_of_day(self):
        """The local times of day a clock-based schedule runs at, sorted."""
        step = HOURS[self.frequency]
        first = self.at.hour * 60 + self.at.minute
        minutes = sorted({(first + k * step * 60) % 1440 for k in range(24 // step)})
        return [datetime.time(m // 60, m % 60) for m in minutes]

    def instant(self, day, at):
        """The naive UTC instant of local `day` at `at` (fold 0: the first of two)."""
        return datetime.datetime.combine(day, at, tzinfo=self.zone).astimezone(UTC).replace(
            tzinfo=None)

    def local_date(self, now):
        return now.replace(tzinfo=UTC).astimezone(self.zone).date()

    def slots_around(self, now, before=2, after=3):
        """Every slot on the local days around `now` (clock-based schedules), sorted."""
        today = self.local_date(now)
        out = set()
        for offset in range(-before, after + 1):
            day = today + datetime.timedelta(days=offset)
            out.update(self.instant(day, t) for t in self.times_of_day()
                       if (day, t) >= (self.start, self.at))
        return sorted(out)


def parse(settings):
    """A Schedule from the settings dict (keys schedule.*); raises ScheduleError."""
    try:
        zone = ZoneInfo(settings.get("schedule.timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {settings.get('schedule.timezone')!r}: use a "
                            "name like Europe/London or America/New_York") from None
    text = settings.get("schedule.start_date") or ""
    try:
        start = datetime.date.fromisoformat(text) if text else EPOCH
    except ValueError:
        raise ScheduleError(f"start date {text!r} is not a date like 2025-03-31") from None
    text = settings.get("schedule.start_time") or "00:00"
    try:
        at = datetime.time.fromisoformat(text).replace(second=0, microsecond=0)
    except ValueError:
        raise ScheduleError(f"start time {text!r} is not a time like 06:30") from None
    frequency = settings.get("schedule.frequency") or "2h"
    if frequency not in HOURS and frequency != "minutes":
        raise ScheduleError(f"unknown frequency {frequency!r}")
    every = int(settings.get("schedule.every_minutes") or 0)
    if frequency == "minutes" and every < 1:
        raise ScheduleError("every_minutes must be 1 or more")
    return Schedule(start, at, frequency, every, zone)


def problem(settings):
    """Why the schedule settings cannot be used, or None when they can."""
    try:
        parse(settings)
    except ScheduleError as exc:
        return str(exc)
    return None


def active(settings):
    """Scheduling is on only when both the schedule and the master switch are."""
    return bool(settings.get("schedule.enabled")) and bool(settings.get("sync.enabled", True))


def _minutes(schedule):
    anchor = schedule.instant(schedule.start, schedule.at)
    return anchor, datetime.timedelta(minutes=schedule.every_minutes)


def next_run_time(settings, now):
    """The first scheduled instant after `now` (naive UTC), or None when not scheduling."""
    if not active(settings):
        return None
    try:
        schedule = parse(settings)
    except ScheduleError:
        return None
    if schedule.frequency == "minutes":
        anchor, step = _minutes(schedule)
        if now < anchor:
            return anchor
        return anchor + step * ((now - anchor) // step + 1)
    first = schedule.instant(schedule.start, schedule.at)
    if now < first:
        return first
    return next(s for s in schedule.slots_around(now) if s > now)


def latest_slot(schedule, now):
    """The last scheduled instant at or before `now`, or None before the start."""
    if schedule.frequency == "minutes":
        anchor, step = _minutes(schedule)
        return None if now < anchor else anchor + step * ((now - anchor) // step)
    past = [s for s in schedule.slots_around(now) if s <= now]
    return past[-1] if past else None


def due(settings, last_scheduled, now):
    """The slot to run now, or None: the latest slot not yet handled.

    Slots missed while no worker ran make one catch-up run, not one run each.
    """
    if not active(settings):
        return None
    slot = latest_slot(parse(settings), now)
    if slot is None or (last_scheduled is not None and slot <= last_scheduled):
        return None
    return slot
