"""Metric names a PromQL expression reads (no parser in promtool 2.42: a careful scan).

Strings, label matchers {...}, grouping lists by/without/on/ignoring/group_x (...), ranges
[...] and durations are removed; what remains that is an identifier not followed by "(" and
not a keyword is a metric name.
"""

from __future__ import annotations

import re

KEYWORDS = {
    "and",
    "or",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "offset",
    "inf",
    "nan",
}

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_RANGE = re.compile(r"\[[^\]]*\]")
_IDENTIFIER = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\(?))")
_NUMBER_WITH_UNIT = re.compile(r"\b\d+(\.\d+)?[smhdwy]\b")


def metric_names(expr: str) -> set[str]:
    text = _STRING.sub('""', expr)
    text = _MATCHERS.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _NUMBER_WITH_UNIT.sub(" ", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        name, call = match.group(0), match.group(1)
        if (
            call
            or name.lower() in KEYWORDS
            or (match.start() and text[match.start() - 1].isdigit())
        ):
            continue
        names.add(name)
    return names
