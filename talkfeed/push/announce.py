"""After a build, tell the WebSub hubs about each feed it changed, and again about each ping a
hub did not take before.

The files are in place before any hub is told: a ping changes nothing in them, and one a hub
does not take is a warning, never a failed build. A ping not taken is kept (``pings``) and
sent again by the next build into the folder, even one that changes nothing, until its hub
takes it. A feed written again with the bytes its hubs were last told about is not announced.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from talkfeed.plan import Plan
from talkfeed.push import pings
from talkfeed.push.pings import Owed, PingRecord
from talkfeed.push.websub import Answer, publish


@dataclass(frozen=True)
class HubTrouble:
    """A hub that did not take this run's pings, and since when its pings fail."""

    hub: str
    problem: str
    feeds: int
    """How many feeds' pings it owes."""
    failing_since: datetime


@dataclass(frozen=True)
class Announcement:
    """What a build told its hubs."""

    pinged: tuple[tuple[str, str], ...] = ()
    """Each ping a hub took: the hub and the feed's URL, in the order sent."""
    troubles: tuple[HubTrouble, ...] = ()
    kept: bool = True
    """Whether the pings not taken could be kept for the next run."""


def announce(
    plan: Plan,
    output: Path,
    changed: Collection[str],
    removed: Collection[str],
    send: Callable[[str, str], Answer] = publish,
) -> Announcement:
    """Tell every hub of the plan about the ``changed`` feeds (paths below ``output``), then send
    every ping still owed; forget those of ``removed`` feeds and of hubs no longer named."""
    record = pings.recall(plan.store_folder, output)
    announced = dict(record.announced)
    gone = {_topic(plan, name) for name in removed}
    owed = {
        (each.hub, each.topic): each
        for each in record.owed
        if each.hub in plan.hubs and each.topic not in gone
    }
    for name in changed:
        topic = _topic(plan, name)
        digest = _digest(output / name)
        if digest is None or announced.get(topic) == digest:
            continue
        announced[topic] = digest
        for hub in plan.hubs:
            owed.setdefault((hub, topic), Owed(hub, topic))
    pinged: list[tuple[str, str]] = []
    troubles: list[HubTrouble] = []
    left: list[Owed] = []
    for hub in plan.hubs:
        mine = [each for (owner, _), each in owed.items() if owner == hub]
        unreachable: str | None = None
        failed: list[Owed] = []
        for each in mine:
            answer = Answer(False, unreachable, reached=False) if unreachable else send(hub, each.topic)
            if answer.accepted:
                pinged.append((hub, each.topic))
                continue
            if not answer.reached:
                unreachable = answer.problem  # the others would wait as long: they wait for the next run
            failed.append(Owed(hub, each.topic, each.failing_since or plan.now, answer.problem))
        if failed:
            since = min(each.failing_since or plan.now for each in failed)
            troubles.append(HubTrouble(hub, str(failed[-1].error), len(failed), since))
            left += failed
    kept = True
    if left or record.owed or announced != record.announced:
        kept = pings.remember(plan.store_folder, output, PingRecord(announced, tuple(left)))
    return Announcement(tuple(pinged), tuple(troubles), kept or not left)


def _topic(plan: Plan, name: str) -> str:
    """A feed's URL, as its self link gives it (the WebSub topic)."""
    return plan.feeds_url + quote(name)


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
