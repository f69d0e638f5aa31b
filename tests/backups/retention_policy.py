"""restic's keep-daily/weekly/monthly policy, written out independently to check against.

Snapshots newest first; each rule keeps the newest snapshot of each of its N most recent
distinct periods (day, ISO week, month); a snapshot is kept when any rule keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime


def _day(moment: datetime) -> tuple[int, ...]:
    return (moment.year, moment.month, moment.day)


def _week(moment: datetime) -> tuple[int, ...]:
    year, week, _ = moment.isocalendar()
    return (year, week)


def _month(moment: datetime) -> tuple[int, ...]:
    return (moment.year, moment.month)


def kept(times: Iterable[datetime], daily: int, weekly: int, monthly: int) -> set[datetime]:
    newest_first = sorted(times, reverse=True)
    keep: set[datetime] = set()
    rules: list[tuple[Callable[[datetime], tuple[int, ...]], int]] = [
        (_day, daily),
        (_week, weekly),
        (_month, monthly),
    ]
    for period, count in rules:
        seen: list[tuple[int, ...]] = []
        for moment in newest_first:
            key = period(moment)
            if len(seen) < count and key not in seen:
                seen.append(key)
                keep.add(moment)
    return keep
