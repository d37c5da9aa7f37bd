"""Keep a run's records as JSON: findings, and each talk's ``Entry`` with its dates and zones."""

from __future__ import annotations

import functools
from dataclasses import fields
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from talkfeed.errors import Finding, Severity
from talkfeed.model import Entry


def finding_record(finding: Finding) -> list[Any]:
    """Keep a finding as JSON: path, line, severity, message."""
    return [finding.path, finding.line, finding.severity.value, finding.message]


def finding_from(record: list[Any]) -> Finding:
    """Read back what ``finding_record`` kept."""
    path, line, severity, message = record
    return Finding(str(path), line, Severity(severity), str(message))


def entry_record(entry: Entry) -> dict[str, Any]:
    return {item.name: _encoded(getattr(entry, item.name)) for item in fields(Entry) if item.name != "pieces"}


_ENTRY_FIELDS = tuple(item.name for item in fields(Entry) if item.name != "pieces")


def entry_from(record: dict[str, Any]) -> Entry:
    # Called for every page of a run: fields looked up once, and plain values kept as they are.
    entry = Entry(**{name: _decoded(record[name]) for name in _ENTRY_FIELDS})
    if not isinstance(entry.published, datetime):
        raise TypeError("a publish date is a datetime")
    return entry


def _encoded(value: Any) -> Any:
    """Keep a value of a record as JSON: dates and datetimes (with their zone) tagged, tuples as lists."""
    if isinstance(value, datetime):
        return {"datetime": value.replace(tzinfo=None).isoformat(), "zone": _encode_zone(value.tzinfo)}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, tuple):
        return [_encoded(item) for item in value]
    return value


def _decoded(value: Any) -> Any:
    kind = type(value)
    if kind is list:
        if all(type(item) is str for item in value):
            return tuple(value)
        return tuple(_decoded(item) for item in value)
    if kind is dict and "datetime" in value:
        return datetime.fromisoformat(value["datetime"]).replace(tzinfo=_zone(value["zone"]))
    if kind is dict and "date" in value:
        return date.fromisoformat(value["date"])
    return value


@functools.lru_cache(maxsize=256)
def _zone(zone: Any) -> tzinfo:
    """The zone a record names: a time zone's key, or an offset in seconds."""
    return ZoneInfo(zone) if isinstance(zone, str) else timezone(timedelta(seconds=zone))


def _encode_zone(zone: tzinfo | None) -> Any:
    if isinstance(zone, ZoneInfo):
        return zone.key
    offset = zone.utcoffset(None) if zone is not None else None
    if offset is None:
        raise TypeError(f"cannot keep the time zone {zone!r}")
    return offset.total_seconds()
