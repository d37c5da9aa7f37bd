"""Push: the feeds name their WebSub hubs, and a build that changes them tells each hub.

A real hub (flask-websub, ``_websub_hub.py``) runs as its own process on 127.0.0.1; the feeds
are served from the output folder by a small server that sends the ``Link`` headers WebSub asks
of a publisher (the hub refuses to deliver without them); a subscriber on 127.0.0.1 subscribes
to a feed and records what the hub delivers. No ping leaves the machine, and every server is
stopped by the test that started it.
"""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import feedparser
import pytest

from conftest import make_site, run_cli, settle

HUB_SCRIPT = Path(__file__).with_name("_websub_hub.py")
NOW = "2026-06-01T00:00:00+0000"
A_DAY_LATER = "2026-06-02T00:01:00+0000"


def _talk(title: str, published: str) -> str:
    return f"---\ntitle: {title}\ndate: 2026-09-01T10:00:00Z\npublishDate: {published}\n---\n"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every request on this machine even where a proxy is configured."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def _serve(handler: Any) -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _url(server: http.server.ThreadingHTTPServer, path: str = "/") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Hub:
    url: str
    process: subprocess.Popen[str]


def _start_hub(folder: Path, port: int = 0) -> Hub:
    process = subprocess.Popen(
        [sys.executable, str(HUB_SCRIPT), str(folder / f"hub-{port}.sqlite3"), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # the hub prints its port once it listens, or exits
    if not line.strip().isdigit():
        process.kill()
        _, errors = process.communicate(timeout=10)
        pytest.fail(f"the WebSub hub did not start: {errors}")
    return Hub(f"http://127.0.0.1:{int(line)}/hub", process)


def _stop(hub: Hub) -> None:
    hub.process.terminate()
    hub.process.communicate(timeout=10)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    started = _start_hub(tmp_path)
    yield started
    _stop(started)


@pytest.fixture
def output(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def topics(output: Path) -> Iterator[Topics]:
    """The output folder served at the site's base URL, each feed with the Link headers WebSub
    asks for (hub and self); the hub's address is set once the test knows it."""
    served = Topics()
    handler = partial(_TopicHandler, served, directory=str(output))
    for server in _serve(handler):
        served.base = _url(server)
        yield served


@dataclass
class Topics:
    base: str = ""
    hub: str = ""


class _TopicHandler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, topics: Topics, *args: Any, **kwargs: Any) -> None:
        self.topics = topics
        super().__init__(*args, **kwargs)

    def end_headers(self) -> None:
        self_url = self.topics.base + self.path.lstrip("/")
        self.send_header("Link", f'<{self.topics.hub}>; rel="hub", <{self_url}>; rel="self"')
        super().end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@dataclass
class Subscriber:
    url: str
    verified: list[dict[str, str]] = field(default_factory=list)
    delivered: list[tuple[str, bytes]] = field(default_factory=list)
    """Each delivery: its Link header and its body (the feed, whole)."""


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    recorded = Subscriber("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
            recorded.verified.append(query)
            challenge = query.get("hub.challenge", "").encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(challenge)))
            self.end_headers()
            self.wfile.write(challenge)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            recorded.delivered.append((self.headers.get("Link", ""), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    for server in _serve(Handler):
        recorded.url = _url(server, "/callback")
        yield recorded


def _subscribe(hub: Hub, topic: str, subscriber: Subscriber) -> None:
    form = {"hub.mode": "subscribe", "hub.topic": topic, "hub.callback": subscriber.url}
    request = urllib.request.Request(hub.url, urllib.parse.urlencode(form).encode())
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 202
    assert subscriber.verified[-1]["hub.topic"] == topic


def _build(site: Path, output: Path, *arguments: str) -> tuple[str, str]:
    result = run_cli(["build", site, "-o", output, "--now", NOW, *arguments])
    assert result.exit_code == 0, result.stderr
    return result.stdout, result.stderr


def _pinged(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("pinged ")]


def _titles(delivery: bytes) -> list[str]:
    return [item["title"] for item in json.loads(delivery)["items"]]


def test_a_new_talk_reaches_a_subscriber_through_the_hub(
    tmp_path: Path, hub: Hub, topics: Topics, subscriber: Subscriber, output: Path
) -> None:
    topics.hub = hub.url
    site = make_site(tmp_path, {"first.md": _talk("First talk", "2026-01-01")},
                     f'baseURL = "{topics.base}"\ntitle = "Lab"\n')  # fmt: skip
    _build(site, output, "--hub", hub.url)
    feed = topics.base + "feed.json"
    _subscribe(hub, feed, subscriber)
    (site / "content" / "talk" / "second.md").write_text(_talk("Second talk", "2026-02-01"), encoding="utf-8")
    settle()

    stdout, stderr = _build(site, output, "--hub", hub.url)

    assert stderr == ""
    assert f"pinged {hub.url} for {feed}" in _pinged(stdout)
    [(link, body)] = subscriber.delivered
    assert _titles(body) == ["Second talk", "First talk"]
    assert f'<{feed}>; rel="self"' in link and f'<{hub.url}>; rel="hub"' in link
    assert body == (output / "feed.json").read_bytes()


def test_a_build_pings_each_changed_feed_once_per_hub_and_an_unchanged_build_none(
    tmp_path: Path, hub: Hub, topics: Topics, subscriber: Subscriber, output: Path
) -> None:
    topics.hub = hub.url
    site = make_site(tmp_path, {"first.md": _talk("First talk", "2026-01-01")},
                     f'baseURL = "{topics.base}"\ntitle = "Lab"\n')  # fmt: skip
    first, _ = _build(site, output, "--hub", hub.url)
    _subscribe(hub, topics.base + "index.xml", subscriber)
    settle()

    again, _ = _build(site, output, "--hub", hub.url)

    names = [
        "atom.xml",
        "feed.json",
        "index.xml",
        "upcoming/atom.xml",
        "upcoming/feed.json",
        "upcoming/index.xml",
    ]
    assert sorted(_pinged(first)) == [f"pinged {hub.url} for {topics.base}{name}" for name in names]
    assert _pinged(again) == []
    assert subscriber.delivered == []


def test_a_feed_written_again_with_the_same_bytes_is_not_announced_again(
    tmp_path: Path, hub: Hub, topics: Topics, output: Path
) -> None:
    """As in CI, where every run starts from an empty folder but keeps its cache."""
    topics.hub = hub.url
    site = make_site(tmp_path, {"first.md": _talk("First talk", "2026-01-01")},
                     f'baseURL = "{topics.base}"\ntitle = "Lab"\n')  # fmt: skip
    first, _ = _build(site, output, "--hub", hub.url)
    (output / ".talkfeed-manifest").unlink()
    for path in sorted(output.rglob("*"), reverse=True):
        if path.is_file():
            path.unlink()

    again, _ = _build(site, output, "--hub", hub.url)

    assert len(_pinged(first)) == 6
    assert [line for line in again.splitlines() if line.startswith("updated ")]
    assert _pinged(again) == []


def test_a_hub_that_was_down_is_told_by_the_next_run_even_when_nothing_changed(
    tmp_path: Path, topics: Topics, subscriber: Subscriber, output: Path
) -> None:
    port = _free_port()
    hub_url = f"http://127.0.0.1:{port}/hub"
    topics.hub = hub_url
    site = make_site(tmp_path, {"first.md": _talk("First talk", "2026-01-01")},
                     f'baseURL = "{topics.base}"\ntitle = "Lab"\n')  # fmt: skip
    stdout, stderr = _build(site, output, "--hub", hub_url)
    assert (output / "feed.json").is_file()
    assert _pinged(stdout) == []
    assert stderr.startswith(
        f"talkfeed: warning: hub {hub_url} did not take the ping for 6 feed(s) (not reached ("
    )
    assert "kept, and sent again by the next run" in stderr and stderr.count("\n") == 1

    hub = _start_hub(tmp_path, port)
    try:
        _subscribe(hub, topics.base + "feed.json", subscriber)
        settle()
        retried, stderr = _build(site, output, "--hub", hub_url)
        after, _ = _build(site, output, "--hub", hub_url)
    finally:
        _stop(hub)

    assert stderr == ""
    assert all(
        line.startswith("unchanged ") for line in retried.splitlines() if not line.startswith("pinged")
    )
    assert len(_pinged(retried)) == 6
    [(_, body)] = subscriber.delivered
    assert _titles(body) == ["First talk"]
    assert _pinged(after) == []


def test_a_hub_that_refuses_is_named_with_its_answer_and_the_build_succeeds(
    tmp_path: Path, topics: Topics, output: Path
) -> None:
    class Refusing(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            body = b"Missing form argument: hub.secret\n"
            self.send_response(400)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    site = make_site(tmp_path, {"first.md": _talk("First talk", "2026-01-01")},
                     f'baseURL = "{topics.base}"\ntitle = "Lab"\n')  # fmt: skip
    for server in _serve(Refusing):
        result = run_cli(["build", site, "-o", output, "--now", NOW, "--hub", _url(server, "/hub")])
    assert result.exit_code == 0
    assert (
        "(HTTP 400 Bad Request: Missing form argument: hub.secret; failing since 2026-06-01 00:00 UTC)"
        in (result.stderr)
    )


def test_under_quiet_a_failing_hub_is_told_only_once_it_has_failed_for_a_day(
    tmp_path: Path, topics: Topics, output: Path
) -> None:
    hub_url = f"http://127.0.0.1:{_free_port()}/hub"
    site = make_site(tmp_path, {"first.md": _talk("First talk", "2026-01-01")},
                     f'baseURL = "{topics.base}"\ntitle = "Lab"\n')  # fmt: skip
    _, first = _build(site, output, "--hub", hub_url, "-q")
    _, next_hour = _build(site, output, "--hub", hub_url, "-q")
    quiet_day = run_cli(["build", site, "-o", output, "--now", A_DAY_LATER, "--hub", hub_url, "-q"])

    assert (first, next_hour) == ("", "")
    assert quiet_day.exit_code == 0
    assert f"hub {hub_url} did not take the ping for 6 feed(s)" in quiet_day.stderr
    assert "failing since 2026-06-01 00:00 UTC" in quiet_day.stderr


def test_a_hub_no_longer_named_is_owed_nothing(tmp_path: Path, topics: Topics, output: Path) -> None:
    down = f"http://127.0.0.1:{_free_port()}/hub"
    site = make_site(tmp_path, {"first.md": _talk("First talk", "2026-01-01")},
                     f'baseURL = "{topics.base}"\ntitle = "Lab"\n')  # fmt: skip
    _build(site, output, "--hub", down, "-q")
    stdout, stderr = _build(site, output)
    assert (_pinged(stdout), stderr) == ([], "")


@pytest.mark.parametrize("command", ["check", "list"])
def test_check_and_list_never_ping(tmp_path: Path, hub: Hub, topics: Topics, subscriber: Subscriber,
                                   command: str) -> None:  # fmt: skip
    topics.hub = hub.url
    site = make_site(tmp_path, {"first.md": _talk("First talk", "2026-01-01")},
                     f'baseURL = "{topics.base}"\ntitle = "Lab"\n')  # fmt: skip
    (site / "talkfeed.toml").write_text(f'output = "out"\nhubs = ["{hub.url}"]\n', encoding="utf-8")
    assert run_cli(["build", site, "-q", "--now", NOW]).exit_code == 0
    _subscribe(hub, topics.base + "feed.json", subscriber)
    (site / "content" / "talk" / "second.md").write_text(_talk("Second talk", "2026-02-01"), encoding="utf-8")
    settle()

    result = run_cli([command, site])

    assert result.exit_code == 0
    assert "pinged" not in result.stdout
    assert subscriber.delivered == []


def test_every_feed_names_the_hubs_beside_its_self_link(tmp_path: Path) -> None:
    # Two hubs where nothing listens: the build warns and publishes.
    hubs = [f"http://127.0.0.1:{_free_port()}/hub", f"http://127.0.0.1:{_free_port()}/other?a=1&b=2"]
    site = make_site(tmp_path, {"first.md": _talk("First talk", "2026-01-01")})
    (site / "talkfeed.toml").write_text(f"hubs = {json.dumps(hubs)}\n", encoding="utf-8")
    output = tmp_path / "out"
    result = run_cli(["build", site, "-o", output, "--now", NOW, "-q"])
    assert result.exit_code == 0
    for name in ("index.xml", "atom.xml", "upcoming/index.xml"):
        links = feedparser.parse((output / name).read_bytes()).feed.links
        assert [link.href for link in links if link.rel == "hub"] == hubs, name
        assert [link.href for link in links if link.rel == "self"] == [f"https://example.org/{name}"]
    rss = (output / "index.xml").read_text(encoding="utf-8")
    assert rss.index('rel="self"') < rss.index(f'href="{hubs[0]}" rel="hub"') < rss.index("<docs>")
    feed = json.loads((output / "feed.json").read_text(encoding="utf-8"))
    assert feed["hubs"] == [{"type": "WebSub", "url": hub} for hub in hubs]
    assert feed["feed_url"] == "https://example.org/feed.json"


@pytest.mark.parametrize(
    "hub",
    ["ftp://hub.example/", "hub.example", "https://", "https://hub.example/a b", "https://hub.example/\n"],
)
def test_a_hub_that_is_not_an_http_url_on_one_line_is_refused(tmp_path: Path, hub: str) -> None:
    site = make_site(tmp_path, {"first.md": _talk("First talk", "2026-01-01")})
    result = run_cli(["build", site, "-o", tmp_path / "out", "--hub", hub])
    assert result.exit_code == 1
    assert result.stderr.startswith("talkfeed: error: hub ")
    assert "is not an absolute http(s) URL on one line" in result.stderr
    assert not (tmp_path / "out" / "index.xml").exists()
