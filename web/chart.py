"""Synced and failed records per day, as bar geometry for a server-rendered SVG chart."""

import datetime
from dataclasses import dataclass

from core import status
from core.store import utcnow

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 220, 44, 24, 10


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str  # synced or failed
    title: str


def daily_counts(days=30, now=None):
    """[(date, synced, failed)] for the last `days` days, oldest first (UTC days)."""
    today = (now or utcnow()).date()
    out = []
    for back in range(days - 1, -1, -1):
        day = today - datetime.timedelta(days=back)
        start = datetime.datetime.combine(day, datetime.time())
        totals = status.day_summary(start, start + datetime.timedelta(days=1))
        synced = sum(c["created"] + c["updated"] for c in totals.values())
        failed = sum(c["failed"] for c in totals.values())
        out.append((day, synced, failed))
    return out


def _nice_max(value):
    """A round number at or above `value` for the top of the axis."""
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def layout(counts):
    """Bars, axis ticks and day labels for `counts` (from `daily_counts`)."""
    top = _nice_max(max([max(s, f) for _, s, f in counts] + [0]))
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(1, len(counts))
    bar_w = max(1.0, slot * 0.38)
    bars, labels = [], []
    for i, (day, synced, failed) in enumerate(counts):
        x = LEFT + i * slot + slot * 0.1
        for offset, value, kind in ((0, synced, "synced"), (bar_w, failed, "failed")):
            h = plot_h * value / top
            bars.append(Bar(round(x + offset, 1), round(TOP + plot_h - h, 1), round(bar_w, 1),
                            round(h, 1), kind, f"{day:%d %b}: {value} {kind}"))
        if i % 5 == 0 or i == len(counts) - 1:
            labels.append((round(x + bar_w, 1), f"{day:%d %b}"))
    ticks = [(round(TOP + plot_h - plot_h * f, 1), int(top * f)) for f in (0, 0.5, 1)]
    return {"bars": bars, "labels": labels, "ticks": ticks, "width": WIDTH, "height": HEIGHT,
            "left": LEFT, "right": WIDTH - 8, "baseline": TOP + plot_h,
            "synced": sum(s for _, s, _ in counts), "failed": sum(f for _, _, f in counts)}
