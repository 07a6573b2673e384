"""The rate limiter is shared through the store, so every process respects one budget."""

from core.ratelimit import Limiter


class Clock:
    def __init__(self):
        self.now = 1_000.0

    def __call__(self):
        return self.now


def test_full_burst_then_the_rolling_window_is_respected(db):
    clock = Clock()
    limiter = Limiter("hubspot:abc", 100, 10, clock=clock)
    waits = [limiter.reserve() for _ in range(101)]
    assert waits[:100] == [0.0] * 100
    assert 10.0 <= waits[100] < 10.1  # the 101st waits for the first to leave the window
    clock.now += 10.2
    assert limiter.reserve() == 0.0


def test_no_window_ever_holds_more_than_the_limit(db):
    clock = Clock()
    limiter = Limiter("cin7:abc", 60, 60, clock=clock)
    slots = []
    for step in range(300):
        clock.now += 0.3 if step % 7 else 5
        slots.append(clock.now + limiter.reserve())
    for i, start in enumerate(slots):
        assert sum(1 for s in slots if start <= s < start + 60) <= 60, i


def test_two_processes_share_one_budget(db):
    clock = Clock()
    worker, web = Limiter("cin7:acct", 60, 60, clock=clock), Limiter("cin7:acct", 60, 60, clock=clock)
    for _ in range(30):
        assert worker.reserve() == 0.0
        assert web.reserve() == 0.0
    assert worker.reserve() >= 60 and web.reserve() >= 60


def test_a_429_pauses_everyone(db):
    clock = Clock()
    a, b = Limiter("hubspot:x", 100, 10, clock=clock), Limiter("hubspot:x", 100, 10, clock=clock)
    a.pause(7.0)
    assert abs(b.reserve() - 7.0) < 1e-9


def test_zero_means_unlimited(db):
    assert Limiter("x", 0, 10).reserve() == 0.0
