"""Render XML pieces of one shape once, then fill in each record's own values.

A record (a frozen dataclass of texts, dates, flags and tuples of them) is rendered by a slow
renderer, such as feedgen building an lxml tree. Records that differ only in their texts and
dates give the same markup around those values, so the renderer runs once per shape, on a
skeleton whose every text and date is a marker; each record then costs a join of the
template's literal markup with its own values, escaped as lxml escapes them where each
marker stood (in an element's text or in an attribute).

The shape is everything but the values: each field's flags and constants, each tuple's
length, which texts are empty, and which texts are equal to which (a renderer may compare
two of them). A record holding a character XML forbids, a naive date, or a shape whose
template cannot be told apart from its markers is rendered by the renderer itself, so the
result (or the error) is always the renderer's own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Generic, TypeVar

R = TypeVar("R")

_MARK = re.compile("\ue000([0-9]+)\ue001")
_MARK_TIME = "11:11:11"
_MOST_VALUES = 8000
"""A date marker's year is 1000 plus its slot: a record with more values is rendered directly."""
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_Key = tuple[Any, ...]
_Filler = Callable[[Any], str]


class Prepared(Generic[R]):
    """Render records with each of ``renders``, through one template per shape of record.

    ``dates`` are the ways the renderers write a date (``isoformat``, RFC 2822 …), so that a
    date marker is found in whichever form it took.
    """

    def __init__(
        self, renders: Mapping[str, Callable[[R], str]], dates: Sequence[Callable[[datetime], str]]
    ) -> None:
        self._renders = dict(renders)
        self._dates = tuple(dates)
        self._templates: dict[_Key, dict[str, _Template | None]] = {}

    def __call__(self, record: R) -> dict[str, str]:
        """Render the record with every renderer, by name."""
        key: list[Any] = []
        values: list[Any] = []
        try:
            _shape(record, key, values, {})
        except _Unfit:
            return {name: render(record) for name, render in self._renders.items()}
        shape = tuple(key)
        templates = self._templates.get(shape)
        if templates is None:
            templates = self._templates[shape] = self._prepare(record, values)
        return {
            name: self._renders[name](record) if template is None else template.fill(values)
            for name, template in templates.items()
        }

    def _prepare(self, record: R, values: list[Any]) -> dict[str, _Template | None]:
        if len(values) > _MOST_VALUES:
            return dict.fromkeys(self._renders)
        skeleton = _skeleton(record, iter(range(len(values))))
        dated = [slot for slot, value in enumerate(values) if type(value) is datetime]
        return {
            name: _Template.parse(render(skeleton), dated, self._dates)
            for name, render in self._renders.items()
        }


class _Unfit(Exception):
    """The record cannot go through a template: the renderer renders it itself."""


def _shape(value: Any, key: list[Any], values: list[Any], ids: dict[str, int]) -> None:
    """Append ``value``'s shape to ``key`` and its texts and dates to ``values``."""
    kind = type(value)
    if kind is str:
        if not value:
            key.append("")
        elif (slot := ids.get(value)) is not None:
            key.append(slot)
        elif _NOT_XML.search(value) is not None:
            raise _Unfit
        else:
            ids[value] = len(values)
            key.append(len(values))
            values.append(value)
    elif kind is tuple:
        key.append(len(value))
        for item in value:
            _shape(item, key, values, ids)
    elif kind is datetime:
        if value.tzinfo is None:
            raise _Unfit
        key.append(datetime)
        values.append(value)
    elif value is None or kind is bool or kind is int or isinstance(value, Enum):
        key.append(value)
    elif kind in _FIELD_NAMES or (is_dataclass(value) and not isinstance(value, type)):
        key.append(kind)
        for name in _field_names(value):
            _shape(getattr(value, name), key, values, ids)
    else:
        raise _Unfit


def _skeleton(value: Any, slots: Any) -> Any:
    """``value`` with each text and date a marker, numbered in the order ``_shape`` saw them.

    A text equal to an earlier one takes its marker.
    """
    return _Skeleton(slots).of(value)


class _Skeleton:
    def __init__(self, slots: Any) -> None:
        self.slots = slots
        self.markers: dict[str, str] = {}

    def of(self, value: Any) -> Any:
        if type(value) is str:
            if value and value not in self.markers:
                self.markers[value] = f"\ue000{next(self.slots)}\ue001"
            return self.markers.get(value, value)
        if type(value) is datetime:
            return _date_marker(next(self.slots))
        if type(value) is tuple:
            return tuple(self.of(item) for item in value)
        if is_dataclass(value) and not isinstance(value, type):
            return type(value)(**{name: self.of(getattr(value, name)) for name in _field_names(value)})
        return value


def _date_marker(slot: int) -> datetime:
    return datetime(1000 + slot, 1, 1, 11, 11, 11, tzinfo=UTC)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(value: Any) -> tuple[str, ...]:
    kind = type(value)
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(field.name for field in fields(value))
    return names


class _Template:
    def __init__(self, literals: list[str], slots: list[tuple[int, _Filler]]) -> None:
        self.literals = literals
        self.slots = slots

    @classmethod
    def parse(
        cls, text: str, dated: list[int], dates: Sequence[Callable[[datetime], str]]
    ) -> _Template | None:
        """Find each marker in a skeleton's rendering (``dated``: the slots that are dates);
        ``None`` when one is not found whole."""
        formatted = {write(_date_marker(slot)): (slot, write) for slot in dated for write in dates}
        alternatives = [_MARK.pattern, *(re.escape(each) for each in formatted)]
        literals: list[str] = []
        slots: list[tuple[int, _Filler]] = []
        start = 0
        for match in re.finditer("|".join(alternatives), text):
            literals.append(text[start : match.start()])
            in_attribute = text.rfind("<", 0, match.start()) > text.rfind(">", 0, match.start())
            escape = _escape_attribute if in_attribute else _escape_text
            if match.group(1) is not None:
                slots.append((int(match.group(1)), escape))
            else:
                slot, write = formatted[match.group()]
                slots.append((slot, _written_date(write, escape)))
            start = match.end()
        literals.append(text[start:])
        years = [str(_date_marker(slot).year) for slot in dated]
        leftovers = ("\ue000", "\ue001", _MARK_TIME, *years)
        if any(mark in literal for literal in literals for mark in leftovers):
            return None
        return cls(literals, slots)

    def fill(self, values: list[Any]) -> str:
        out = [self.literals[0]]
        for (slot, escape), literal in zip(self.slots, self.literals[1:], strict=True):
            out.append(escape(values[slot]))
            out.append(literal)
        return "".join(out)


def _written_date(write: Callable[[datetime], str], escape: _Filler) -> _Filler:
    return lambda value: escape(write(value))


def _escape_text(value: str) -> str:
    """Escape an element's text as lxml (libxml2) writes it."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _escape_attribute(value: str) -> str:
    """Escape an attribute's value as lxml (libxml2) writes it, inside double quotes."""
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )
