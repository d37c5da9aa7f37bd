"""Links that put talks into people's calendars: each talk's own ``.ics`` file and the new-event
forms of Google Calendar and Outlook, and each calendar's subscribe links for every client.

Neither Google nor Microsoft documents these forms; they are the ones maintained generators use
(add-to-calendar-button, calendar-link, spatie/calendar-links) and the community documentation
(InteractionDesignFoundation/add-event-to-calendar-docs) describes:

- Google's new event: ``calendar.google.com/calendar/render?action=TEMPLATE`` with ``text``,
  ``dates=START/END``, ``details`` and ``location``; times in UTC (``20240501T120000Z``), an
  all-day talk as dates with the day after its last day as end (``20240501/20240502``).
- Outlook's new event: ``…/calendar/0/deeplink/compose?path=/calendar/action/compose&rru=addevent``
  with ``subject``, ``startdt``, ``enddt``, ``body`` and ``location``; times in UTC
  (``2024-05-01T12:00:00Z``), an all-day talk as dates with ``allday=true`` and the same
  exclusive end as the calendar's DTEND.
- Google's subscribe: ``calendar.google.com/calendar/r?cid=`` and the calendar's ``webcal://`` URL.
- Outlook's subscribe ("add from web"): ``…/calendar/0/addfromweb?url=…&name=…``.

Outlook.com lives at ``outlook.live.com``, work and school accounts (Microsoft 365) at
``outlook.office.com``; the forms are the same.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import NAMESPACE_URL, uuid5

from talkfeed.model import EVENTS_FOLDER, Talk, TalkTime

_GOOGLE_EVENT = "https://calendar.google.com/calendar/render"
_GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/r"
_OUTLOOKS = ("https://outlook.live.com", "https://outlook.office.com")
"""Outlook.com's, then Microsoft 365's."""


def event_uid(lasting_id: str) -> str:
    """Make a talk's UID from its lasting id (its permalink): a UUID, the same in every run."""
    return str(uuid5(NAMESPACE_URL, lasting_id))


def event_file_name(lasting_id: str, url_path: str) -> str:
    """Name a talk's own calendar file below the feeds' folder: ``events/<slug>-<uid>.ics``.

    The slug is the last part of the talk's permalink, kept to letters, digits and hyphens, so
    the file people download says what it is; the first eight digits of its UID (made from the
    same permalink) keep two talks of one slug apart, in one site or in several.
    """
    last = next((part for part in reversed(url_path.split("/")) if part), "")
    slug = "-".join(word for word in _NOT_ALPHANUMERIC.split(last.lower()) if word)
    # A build names one file per talk: the UID's first eight digits are its SHA-1's first four
    # bytes (uuid5 sets its version and variant bits further on), without making the UUID.
    digits = hashlib.sha1(_NAMESPACE + lasting_id.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
    return f"{EVENTS_FOLDER}{slug or 'talk'}-{digits}.ics"


_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")
"""What ``str.isalnum`` refuses: ``\\w`` is every character it accepts, and the underscore."""
_NAMESPACE = NAMESPACE_URL.bytes


@dataclass(frozen=True)
class AddLinks:
    """Where one talk can be added to a calendar: its own ``.ics`` and two new-event forms."""

    ics: str | None
    """Its own calendar file, where one is written."""
    google: str
    outlook: str
    office: str


@dataclass(frozen=True)
class SubscribeLinks:
    """How each kind of calendar client subscribes to one calendar."""

    https: str
    """The address itself, to copy into any client."""
    webcal: str | None
    """Apple Calendar, Thunderbird and most desktop clients open it as a subscription."""
    google: str | None
    outlook: str | None
    office: str | None


def add_links(
    talk: Talk, start: TalkTime, end: TalkTime | None, page_url: str, ics_url: str | None
) -> AddLinks:
    """The links that add a talk to a calendar, from its DTSTART and DTEND as the calendar
    writes them (``end`` ``None``: it ends when it starts), filled with its title, place and page."""
    place = ", ".join(part for part in (talk.location, *talk.address) if part)
    ending = end if end is not None else start
    all_day = not isinstance(start, datetime)
    google = {
        "action": "TEMPLATE",
        "text": talk.title,
        "dates": f"{_google_time(start)}/{_google_time(ending)}",
        "details": page_url,
    }
    compose = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": talk.title,
        "startdt": _outlook_time(start),
        "enddt": _outlook_time(ending),
        "body": page_url,
    }
    if all_day:
        compose["allday"] = "true"
    if place:
        google["location"] = compose["location"] = place
    outlook, office = (f"{host}/calendar/0/deeplink/compose?{_query(compose)}" for host in _OUTLOOKS)
    return AddLinks(ics_url, f"{_GOOGLE_EVENT}?{_query(google)}", outlook, office)


def subscribe_links(url: str, name: str) -> SubscribeLinks:
    """The links that subscribe each kind of client to the calendar at ``url``, named ``name``.

    A calendar not served over http(s) (a file) has only its address.
    """
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() not in ("http", "https"):
        return SubscribeLinks(url, None, None, None, None)
    webcal = f"webcal://{rest}"
    outlook, office = (
        f"{host}/calendar/0/addfromweb?{_query({'url': url, 'name': name})}" for host in _OUTLOOKS
    )
    return SubscribeLinks(url, webcal, f"{_GOOGLE_SUBSCRIBE}?{_query({'cid': webcal})}", outlook, office)


def _query(values: dict[str, str]) -> str:
    """``urlencode(values, quote_via=quote, safe="")``, as it writes it, at a fraction of the cost:
    a page has three such links per talk."""
    return "&".join(f"{_quoted(key)}={_quoted(value)}" for key, value in values.items())


_ESCAPES = tuple(
    chr(byte) if chr(byte).isascii() and (chr(byte).isalnum() or chr(byte) in "_.-~") else f"%{byte:02X}"
    for byte in range(256)
)


def _quoted(text: str) -> str:
    """Percent-encode ``text`` as ``urllib.parse.quote(text, safe="")`` does."""
    return "".join(map(_ESCAPES.__getitem__, text.encode("utf-8")))


def _google_time(value: TalkTime) -> str:
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y%m%dT%H%M%S}Z"
    return f"{value:%Y%m%d}"


def _outlook_time(value: TalkTime) -> str:
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z"
    return date.isoformat(value)
