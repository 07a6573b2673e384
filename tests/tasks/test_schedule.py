"""When scheduled runs happen: month ends, daylight-saving changes, a start date ahead."""

import datetime

import pytest
from freezegun import freeze_time

from core import schedule, settings, status
from core.store import Run, utcnow
from tasks import periodic

D = datetime.datetime


def plan(frequency="2h", start_time="00:00", start_date="", timezone="UTC", every=15,
         enabled=True):
    return {"sync.enabled": True, "schedule.enabled": enabled, "schedule.frequency": frequency,
            "schedule.start_time": start_time, "schedule.start_date": start_date,
            "schedule.timezone": timezone, "schedule.every_minutes": every}


def upcoming(values, now, count):
    """The next `count` scheduled instants after `now`."""
    out = []
    for _ in range(count):
        now = schedule.next_run_time(values, now)
        out.append(now)
    return out


def test_every_two_hours_rolls_over_the_end_of_january():
    assert schedule.next_run_time(plan("2h"), D(2025, 1, 31, 23, 30)) == D(2025, 2, 1, 0, 0)


def test_daily_rolls_over_a_leap_day_and_a_year_end():
    values = plan("daily", "00:00")
    assert upcoming(values, D(2024, 2, 28, 1), 2) == [D(2024, 2, 29), D(2024, 3, 1)]
    assert schedule.next_run_time(values, D(2025, 12, 31, 0, 0, 1)) == D(2026, 1, 1)


def test_every_n_minutes_crosses_a_month_end_in_real_time():
    values = plan("minutes", "00:00", "2025-01-01", every=15)
    assert schedule.next_run_time(values, D(2025, 2, 28, 23, 50)) == D(2025, 3, 1, 0, 0)
    assert schedule.next_run_time(values, D(2025, 3, 1, 0, 0)) == D(2025, 3, 1, 0, 15)


def test_daily_run_keeps_its_local_time_when_london_moves_to_summer_time():
    values = plan("daily", "06:00", timezone="Europe/London")
    # 06:00 GMT is 06:00 UTC; from 30 March 06:00 BST is 05:00 UTC
    assert upcoming(values, D(2025, 3, 29, 0), 2) == [D(2025, 3, 29, 6), D(2025, 3, 30, 5)]


def test_a_time_skipped_by_the_spring_change_runs_when_the_clock_allows():
    values = plan("daily", "01:30", timezone="Europe/London")
    # 01:30 does not exist in London on 30 March 2025: it runs at 02:30 BST = 01:30 UTC
    assert schedule.next_run_time(values, D(2025, 3, 30, 0, 0)) == D(2025, 3, 30, 1, 30)
    assert schedule.next_run_time(values, D(2025, 3, 30, 1, 30)) == D(2025, 3, 31, 0, 30)


def test_a_time_repeated_by_the_autumn_change_runs_once():
    values = plan("daily", "01:30", timezone="America/New_York")
    # 2 November 2025: 01:30 EDT (05:30 UTC), then 01:30 again in EST (06:30 UTC)
    assert schedule.next_run_time(values, D(2025, 11, 2, 0)) == D(2025, 11, 2, 5, 30)
    assert schedule.next_run_time(values, D(2025, 11, 2, 5, 30)) == D(2025, 11, 3, 6, 30)
    assert schedule.due(values, D(2025, 11, 2, 5, 30), D(2025, 11, 2, 6, 45)) is None


def test_every_four_hours_follows_new_york_wall_clock_over_the_spring_change():
    values = plan("4h", "06:00", timezone="America/New_York")
    # 9 March 2025: 02:00 EST does not exist (clocks jump to 03:00 EDT)
    assert upcoming(values, D(2025, 3, 9, 0), 4) == [
        D(2025, 3, 9, 3, 0),  # 22:00 EST on the 8th
        D(2025, 3, 9, 7, 0),  # "02:00", run at 03:00 EDT
        D(2025, 3, 9, 10, 0),  # 06:00 EDT
        D(2025, 3, 9, 14, 0),  # 10:00 EDT
    ]


def test_a_start_date_in_the_future_waits_for_it():
    values = plan("12h", "09:00", "2025-06-15", "Europe/London")
    assert schedule.next_run_time(values, D(2025, 6, 1)) == D(2025, 6, 15, 8, 0)
    assert schedule.due(values, None, D(2025, 6, 15, 7, 59)) is None
    assert schedule.due(values, None, D(2025, 6, 15, 8, 0)) == D(2025, 6, 15, 8, 0)
    # the first day starts at the start time: 21:00 comes after 09:00, not before
    assert schedule.next_run_time(values, D(2025, 6, 15, 8, 0)) == D(2025, 6, 15, 20, 0)


def test_slots_missed_while_no_worker_ran_make_one_catch_up_run():
    values = plan("2h")
    assert schedule.due(values, D(2025, 5, 1, 2), D(2025, 5, 2, 9, 15)) == D(2025, 5, 2, 8)
    assert schedule.due(values, D(2025, 5, 2, 8), D(2025, 5, 2, 9, 59)) is None


def test_nothing_is_scheduled_when_the_schedule_or_the_master_switch_is_off():
    assert schedule.next_run_time(plan(enabled=False), D(2025, 1, 1)) is None
    assert schedule.next_run_time({**plan(), "sync.enabled": False}, D(2025, 1, 1)) is None
    assert schedule.due({**plan(), "sync.enabled": False}, None, D(2025, 1, 1)) is None


def test_an_unknown_time_zone_is_reported_not_guessed():
    values = plan(timezone="Europe/Londn")
    assert schedule.next_run_time(values, D(2025, 1, 1)) is None
    assert "Europe/Londn" in schedule.problem(values)
    with pytest.raises(schedule.ScheduleError):
        schedule.due(values, None, D(2025, 1, 1))


def test_status_shows_the_next_run_from_the_settings(db):
    settings.set("sync.enabled", "on")
    for key, value in {"schedule.enabled": "on", "schedule.frequency": "4h",
                       "schedule.start_time": "01:00", "schedule.timezone": "Europe/London"
                       }.items():
        settings.set(key, value)
    with freeze_time("2025-07-31 23:10:00"):  # 00:10 BST on 1 August
        assert status.next_scheduled(utcnow()) == D(2025, 8, 1, 0, 0)  # 01:00 BST


def test_the_tick_enqueues_each_slot_once_and_picks_up_changed_settings(tasks_config):
    settings.set("schedule.enabled", "on")
    settings.set("schedule.frequency", "2h")
    settings.set("products.direction", "off")
    with freeze_time("2025-01-31 22:01:00"):
        assert len(periodic.run_schedule(utcnow())) == 1
        assert periodic.run_schedule(utcnow()) == []  # same slot: nothing more
    with freeze_time("2025-01-31 23:59:00"):
        assert periodic.run_schedule(utcnow()) == []
    settings.set("schedule.frequency", "minutes")  # takes effect at the next tick
    settings.set("schedule.every_minutes", "5")
    with freeze_time("2025-02-01 00:05:30"):
        assert len(periodic.run_schedule(utcnow())) == 1
    scheduled = list(Run.select().where(Run.trigger == "schedule").order_by(Run.id))
    assert [(r.entity, r.direction, r.status) for r in scheduled] == [
        ("customers", "export", "finished")] * 2
