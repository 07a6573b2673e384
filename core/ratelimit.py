"""A rate limiter shared by every process of an install (web, worker, bot).

Limits are per remote account, so the state lives in the store, not in memory. HubSpot
counts calls in a rolling 10-second window and Cin7 per minute, so the limiter keeps the log
of the last `calls` slots handed out: a new call may go when the oldest of them leaves the
window. That allows the vendor's full burst and never exceeds the window (a token bucket
refilling steadily would, right after a burst). A 429 sets a "not before" time that every
process honours.
"""

import json
import time

from core.store import RateBucket, atomic_write, is_sqlite

MARGIN = 0.05  # seconds added to the window: our clock and the vendor's are not the same


class Limiter:
    """At most `calls` per rolling `period` seconds for the bucket `name` (0: unlimited)."""

    def __init__(self, name, calls, period, sleep=time.sleep, clock=time.time):
        self.name, self.calls, self.period = name, calls, float(period)
        self.sleep, self.clock = sleep, clock
        self.waited = 0.0

    @property
    def interval(self):
        return self.period / self.calls if self.calls else 0.0

    def _query(self):
        query = RateBucket.select().where(RateBucket.name == self.name)
        return query if is_sqlite() else query.for_update()

    def _bucket(self):
        row = self._query().first()
        if row is None:
            RateBucket.insert(name=self.name, tat=0.0, log="[]").on_conflict_ignore().execute()
            row = self._query().first()
        return row

    def reserve(self, cost=1):
        """Claim the next slot (`cost` slots for a call the vendor counts as several, like
        JOOR's writes); returns how long to wait before using it."""
        if not self.calls:
            return 0.0
        cost = max(1, min(int(cost), self.calls))
        with atomic_write():
            row = self._bucket()
            now = self.clock()
            log = [t for t in json.loads(row.log or "[]") if t > now - self.period - MARGIN]
            slot = max(now, row.tat, log[-1] if log else now)
            older = self.calls - cost  # slots that may stay in the window beside these
            if len(log) > older:
                slot = max(slot, log[-(older + 1)] + self.period + MARGIN)
            log = (log + [slot] * cost)[-self.calls:]
            RateBucket.update(log=json.dumps(log), calls=RateBucket.calls + 1).where(
                RateBucket.name == self.name).execute()
        wait = slot - now
        return wait if wait > 1e-6 else 0.0

    def acquire(self, cost=1):
        """Block until a call (counted as `cost` calls) may be made."""
        wait = self.reserve(cost)
        if wait > 0:
            self.waited += wait
            self.sleep(wait)

    def pause(self, seconds):
        """The remote said slow down: no process calls again for `seconds`."""
        if not self.calls:
            return
        with atomic_write():
            row = self._bucket()
            until = self.clock() + seconds
            if until > row.tat:
                RateBucket.update(tat=until).where(RateBucket.name == self.name).execute()


class Limits:
    """Several limits on one account at once (Cin7 Omni: 3 calls a second and 60 a minute).

    A call waits for the longest window first, then the shorter ones, so the slot it takes
    in the shortest window is the one it really uses; a 429 pauses them all.
    """

    def __init__(self, *limiters):
        self.limiters = sorted((lim for lim in limiters if lim.calls),
                               key=lambda lim: lim.period, reverse=True)

    @property
    def interval(self):
        return max((lim.interval for lim in self.limiters), default=0.0)

    @property
    def waited(self):
        return sum(lim.waited for lim in self.limiters)

    def acquire(self, cost=1):
        for limiter in self.limiters:
            limiter.acquire(cost)

    def pause(self, seconds):
        for limiter in self.limiters:
            limiter.pause(seconds)
