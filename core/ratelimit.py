"""A rate limiter shared by every process of an install (web, worker, bot).

Limits are per remote account, so the state lives in the store, not in memory. The algorithm
is GCRA (a leaky bucket kept as one timestamp): it allows the vendor's burst and then paces
calls evenly, and a 429 pushes the timestamp forward so every process pauses together.
"""

import time

from core.store import RateBucket, atomic_write, is_sqlite


class Limiter:
    """At most `calls` per `period` seconds for the bucket `name`."""

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
            RateBucket.insert(name=self.name, tat=0.0).on_conflict_ignore().execute()
            row = self._query().first()
        return row

    def reserve(self, cost=1):
        """Claim the next slot (`cost` slots for a call the vendor charges more credits for);
        returns how long to wait before using it."""
        if not self.calls:
            return 0.0
        burst = self.period - self.interval
        with atomic_write():
            row = self._bucket()
            now = self.clock()
            tat = max(row.tat, now)
            wait = tat + self.interval * (cost - 1) - burst - now  # room for the whole cost
            wait = wait if wait > 1e-6 else 0.0  # float drift of the summed intervals
            RateBucket.update(tat=tat + self.interval * cost, calls=RateBucket.calls + 1).where(
                RateBucket.name == self.name).execute()
        return wait

    def acquire(self, cost=1):
        """Block until a call (costing `cost` credits) may be made."""
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
            # Leaves the bucket full, so the next call waits `seconds` and then paces.
            tat = self.clock() + seconds + (self.period - self.interval)
            if tat > row.tat:
                RateBucket.update(tat=tat).where(RateBucket.name == self.name).execute()
