"""What a person sees in a real browser: the page, and the RSS and Atom files styled by feed.css.

Headless Chromium loads the files from a local HTTP server, as a web host would serve them
(``.xml`` as ``application/xml``: Chromium shows ``application/rss+xml`` as plain text and
ignores its stylesheet). Install it with ``.ci/install-browser``; without it the module is skipped.
To look at the screenshots, run with ``--basetemp=/tmp/talkfeed-browser`` and open
``/tmp/talkfeed-browser/browser0/*.png``.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import struct
import subprocess
import sys
import threading
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from talkfeed.formats.feeds import ATOM_NAME, RSS_NAME, render_atom, render_rss
from talkfeed.formats.web.page import (
    PAGE_NAME,
    STYLESHEET_NAME,
    FeedLink,
    ViewLink,
    feed_stylesheet,
    render_page,
)
from talkfeed.model import PartSettings, entry_of
from talkfeed.pieces.render import render_pieces
from talkfeed.plan import ABOUT_NAME

from conftest import DEMO_SITE, FIXED_NOW, ROOT, make_site, run_cli
from test_page import SETTINGS, VOID, full_talk, make_talk

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (install it with .ci/install-browser)", allow_module_level=True)

PHONE = (390, 844)
STYLESHEET_INSTRUCTION = f'<?xml-stylesheet type="text/css" href="{STYLESHEET_NAME}"?>'.encode()
NOTE_COLOUR = (0xEE, 0xF3, 0xFB)
"""The background of the ``This is a feed`` note in feed.css (``--note``)."""
PAGE_BACKGROUND = (0xFF, 0xFF, 0xFF)
LONG_WORD = "Hyperparameteroptimisationforverylongunbreakablewords" * 3
TALKS = (
    make_talk("speech", title="Speech & Language: is WER < 10% > good? 🌍 עברית · العربية", tags=("NLP",)),
    full_talk(),
    make_talk("long", title=LONG_WORD, summary=f"https://example.org/{LONG_WORD}", start=date(2023, 1, 9)),
)
TITLES = [talk.title for talk in TALKS]
SETTINGS_WITH_CSS = replace(SETTINGS, stylesheet_url=STYLESHEET_NAME)
CHROMIUM_OPTIONS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-color-profile=srgb",
    f"--window-size={PHONE[0]},{PHONE[1]}",
)


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 (the base class declares it a plain dict)
        ".html": "text/html; charset=utf-8",
        ".xml": "application/xml",
        ".css": "text/css; charset=utf-8",
    }

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore Chromium hanging up early (it does so on its favicon request); report anything else."""
        if not isinstance(sys.exception(), ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page, both XML feeds and their stylesheet, as the writer would leave them."""
    folder = tmp_path_factory.mktemp("browser")
    items = [entry_of(talk, render_pieces(talk, PartSettings(SETTINGS_WITH_CSS.base_url))) for talk in TALKS]
    feeds = (
        FeedLink("RSS 2.0", RSS_NAME, "application/rss+xml"),
        FeedLink("Atom", ATOM_NAME, "application/atom+xml"),
        FeedLink("Calendar", "https://example.org/feeds/talks.ics", "text/calendar"),
    )
    views = (ViewLink("Talks tagged NLP", "https://example.org/feeds/tags/nlp/"),)
    (folder / PAGE_NAME).write_bytes(render_page(items, SETTINGS_WITH_CSS, feeds, views))
    (folder / RSS_NAME).write_bytes(render_rss(items, SETTINGS_WITH_CSS))
    (folder / ATOM_NAME).write_bytes(render_atom(items, SETTINGS_WITH_CSS))
    (folder / STYLESHEET_NAME).write_bytes(feed_stylesheet())
    return folder


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free local port; yield its URL."""
    httpd = _Server(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    thread.join()
    httpd.server_close()


@pytest.fixture(scope="module")
def page_dom(folder: Path, server: str) -> _Outline:
    """The page's DOM as Chromium built it, serialized."""
    return outline(chromium(folder / "profile-page-dom", "--dump-dom", server + PAGE_NAME))


def chromium(profile: Path, *arguments: str) -> str:
    """Run headless Chromium with a fresh profile; return its stdout."""
    result = subprocess.run(
        [str(CHROMIUM), *CHROMIUM_OPTIONS, f"--user-data-dir={profile}", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def screenshot(folder: Path, url: str, name: str) -> Path:
    shot = folder / name
    chromium(folder / f"profile-{name}", f"--screenshot={shot}", url)
    assert shot.is_file(), f"Chromium wrote no screenshot of {url}"
    return shot


class _Outline(HTMLParser):
    """Every element of a document with its depth and link target, ignoring text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.elements: list[tuple[int, str, str | None]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((self.depth, tag, dict(attrs).get("href")))
        if tag not in VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        self.depth -= 1

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def outline(document: str) -> _Outline:
    parser = _Outline()
    parser.feed(document)
    parser.close()
    return parser


def decode_png(png: bytes) -> list[list[tuple[int, int, int]]]:
    """Decode an 8-bit RGB or RGBA, non-interlaced PNG into rows of RGB pixels."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n"), "not a PNG"
    position, data = 8, b""
    width = height = channels = 0
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        body = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, colour_type in (2, 6), interlace) == (8, True, 0), "unexpected PNG format"
            channels = 3 if colour_type == 2 else 4
        elif kind == b"IDAT":
            data += body
        position += 12 + length
    raw, stride = zlib.decompress(data), width * channels
    rows, previous = [], bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(raw[start], line, previous, channels)
        rows.append([(line[x], line[x + 1], line[x + 2]) for x in range(0, stride, channels)])
        previous = line
    return rows


def _unfilter(kind: int, line: bytearray, previous: bytearray, channels: int) -> None:
    for index in range(len(line)):
        left = line[index - channels] if index >= channels else 0
        up = previous[index]
        if kind == 1:
            line[index] = (line[index] + left) & 0xFF
        elif kind == 2:
            line[index] = (line[index] + up) & 0xFF
        elif kind == 3:
            line[index] = (line[index] + (left + up) // 2) & 0xFF
        elif kind == 4:
            corner = previous[index - channels] if index >= channels else 0
            estimate = left + up - corner
            distances = (abs(estimate - left), abs(estimate - up), abs(estimate - corner))
            predictor = (left, up, corner)[distances.index(min(distances))]
            line[index] = (line[index] + predictor) & 0xFF


def assert_readable_screenshot(shot: Path) -> list[list[tuple[int, int, int]]]:
    """Check a phone screenshot holds text on a plain background and nothing runs off its right edge."""
    png = shot.read_bytes()
    assert len(png) > 10_000, f"{shot} is only {len(png)} bytes"
    rows = decode_png(png)
    assert (len(rows[0]), len(rows)) == PHONE
    colours = Counter(pixel for row in rows for pixel in row)
    background, share = colours.most_common(1)[0]
    assert len(colours) > 50, f"{shot} has {len(colours)} colours: blank or a flat image"
    assert share < 0.97 * PHONE[0] * PHONE[1], f"{shot} is almost all {background}: no content shown"
    right_edge = {pixel for row in rows for pixel in row[-8:]}
    assert right_edge == {background}, f"{shot}: something overflows the right edge of a phone screen"
    return rows


def test_page_dom_in_the_browser_equals_the_page_as_written(folder: Path, page_dom: _Outline) -> None:
    written = outline((folder / PAGE_NAME).read_text(encoding="utf-8"))
    assert page_dom.elements == written.elements, "the browser repaired the markup: it is not valid HTML"


def test_page_dom_shows_every_talk_title_in_order(page_dom: _Outline) -> None:
    assert [text for text in page_dom.texts if text in TITLES] == TITLES


def test_page_dom_has_every_talk_link_and_feed_link(page_dom: _Outline) -> None:
    targets = {href for _, tag, href in page_dom.elements if tag == "a"}
    assert {
        "https://example.org/talk/speech/",
        "https://example.org/talk/graphs/",
        "https://example.org/talk/graphs/slides.pdf",
        "https://github.com/lab/graphs",
        "https://graphday.example/",
        RSS_NAME,
        ATOM_NAME,
        "webcal://example.org/feeds/talks.ics",
        "https://example.org/feeds/tags/nlp/",
    } <= targets


def test_page_is_readable_on_a_phone(folder: Path, server: str) -> None:
    rows = assert_readable_screenshot(screenshot(folder, server + PAGE_NAME, "page-phone.png"))
    assert rows[0][0] == PAGE_BACKGROUND


@pytest.mark.parametrize("name", [RSS_NAME, ATOM_NAME], ids=["rss", "atom"])
def test_feed_in_the_browser_is_styled_by_feed_css(folder: Path, server: str, name: str) -> None:
    assert (folder / name).read_bytes().split(b"\n")[1] == STYLESHEET_INSTRUCTION
    dom = chromium(folder / f"profile-{name}-dom", "--dump-dom", server + name)
    assert "does not appear to have any style information" not in dom
    for title in ("Learning Sparse Graphs", LONG_WORD, "עברית · العربية"):
        assert title in dom
    rows = assert_readable_screenshot(screenshot(folder, server + name, f"{name}-phone.png"))
    assert any(NOTE_COLOUR in row for row in rows[:150]), "the 'This is a feed' note is not shown on top"


PDFTOTEXT = Path("/usr/bin/pdftotext")


@pytest.fixture(scope="module")
def demo_feeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site built with every view, as a user would open it from disk."""
    folder = tmp_path_factory.mktemp("demo-feeds")
    result = run_cli(["build", DEMO_SITE, "-o", folder, "--now", FIXED_NOW, "-q", "--no-cache"])
    assert result.exit_code == 0, result.stderr
    return folder


def rendered_text(folder: Path, url: str) -> str:
    """What a person reads: Chromium prints the page as laid out, pdftotext takes its text."""
    if not PDFTOTEXT.is_file():
        pytest.skip(f"{PDFTOTEXT} is missing (install poppler-utils with .ci/install-browser)")
    pdf = folder / f"print-{abs(hash(url))}.pdf"
    chromium(folder / f"profile-{pdf.stem}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url)
    text = subprocess.run([str(PDFTOTEXT), str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


@pytest.mark.parametrize("name", ["index.xml", "atom.xml", "upcoming/index.xml"])
def test_a_feed_opened_from_disk_reads_as_text_with_each_talks_facts(demo_feeds: Path, name: str) -> None:
    text = rendered_text(demo_feeds, (demo_feeds / name).as_uri())
    assert "This is a feed." in text
    if name.startswith("upcoming/"):
        return
    assert "Intro to Transformers and Transformer Explainability (English)" in text
    assert "Tue 4 Jan 2022 · Data Science Bond Microsoft · Online event" in text
    assert "Speakers: Hila Chefer" in text
    assert "This talk takes a deep dive into the attention mechanism." in text
    assert "Speakers: Noa Ben-David, Yusuf Haddad, Élodie Marchand" in text
    assert 'When WER < 5% and CER > 2%, "good" ASR' in text
    for markup in ("<p>", "</p>", "<strong>", "&lt;", "&amp;", "<em>"):
        assert markup not in text, f"{name} shows {markup} to the reader"


@pytest.fixture(scope="module")
def demo_views(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site on 10 Feb 2024, when one talk is still to come, with a view per tag."""
    folder = tmp_path_factory.mktemp("demo-views")
    now = "2024-02-10T00:00:00+0000"
    result = run_cli(["build", DEMO_SITE, "-o", folder, "--now", now, "-q", "--no-cache", "--per", "tag"])
    assert result.exit_code == 0, result.stderr
    return folder


def test_the_page_shows_upcoming_talks_first_then_past_ones_with_speakers(demo_views: Path) -> None:
    text = rendered_text(demo_views, (demo_views / PAGE_NAME).as_uri())
    upcoming, past = text.index("Upcoming talks"), text.index("Past talks")
    coming = text.index("Speech & Language: Is WER < 10% > Good Enough")
    assert upcoming < coming < past
    assert text.index("Causal Discovery in Irregularly Sampled Time Series") > past
    assert "Speakers: Noa Ben-David, Yusuf Haddad, Élodie Marchand" in text
    assert "Speakers: Marta Kowalczyk, Daan de Vries" in text


def test_the_page_shows_each_featured_image_sized_described_and_lazy(demo_views: Path) -> None:
    dom = chromium(demo_views / "profile-images", "--dump-dom", (demo_views / PAGE_NAME).as_uri())
    images = re.findall(r"<img [^>]*>", dom)
    assert len(images) == 2
    for image in images:
        attributes = dict(re.findall(r'(\w+)="([^"]*)"', image))
        assert attributes["loading"] == "lazy"
        assert attributes["alt"]
        assert int(attributes["width"]) > 0 and int(attributes["height"]) > 0


@pytest.mark.parametrize("size", [PHONE, (1280, 900)], ids=["phone", "desktop"])
def test_the_page_with_its_sections_and_images_reads_at_every_width(
    demo_views: Path, size: tuple[int, int]
) -> None:
    shot = demo_views / f"page-{size[0]}.png"
    chromium(
        demo_views / f"profile-{size[0]}",
        f"--window-size={size[0]},{size[1]}",
        f"--screenshot={shot}",
        (demo_views / PAGE_NAME).as_uri(),
    )
    rows = decode_png(shot.read_bytes())
    assert (len(rows[0]), len(rows)) == size
    background = Counter(pixel for row in rows for pixel in row).most_common(1)[0][0]
    assert background == PAGE_BACKGROUND
    assert {pixel for row in rows for pixel in row[-8:]} == {background}, "something overflows the right edge"


def test_every_tag_view_has_its_own_page_and_calendar(demo_views: Path) -> None:
    pages = sorted(demo_views.glob("tags/*/index.html"))
    assert pages and all((page.parent / "talks.ics").is_file() for page in pages)
    page = pages[0]
    text = rendered_text(demo_views, page.as_uri())
    assert text.startswith("Talks tagged ")
    footer = re.search(r'<footer>.*?href="([^"]+)"', page.read_text(encoding="utf-8"), re.DOTALL)
    assert footer is not None and (page.parent / footer.group(1)).resolve() == demo_views / "about.html"
    root = (demo_views / PAGE_NAME).read_text(encoding="utf-8")
    assert f'href="https://demo.talkfeed.example/{page.parent.relative_to(demo_views).as_posix()}/"' in root


# Pages in other languages, with real images served beside them: what a phone and a desktop show.

DESKTOP = (1280, 900)
PROBE = """<!doctype html>
<html><body style="margin:0">
<iframe id="page" src="{page}" style="border:0;width:{width}px;height:{height}px"></iframe>
<script>
const frame = document.getElementById("page");
frame.addEventListener("load", () => {{
  const page = frame.contentDocument, view = frame.contentWindow;
  const probe = {{
    width: view.innerWidth,
    overflow: page.scrollingElement.scrollWidth - page.documentElement.clientWidth,
    direction: view.getComputedStyle(page.body).direction,
    images: [...page.querySelectorAll("article img")].map((image) => {{
      const box = image.getBoundingClientRect();
      const article = image.closest("article").getBoundingClientRect();
      return {{width: box.width, height: box.height, middle: box.left + box.width / 2,
               articleMiddle: article.left + article.width / 2}};
    }}),
    broken: [...page.querySelectorAll("code")].filter((code) => code.getClientRects().length > 1)
      .map((code) => code.textContent),
  }};
  document.body.setAttribute("data-probe", JSON.stringify(probe));
}});
</script>
</body></html>
"""
"""Lays a page out in a frame of a given size (headless Chromium's own window is at least 500 px
wide) and measures it: talkfeed's pages themselves have no script."""


def png(width: int, height: int) -> bytes:
    """An RGB PNG of a diagonal gradient, as a photo's stand-in."""
    rows = b"".join(
        b"\x00"
        + bytes(channel for x in range(width) for channel in ((x * 255) // width, (y * 255) // height, 128))
        for y in range(height)
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def measured(page: Path, url: str, size: tuple[int, int]) -> dict[str, Any]:
    """What the browser laid out at ``size`` for the page at ``url`` (``page`` on disk): its width,
    overflow, direction, images and the words broken apart."""
    probe = page.with_name(f"probe-{size[0]}-{page.name}")
    probe.write_text(PROBE.format(page=page.name, width=size[0], height=size[1]), encoding="utf-8")
    dom = chromium(
        page.parent / f"profile-probe-{size[0]}-{page.stem}",
        "--window-size=1400,1000",
        "--virtual-time-budget=5000",
        "--dump-dom",
        url.rsplit("/", 1)[0] + "/" + probe.name,
    )
    probe.unlink()
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found is not None, "the probe did not run"
    layout: dict[str, Any] = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert layout["width"] == size[0]
    return layout


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free local port, as a web host would; give its URL."""
    httpd = _Server(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        thread.join()
        httpd.server_close()


def shoot(folder: Path, url: str, name: str, size: tuple[int, int]) -> list[list[tuple[int, int, int]]]:
    """Screenshot a page at ``size``; check it shows text on the page's background, its first pixel
    the background and nothing running off either edge."""
    shot = folder / name
    chromium(folder / f"profile-{name}", f"--window-size={size[0]},{size[1]}", f"--screenshot={shot}", url)
    rows = decode_png(shot.read_bytes())
    assert (len(rows[0]), len(rows)) == size
    colours = Counter(pixel for row in rows for pixel in row)
    assert colours.most_common(1)[0][0] == PAGE_BACKGROUND == rows[0][0]
    assert len(colours) > 50, f"{shot} is blank"
    edges = {pixel for row in rows for pixel in (*row[:8], *row[-8:])}
    assert edges == {PAGE_BACKGROUND}, f"{shot}: something runs off an edge"
    return rows


def _with_images(site: Path, slugs: list[str]) -> None:
    for slug in slugs:
        (site / "content" / "talk" / slug / "featured.png").write_bytes(png(1600, 900))


def _served_images(out: Path, root: Path) -> None:
    """Put each talk's image where its absolute URL (below the served root) points."""
    for item in json.loads((out / "feed.json").read_text())["items"]:
        if "image" in item:
            path = root / item["image"].split("/", 3)[3]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(png(1600, 900))


@pytest.fixture(scope="module")
def languages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A French site (jplecavalier's, its talks given images) and an Arabic one, served below one
    root, each built with that root's URL as its base URL, its images where their URLs point."""
    root = tmp_path_factory.mktemp("languages")
    french = root / "sites" / "fr"
    shutil.copytree(ROOT / "fixtures" / "corpus" / "jplecavalier__personal-website", french)
    _with_images(french, [path.name for path in (french / "content" / "talk").iterdir() if path.is_dir()])
    talk = (
        "---\ntitle: محاضرة {0}\npublishDate: 2024-05-0{1}\ndate: 2024-06-0{1}T14:00:00+03:00\n"
        "event: يوم البيانات\nlocation: القاهرة\nauthors: [أحمد, ليلى]\ntags: [بيانات]\n---\nنص المحاضرة.\n"
    )
    config = 'baseURL = "https://example.org/"\ntitle = "المختبر"\nlanguageCode = "ar"\n'
    pages = {f"t{index}/index.md": talk.format(index, index + 1) for index in range(3)}
    arabic = make_site(root / "sites", pages, config, name="ar")
    _with_images(arabic, ["t0", "t1", "t2"])
    with serving(root) as url:
        for site, name in ((french, "fr"), (arabic, "ar")):
            out = root / name
            result = run_cli(
                ["build", site, "-o", out, "--base-url", url, "--now", FIXED_NOW, "-q", "--no-cache"]
            )
            assert result.exit_code == 0, result.stderr
            _served_images(out, root)
        yield root, url


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("name", ["fr", "ar"], ids=["french", "arabic"])
def test_a_page_in_another_language_reads_at_every_width(
    languages: tuple[Path, str], name: str, size: tuple[int, int]
) -> None:
    root, url = languages
    page_url = f"{url}{name}/{PAGE_NAME}"
    shoot(root, page_url, f"page-{name}-{size[0]}.png", size)
    layout = measured(root / name / PAGE_NAME, page_url, size)
    assert layout["overflow"] <= 0
    assert layout["direction"] == ("rtl" if name == "ar" else "ltr")
    assert layout["images"], "the talks' images are shown"
    for image in layout["images"]:
        assert 0 < image["width"] <= min(240, 0.4 * layout["width"] + 1) and 0 < image["height"] <= 160
        # A card's image stands at the end of the line: the right in French, the left in Arabic.
        assert (image["middle"] < image["articleMiddle"]) == (name == "ar")


def test_about_html_keeps_every_key_whole_on_a_phone(languages: tuple[Path, str]) -> None:
    root, url = languages
    shoot(root, f"{url}fr/{ABOUT_NAME}", "about-phone.png", PHONE)
    layout = measured(root / "fr" / ABOUT_NAME, f"{url}fr/{ABOUT_NAME}", PHONE)
    assert layout["broken"] == [] and layout["overflow"] <= 0


def test_talks_with_images_print_several_to_a_page(tmp_path: Path) -> None:
    """Images at a card's size: twelve talks with wide photos once printed as seven pages."""
    pages = {
        f"t{index:02}/index.md": f"---\ntitle: Talk {index}\npublishDate: 2024-01-{index + 1:02}\n"
        f"date: 2024-02-{index + 1:02}\nsummary: A summary of talk {index}, in a sentence or two.\n---\n"
        for index in range(12)
    }
    site = make_site(tmp_path, pages)
    _with_images(site, sorted(name.split("/")[0] for name in pages))
    root = tmp_path / "served"
    with serving(root) if root.mkdir() is None else contextlib.nullcontext("") as url:
        out = root / "talks"
        result = run_cli(["build", site, "-o", out, "--base-url", url, "-q", "--now", FIXED_NOW])
        assert result.exit_code == 0, result.stderr
        _served_images(out, root)
        text = printed(tmp_path, f"{url}talks/{PAGE_NAME}")
    assert text.count("Talk ") >= 12
    assert text.count("\f") <= 4


def printed(folder: Path, url: str) -> str:
    """The text of a page as Chromium prints it, a form feed after each printed page."""
    if not PDFTOTEXT.is_file():
        pytest.skip(f"{PDFTOTEXT} is missing (install poppler-utils with .ci/install-browser)")
    pdf = folder / f"print-{abs(hash(url))}.pdf"
    chromium(folder / f"profile-{pdf.stem}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url)
    return subprocess.run([str(PDFTOTEXT), str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_a_feed_without_talks_says_so_in_the_browser(demo_feeds: Path) -> None:
    """At the golden files' clock no demo talk is still to come."""
    assert b"<item>" not in (demo_feeds / "upcoming" / "index.xml").read_bytes()
    for name in ("upcoming/index.xml", "upcoming/atom.xml"):
        text = rendered_text(demo_feeds, (demo_feeds / name).as_uri())
        assert "This is a feed." in text
        assert "This feed has no talks at the moment." in text
    assert "This feed has no talks" not in rendered_text(demo_feeds, (demo_feeds / "index.xml").as_uri())
