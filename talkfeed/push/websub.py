"""Tell a WebSub hub that a feed changed: the publisher's ping, over the standard library's HTTP.

WebSub (W3C, 2018) leaves the ping to hub and publisher; what hubs take is PubSubHubbub 0.3's
form POST ``hub.mode=publish`` with ``hub.url=<feed>``. Some hubs (flask-websub) read only
``hub.topic``, so both are sent with the same value; every hub ignores the one it does not
read. Any 2xx answer is taken (0.3 says 204, flask-websub answers 202, others 200).

Redirects are not followed: urllib would repeat a POST as a GET without its form, so a hub that
moved is reported with its new address instead.
"""

from __future__ import annotations

import http.client
import urllib.request
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode

from talkfeed.version import __version__

TIMEOUT_SECONDS = 5.0
"""How long one ping may take: a build waits for its hubs, so a hub that hangs must not hold it."""
_MOST_SHOWN = 200
"""How much of a hub's answer a warning quotes."""


@dataclass(frozen=True)
class Answer:
    """How a hub answered one ping."""

    accepted: bool
    problem: str = ""
    """What went wrong, for a warning."""
    reached: bool = True
    """Whether the hub answered at all: one that did not (refused, timed out) is not tried again
    for the other feeds of the run."""


_OPENER = urllib.request.OpenerDirector()
for _handler in (
    urllib.request.ProxyHandler(),
    urllib.request.HTTPHandler(),
    urllib.request.HTTPSHandler(),
    urllib.request.HTTPDefaultErrorHandler(),
    urllib.request.HTTPErrorProcessor(),
):
    _OPENER.add_handler(_handler)


def publish(hub: str, topic: str, timeout: float = TIMEOUT_SECONDS) -> Answer:
    """Tell ``hub`` that the feed at ``topic`` changed (``hub.mode=publish``)."""
    form = urlencode({"hub.mode": "publish", "hub.url": topic, "hub.topic": topic}).encode("ascii")
    request = urllib.request.Request(
        hub,
        data=form,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": f"talkfeed/{__version__} (WebSub publisher)",
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(_MOST_SHOWN)
    except HTTPError as error:
        with error:
            said = error.read(_MOST_SHOWN).decode("utf-8", "replace").strip().splitlines()
        moved = error.headers.get("Location") if 300 <= error.code < 400 else None
        detail = f"; it moved to {moved}: give that address as the hub" if moved else ""
        answer = f": {said[0]}" if said and not moved else ""
        return Answer(False, f"HTTP {error.code} {error.reason}{answer}{detail}")
    except (URLError, TimeoutError, OSError, http.client.HTTPException) as error:
        reason = error.reason if isinstance(error, URLError) else error
        return Answer(False, f"not reached ({reason or type(error).__name__})", reached=False)
    return Answer(True)
