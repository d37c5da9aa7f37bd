"""Read a duration as people write one for ``--calendar-refresh``: ``1h``, ``30m``, ``1h30m``, ``PT2H``."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
_SHORT = re.compile(r"(?:[0-9]{1,6}[wdhm])+")
_SHORT_PART = re.compile(r"([0-9]+)([wdhm])")
_ISO = re.compile(
    r"P(?:(?P<weeks>[0-9]{1,6})W|(?:(?P<days>[0-9]{1,6})D)?"
    r"(?:T(?=[0-9])(?:(?P<hours>[0-9]{1,6})H)?(?:(?P<minutes>[0-9]{1,6})M)?(?:(?P<seconds>[0-9]{1,6})S)?)?)"
)
SHORTEST = timedelta(minutes=1)
LONGEST = timedelta(weeks=52)
EXAMPLES = "1h, 30m, 1h30m, 1d, 1w, or an ISO 8601 duration such as PT2H or P1D"


def read_duration(text: str) -> timedelta:
    """Read ``text`` as a number with a unit (w, d, h, m; several add up: ``1h30m``) or as an
    ISO 8601 duration without years or months (``PT2H``, ``P1D``, ``P1W``), any case.

    Raises ``ValueError`` saying what is accepted, for anything else and for a duration under
    a minute or over 52 weeks (no calendar app refreshes that often or that seldom).
    """
    written = text.strip().lower()
    duration: timedelta | None = None
    if _SHORT.fullmatch(written):
        duration = sum(
            (int(count) * _UNITS[unit] for count, unit in _SHORT_PART.findall(written)), timedelta()
        )
    elif (match := _ISO.fullmatch(written.upper())) and written not in ("p", "pt"):
        duration = timedelta(**{unit: int(value) for unit, value in match.groupdict().items() if value})
    if duration is None:
        raise ValueError(f"{text!r} is not a duration (use {EXAMPLES})")
    if not SHORTEST <= duration <= LONGEST:
        raise ValueError(f"{text!r} is not between 1 minute and 52 weeks")
    return duration
