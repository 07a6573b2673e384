"""Rolling-window and daily counters, the way Cin7 (60/min) and HubSpot (100/10 s) count."""

import collections
import math
import time

UNLIMITED = 0


class Window:
    """At most `limit` hits in any `seconds`-long rolling window; limit 0 means no limit."""

    def __init__(self, limit, seconds):
        self.limit, self.seconds = int(limit or 0), float(seconds)
        self.hits = collections.deque()

    def _trim(self, at):
        while self.hits and self.hits[0] <= at - self.seconds:
            self.hits.popleft()

    def hit(self, at=None):
        """Count one call; False (and not counted) when the window is full."""
        at = time.monotonic() if at is None else at
        if self.limit == UNLIMITED:
            return True
        self._trim(at)
        if len(self.hits) >= self.limit:
            return False
        self.hits.append(at)
        return True

    def remaining(self, at=None):
        at = time.monotonic() if at is None else at
        if self.limit == UNLIMITED:
            return None
        self._trim(at)
        return max(0, self.limit - len(self.hits))

    def retry_after(self, at=None):
        """Whole seconds until the oldest hit leaves the window (at least 1)."""
        at = time.monotonic() if at is None else at
        if not self.hits:
            return 1
        return max(1, math.ceil(self.hits[0] + self.seconds - at))


class Daily:
    """A count that starts again each day; `day` is whatever date the caller passes."""

    def __init__(self, limit):
        self.limit, self.count, self.day = int(limit or 0), 0, None

    def hit(self, day):
        if day != self.day:
            self.day, self.count = day, 0
        if self.limit and self.count >= self.limit:
            return False
        self.count += 1
        return True

    def remaining(self):
        return None if not self.limit else max(0, self.limit - self.count)
