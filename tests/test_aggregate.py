"""One feed for a group: several Hugo sites read on their own and published as one set of feeds."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from talkfeed.model import Entry
from talkfeed.select.shared import merged, shared_talks

from conftest import ROOT, make_site, run_cli, settle

LAB = ROOT / "fixtures" / "lab"
CORPUS = ROOT / "fixtures" / "corpus"
NOW = "2026-07-01T00:00:00+0000"
LAB_URL = "https://lab.example.org/talks/"
ATOM = "{http://www.w3.org/2005/Atom}"

# Three corpus sites with different languages (en, fr with its own folder, en + zh) and
# permalink settings (events -> /talk/:slug/, none, none), and the base URL each needs.
TRIO = {
    "thomwiggers__thomwiggers.nl": "https://thomwiggers.nl/",
    "jplecavalier__personal-website": None,
    "jaspershen__shen": None,
}


def _build(arguments: list[object], out: Path) -> str:
    result = run_cli(["build", *arguments, "-o", out, "--now", NOW, "-q"])
    assert result.exit_code == 0, result.stderr
    return result.stderr


def _items(out: Path) -> list[dict[str, object]]:
    items: list[dict[str, object]] = json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"]
    return items


@pytest.fixture
def lab_feeds(tmp_path: Path) -> Path:
    out = tmp_path / "lab"
    _build([LAB], out)
    return out


def test_a_talk_two_sites_publish_is_one_item_with_both_speakers_and_both_pages(lab_feeds: Path) -> None:
    items = {item["id"]: item for item in _items(lab_feeds)}
    assert len(items) == 4  # six pages, two of them a second site's page of a talk
    shared = items["https://alice.example.org/talk/graph-kernels/"]
    assert [author["name"] for author in shared["authors"]] == ["Alice Adams", "Bob Brown"]  # type: ignore[index]
    assert shared["_talk"]["sources"] == [  # type: ignore[index]
        {
            "name": "Alice Adams",
            "url": "https://alice.example.org/",
            "page": "https://alice.example.org/talk/graph-kernels/",
        },
        {
            "name": "Bob Brown",
            "url": "https://bob.example.net/",
            "page": "https://bob.example.net/talks/2026/graph-kernels/",
        },
    ]
    # Updated when the later page was published; tags of both.
    assert shared["date_modified"] == "2026-02-20T12:00:00+00:00"
    assert shared["tags"] == ["graphs", "kernels", "graph learning"]
    html = str(shared["content_html"])
    assert 'href="https://bob.example.net/talks/2026/graph-kernels/">Bob Brown</a>' in html


def test_every_feed_reader_sees_each_talk_once_credited_to_its_sites(lab_feeds: Path) -> None:
    rss = feedparser.parse((lab_feeds / "index.xml").read_bytes())
    atom = feedparser.parse((lab_feeds / "atom.xml").read_bytes())
    assert not rss.bozo and not atom.bozo
    for feed in (rss, atom):
        assert feed.feed.title == "Talks of the Example Lab"
        assert feed.feed.link == LAB_URL
        assert len(feed.entries) == 4
        ids = [entry.id for entry in feed.entries]
        assert len(set(ids)) == 4
    sparse = next(
        entry for entry in atom.entries if entry.id == "https://alice.example.org/talk/sparse-coding/"
    )
    credits = {(tag.term, tag.scheme) for tag in sparse.tags if tag.scheme}
    assert credits == {
        ("Alice Adams", "https://alice.example.org/"),
        ("Carol Cruz", "https://carol.example.de/"),
    }
    calendar = (lab_feeds / "talks.ics").read_text(encoding="utf-8")
    assert calendar.count("BEGIN:VEVENT") == 4
    page = (lab_feeds / "index.html").read_text(encoding="utf-8")
    assert page.count("<article>") == 4
    assert '<a href="https://carol.example.de/vortrag/sparse-coding-for-audio/">Carol Cruz</a>' in page


def test_the_feeds_declare_no_language_when_the_sites_differ(lab_feeds: Path) -> None:
    """Alice and Bob publish English, Carol German: one language for all would be wrong."""
    assert "language" not in json.loads((lab_feeds / "feed.json").read_text(encoding="utf-8"))
    assert etree.parse(str(lab_feeds / "index.xml")).find("channel/language") is None
    assert '<html lang="' not in (lab_feeds / "index.html").read_text(encoding="utf-8")


def test_the_id_stays_the_earliest_pages_when_a_second_site_lists_the_talk_later(tmp_path: Path) -> None:
    alice, bob = LAB / "alice", LAB / "bob"
    other, _ = _two_sites(tmp_path)
    _build([alice, other, "--base-url", LAB_URL], tmp_path / "before")
    before = {item["title"]: item["id"] for item in _items(tmp_path / "before")}
    # Bob's site, added to the list after Alice's, lists the talk too: Alice's id stays.
    _build([alice, other, bob, "--base-url", LAB_URL], tmp_path / "after")
    after = {item["title"]: item["id"] for item in _items(tmp_path / "after")}
    assert after["Graph Kernels at Scale"] == before["Graph Kernels at Scale"]
    assert after["Graph Kernels at Scale"] == "https://alice.example.org/talk/graph-kernels/"
    assert "Graph kernels at scale" not in after


def test_check_names_the_pages_it_merges_and_why() -> None:
    result = run_cli(["check", LAB])
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "published once" in line]
    assert len(lines) == 2
    by_event = next(line for line in lines if "graph-kernels" in line)
    assert "alice/content/talk/graph-kernels/index.md = " in by_event
    assert "bob/content/talk/graph-kernels-workshop/index.md" in by_event
    assert by_event.endswith("(same event page and start; same title and start day)")
    by_title = next(line for line in lines if "sparse-coding" in line)
    assert "carol/content/events/shared-seminar/index.md" in by_title
    assert by_title.endswith("(same title and start day)")


def test_per_source_writes_a_set_of_feeds_per_site(tmp_path: Path) -> None:
    out = tmp_path / "lab"
    _build([LAB, "--per", "source"], out)
    folders = sorted(path.name for path in (out / "sources").iterdir())
    assert folders == ["alice-adams", "bob-brown", "carol-cruz"]
    bob = json.loads((out / "sources" / "bob-brown" / "feed.json").read_text(encoding="utf-8"))
    assert bob["title"] == "Talks from Bob Brown — Talks of the Example Lab"
    assert bob["feed_url"] == LAB_URL + "sources/bob-brown/feed.json"
    # The talk Bob gives with Alice is in his feed too, as the one item it is everywhere (Alice's).
    assert [item["id"] for item in bob["items"]] == [
        "https://alice.example.org/talk/graph-kernels/",
        "https://bob.example.net/talks/2026/robust-optimisation-under-uncertainty/",
    ]
    carol = json.loads((out / "sources" / "carol-cruz" / "feed.json").read_text(encoding="utf-8"))
    assert len(carol["items"]) == 2


def _trio_sources(tmp_path: Path) -> Path:
    """A run config aggregating the three corpus sites, as a lab would write it (outside the
    sites, so it is named with --config)."""
    folder = tmp_path / "group"
    folder.mkdir()
    entries = []
    for name, base in TRIO.items():
        entry = f'[[sources]]\npath = "{CORPUS / name}"\n'
        entries.append(entry + (f'base-url = "{base}"\n' if base else ""))
    config = f'base-url = "{LAB_URL}"\nskip-invalid = true\n\n' + "\n".join(entries)
    (folder / "talkfeed.toml").write_text(config, encoding="utf-8")
    return folder / "talkfeed.toml"


def test_three_corpus_sites_give_the_union_of_their_own_feeds(tmp_path: Path) -> None:
    group = _trio_sources(tmp_path)
    _build(["--config", group, "--skip-invalid", "--limit", "1000"], tmp_path / "all")
    together = {item["id"]: item for item in _items(tmp_path / "all")}
    alone: dict[object, dict[str, object]] = {}
    for name, base in TRIO.items():
        out = tmp_path / name
        _build(
            [CORPUS / name, "--skip-invalid", "--limit", "1000", *(["--base-url", base] if base else [])], out
        )
        own = {item["id"]: item for item in _items(out)}
        assert own, name
        alone.update(own)
    # These sites share no talk: every item of each site, linked as on its own site, once.
    assert set(together) == set(alone)
    for key, item in together.items():
        assert item["url"] == alone[key]["url"]
        assert item["title"] == alone[key]["title"]
        assert item["date_published"] == alone[key]["date_published"]
    order = [item["date_published"] for item in _items(tmp_path / "all")]
    assert [datetime.fromisoformat(str(each)) for each in order] == sorted(
        (datetime.fromisoformat(str(each)) for each in order), reverse=True
    )
    atom = etree.parse(str(tmp_path / "all" / "atom.xml")).getroot()
    assert atom.find(f"{ATOM}id").text == LAB_URL + "atom.xml"


GOOD_PAGE = """---
title: "{title}"
date: 2026-02-03T10:00:00Z
publishDate: 2026-01-02T00:00:00Z
authors: [{author}]
---
Text.
"""


def _two_sites(tmp_path: Path) -> tuple[Path, Path]:
    first = make_site(
        tmp_path,
        {"one/index.md": GOOD_PAGE.format(title="One", author="Ann")},
        config='baseURL = "https://ann.example.org/"\ntitle = "Ann"\n',
        name="ann",
    )
    second = make_site(
        tmp_path,
        {
            "two/index.md": GOOD_PAGE.format(title="Two", author="Ben"),
            "three/index.md": GOOD_PAGE.format(title="Three", author="Ben"),
        },
        config='baseURL = "https://ben.example.org/"\ntitle = "Ben"\n',
        name="ben",
    )
    return first, second


def test_a_missing_source_is_an_error_naming_it_and_leaves_the_outputs_alone(tmp_path: Path) -> None:
    first, second = _two_sites(tmp_path)
    out = tmp_path / "out"
    _build([first, second, "--base-url", LAB_URL], out)
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    missing = tmp_path / "gone"
    result = run_cli(["build", first, missing, second, "--base-url", LAB_URL, "-o", out, "--now", NOW])
    assert result.exit_code == 1
    assert str(missing) in result.stderr
    assert "Traceback" not in result.stderr
    assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == before


def test_skip_invalid_drops_a_missing_source_with_a_warning(tmp_path: Path) -> None:
    first, second = _two_sites(tmp_path)
    missing = tmp_path / "gone"
    out = tmp_path / "out"
    result = run_cli(
        ["build", first, missing, second, "--base-url", LAB_URL, "-o", out, "--now", NOW, "--skip-invalid"]
    )
    assert result.exit_code == 0, result.stderr
    warning = next(line for line in result.stderr.splitlines() if str(missing) in line)
    assert "warning" in warning and "left out" in warning
    assert sorted(item["title"] for item in _items(out)) == ["One", "Three", "Two"]


def test_a_source_with_page_errors_stops_the_build_naming_that_sites_page(tmp_path: Path) -> None:
    first, second = _two_sites(tmp_path)
    (second / "content" / "talk" / "broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli(["build", first, second, "--base-url", LAB_URL, "-o", out, "--now", NOW])
    assert result.exit_code == 1
    error = next(line for line in result.stderr.splitlines() if "broken.md" in line)
    assert error.startswith(f"{second.as_posix()}/content/talk/broken.md:")
    assert not out.exists() or not any(out.glob("*.xml"))
    result = run_cli(
        ["build", first, second, "--base-url", LAB_URL, "-o", out, "--now", NOW, "--skip-invalid"]
    )
    assert result.exit_code == 0, result.stderr
    assert sorted(item["title"] for item in _items(out)) == ["One", "Three", "Two"]


def test_a_change_in_one_source_reads_only_that_sources_changed_page(
    tmp_path: Path, reads: list[Path]
) -> None:
    first, second = _two_sites(tmp_path)
    settle()
    out = tmp_path / "out"
    _build([first, second, "--base-url", LAB_URL], out)
    assert len(reads) == 3
    reads.clear()
    _build([first, second, "--base-url", LAB_URL], out)
    assert reads == []
    changed = second / "content" / "talk" / "two" / "index.md"
    changed.write_text(GOOD_PAGE.format(title="Two, revised", author="Ben"), encoding="utf-8")
    settle()
    _build([first, second, "--base-url", LAB_URL], out)
    assert reads == [changed]
    assert sorted(item["title"] for item in _items(out)) == ["One", "Three", "Two, revised"]


def test_an_aggregate_needs_the_url_it_is_served_at(tmp_path: Path) -> None:
    first, second = _two_sites(tmp_path)
    result = run_cli(["build", first, second, "-o", tmp_path / "out"])
    assert result.exit_code == 1
    assert "needs --base-url" in result.stderr


def test_a_sources_entry_with_an_unknown_key_names_the_run_config(tmp_path: Path) -> None:
    folder = tmp_path / "group"
    folder.mkdir()
    (folder / "talkfeed.toml").write_text('[[sources]]\npath = "a"\nbaseurl = "x"\n', encoding="utf-8")
    result = run_cli(["build", folder])
    assert result.exit_code == 1
    assert str(folder / "talkfeed.toml") in result.stderr
    assert "unknown key 'baseurl'" in result.stderr


def test_a_source_without_a_base_url_is_told_to_set_one_in_its_entry(tmp_path: Path) -> None:
    first, _ = _two_sites(tmp_path)
    relative = make_site(
        tmp_path, {"x.md": GOOD_PAGE.format(title="X", author="Cy")}, 'baseURL = "/"\n', "cy"
    )
    result = run_cli(["build", first, relative, "--base-url", LAB_URL, "-o", tmp_path / "out"])
    assert result.exit_code == 1
    assert "give it a base-url in a [[sources]] entry of talkfeed.toml" in result.stderr


def test_the_same_site_aggregated_and_alone_keeps_its_own_cache(tmp_path: Path, reads: list[Path]) -> None:
    """The aggregate's parts credit the site; the site's own build must not lose its cache to it."""
    first, second = _two_sites(tmp_path)
    settle()
    _build([first], tmp_path / "alone")
    _build([first, second, "--base-url", LAB_URL], tmp_path / "together")
    reads.clear()
    _build([first], tmp_path / "alone")
    _build([first, second, "--base-url", LAB_URL], tmp_path / "together")
    assert reads == []


def test_a_page_not_yet_published_joins_no_talk(tmp_path: Path) -> None:
    """On 1 March Carol's page of Alice's seminar (out 15 April) is not published: no trace of it."""
    out = tmp_path / "lab"
    result = run_cli(["build", LAB, "-o", out, "--now", "2026-03-01T00:00:00+0000", "-q"])
    assert result.exit_code == 0, result.stderr
    feed = json.loads((out / "feed.json").read_text(encoding="utf-8"))
    sparse = next(item for item in feed["items"] if item["id"].endswith("/sparse-coding/"))
    assert [author["name"] for author in sparse["authors"]] == ["Alice Adams"]
    assert [source["name"] for source in sparse["_talk"]["sources"]] == ["Alice Adams"]
    assert "carol.example.de/vortrag/sparse-coding" not in (out / "index.xml").read_text(encoding="utf-8")


def _page(title: str, start: str, published: str, extra: str = "") -> str:
    return f'---\ntitle: "{title}"\ndate: {start}\npublishDate: {published}\n{extra}---\nText.\n'


def _site(tmp_path: Path, name: str, pages: dict[str, str], base: str | None = None) -> Path:
    config = f'baseURL = "{base or f"https://{name}.example.org/"}"\ntitle = "{name.title()}"\n'
    return make_site(tmp_path, pages, config=config, name=name)


def test_a_draft_that_was_first_does_not_become_the_item(tmp_path: Path) -> None:
    draft = _site(
        tmp_path, "dee", {"shared/index.md": _page("Shared", "2026-05-05", "2026-01-01", "draft: true\n")}
    )
    public = _site(tmp_path, "eve", {"shared/index.md": _page("Shared", "2026-05-05", "2026-02-01")})
    _build([draft, public, "--base-url", LAB_URL], tmp_path / "out")
    assert [item["id"] for item in _items(tmp_path / "out")] == ["https://eve.example.org/talk/shared/"]


def test_two_pages_of_one_site_stay_two_talks_even_through_a_third(tmp_path: Path) -> None:
    start = "2026-05-05T10:00:00Z"
    event = 'event_url: "https://conf.example.com/"\n'
    first = _site(
        tmp_path,
        "fay",
        {
            "x/index.md": _page("Talk X", start, "2026-01-01"),
            "y/index.md": _page("Talk Y", start, "2026-01-02", event),
        },
    )
    second = _site(tmp_path, "gus", {"z/index.md": _page("Talk X", start, "2026-01-03", event)})
    _build([first, second, "--base-url", LAB_URL], tmp_path / "out")
    assert sorted(item["title"] for item in _items(tmp_path / "out")) == ["Talk X", "Talk Y"]
    check = run_cli(["check", first, second])
    [line] = [line for line in check.stderr.splitlines() if "published once" in line]
    assert "fay/content/talk/y/" not in line


def test_two_talks_at_one_conference_on_one_day_stay_two(tmp_path: Path) -> None:
    event = 'event_url: "https://conf.example.com/2026/"\n'
    first = _site(
        tmp_path, "hal", {"q/index.md": _page("Quantum Widgets", "2026-12-07", "2026-01-01", event)}
    )
    second = _site(
        tmp_path, "ida", {"c/index.md": _page("Classical Gadgets", "2026-12-07", "2026-01-01", event)}
    )
    _build([first, second, "--base-url", LAB_URL], tmp_path / "out")
    assert len(_items(tmp_path / "out")) == 2


def test_two_sites_with_one_base_url_do_not_publish_one_id_twice(tmp_path: Path) -> None:
    base = "https://example.com/"
    first = _site(tmp_path, "jo", {"intro/index.md": _page("Intro to A", "2026-05-05", "2026-01-01")}, base)
    second = _site(tmp_path, "kim", {"intro/index.md": _page("Intro to B", "2026-06-06", "2026-01-02")}, base)
    out = tmp_path / "out"
    result = run_cli(
        ["build", first, second, "--base-url", LAB_URL, "-o", out, "--now", NOW, "--skip-invalid"]
    )
    assert result.exit_code == 0, result.stderr
    assert [item["title"] for item in _items(out)] == ["Intro to A"]
    warning = next(line for line in result.stderr.splitlines() if "is also the id of" in line)
    assert "kim/content/talk/intro/index.md" in warning and "jo/content/talk/intro/index.md" in warning
    assert (out / "talks.ics").read_text(encoding="utf-8").count("BEGIN:VEVENT") == 1


def test_labels_without_a_slug_of_their_own_are_told_apart(tmp_path: Path) -> None:
    first, second = _two_sites(tmp_path)
    third = _site(tmp_path, "lu", {"l/index.md": _page("L", "2026-05-05", "2026-01-01")})
    folder = tmp_path / "group"
    folder.mkdir()
    entries = "".join(
        f'[[sources]]\npath = "{site}"\nlabel = "{label}"\n'
        for site, label in ((first, "!!!"), (second, "Lab!"), (third, "lab"))
    )
    (folder / "talkfeed.toml").write_text(
        f'base-url = "{LAB_URL}"\nper = ["source"]\n' + entries, encoding="utf-8"
    )
    _build(["--config", folder / "talkfeed.toml"], tmp_path / "out")
    assert sorted(path.name for path in (tmp_path / "out" / "sources").iterdir()) == ["-1", "lab", "lab-3"]


def test_one_site_given_twice_is_refused(tmp_path: Path) -> None:
    first, _ = _two_sites(tmp_path)
    for twice in ([first, first], [first, first / "content" / "talk"]):
        result = run_cli(["build", *twice, "--base-url", LAB_URL, "-o", tmp_path / "out"])
        assert result.exit_code == 1
        assert "overlap" in result.stderr
        assert not (tmp_path / "out").exists()


def test_a_source_path_through_a_parent_folder_is_read(tmp_path: Path) -> None:
    first, second = _two_sites(tmp_path)
    roundabout = second / ".." / first.name
    _build([roundabout, second, "--base-url", LAB_URL], tmp_path / "out")
    assert sorted(item["title"] for item in _items(tmp_path / "out")) == ["One", "Three", "Two"]


def test_several_sources_on_the_command_line_read_no_run_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _two_sites(tmp_path)
    (tmp_path / "talkfeed.toml").write_text("this is = not [ toml\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for command in (["check"], ["list"]):
        result = run_cli([*command, first, second])
        assert result.exit_code == 0, result.stderr


def test_check_of_sites_in_several_languages_names_no_one_language(tmp_path: Path) -> None:
    first, _ = _two_sites(tmp_path)
    german = make_site(
        tmp_path,
        {"d/index.md": _page("D", "2026-05-05", "2030-01-01")},
        config='baseURL = "https://de.example.org/"\ndefaultContentLanguage = "de"\n',
        name="de",
    )
    result = run_cli(["check", first, german])
    assert result.exit_code == 0, result.stderr
    assert "left out of the feeds by default: 1 future" in result.stdout


def _entry(
    source: int, path: str, title: str, start: object, event_url: str | None = None, day: int = 1
) -> Entry:
    published = datetime(2026, 1, day, tzinfo=UTC)
    return Entry(
        path=path,
        lang="en",
        url_path=f"talk/{path}/",
        title=title,
        draft=False,
        published=published,
        modified=None,
        expires=None,
        start=start,  # type: ignore[arg-type]
        tags=(),
        authors=(f"Speaker {source}",),
        event_url=event_url,
        source=source,
    )


def test_the_same_instant_in_two_offsets_and_the_same_event_page_is_one_talk() -> None:
    start = datetime(2026, 3, 12, 14, 0, tzinfo=UTC)
    there = start.astimezone(timezone(timedelta(hours=-5)))
    talks = [
        _entry(0, "a", "A title", start, "https://Example.com/event/", day=2),
        _entry(1, "b", "Another title", there, "https://example.com/event"),
    ]
    [group] = shared_talks(talks)
    assert [talk.key for talk in group.talks] == [(0, "a"), (1, "b")]  # the source listed first first
    assert group.reason == "same event page and start"
    [one] = merged(talks, [group])
    assert one.key == (0, "a") and one.authors == ("Speaker 0", "Speaker 1")


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        (
            ("Graph Kernels: at Scale!", date(2026, 3, 12)),
            ("graph kernels at scale", date(2026, 3, 12)),
            True,
        ),
        (("Graph Kernels", date(2026, 3, 12)), ("Graph Kernels", date(2026, 3, 13)), False),
        (("Graph Kernels", date(2026, 3, 12)), ("Graph Kernels II", date(2026, 3, 12)), False),
        (("Keynote", None), ("Keynote", None), False),
    ],
    ids=["title-loosely", "another-day", "another-title", "no-start"],
)
def test_titles_match_loosely_on_the_same_start_day(
    first: tuple[str, date | None], second: tuple[str, date | None], same: bool
) -> None:
    talks = [_entry(0, "a", *first), _entry(1, "b", *second)]
    assert bool(shared_talks(talks)) is same


def test_two_pages_of_one_site_are_two_talks_as_the_site_says() -> None:
    start = date(2026, 3, 12)
    assert shared_talks([_entry(0, "a", "Same", start), _entry(0, "b", "Same", start)]) == []


def test_the_readme_shows_what_check_says_of_the_lab(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("$ talkfeed check fixtures/lab\n", 1)[1].split("```", 1)[0].splitlines()
    monkeypatch.chdir(ROOT)
    result = run_cli(["check", "fixtures/lab"])
    assert result.exit_code == 0
    assert shown == result.stderr.splitlines() + result.stdout.splitlines()


def test_the_lab_fixture_builds_into_the_folder_its_run_config_names(tmp_path: Path) -> None:
    copy = tmp_path / "lab"
    shutil.copytree(LAB, copy)
    result = run_cli(["build", copy, "--now", NOW, "-q"])
    assert result.exit_code == 0, result.stderr
    assert (copy / "public" / "index.xml").is_file()


def test_a_rebuild_after_changes_in_two_sources_writes_what_a_fresh_build_writes(tmp_path: Path) -> None:
    """Files are spliced from the old ones where talks did not change: across sources and shared talks too."""
    lab = tmp_path / "lab"
    shutil.copytree(LAB, lab)
    _build([lab], tmp_path / "out")
    robust = lab / "bob" / "content" / "talk" / "robust-optimisation" / "index.md"
    robust.write_text(robust.read_text(encoding="utf-8").replace("Boston", "Chicago"), encoding="utf-8")
    shared = lab / "carol" / "content" / "events" / "shared-seminar" / "index.md"
    shared.write_text(
        shared.read_text(encoding="utf-8").replace("Carol Cruz", "Carol C. Cruz"), encoding="utf-8"
    )
    _build([lab], tmp_path / "out")
    _build([lab, "--no-cache"], tmp_path / "fresh")
    rebuilt = {
        path.relative_to(tmp_path / "out"): path.read_bytes() for path in (tmp_path / "out").rglob("*.*")
    }
    fresh = {
        path.relative_to(tmp_path / "fresh"): path.read_bytes() for path in (tmp_path / "fresh").rglob("*.*")
    }
    assert rebuilt == fresh
    assert b"Chicago" in rebuilt[Path("index.xml")] and b"Carol C. Cruz" in rebuilt[Path("feed.json")]


def _member(tmp_path: Path, name: str, base: str, title: str, pages: dict[str, str]) -> Path:
    return make_site(tmp_path, pages, config=f'baseURL = "{base}"\ntitle = "{title}"\n', name=name)


def _talk(title: str, published: str, extra: str = "") -> str:
    summary = f"{title}: the summary."
    return f'---\ntitle: "{title}"\npublishDate: {published}\nsummary: "{summary}"\n{extra}---\nText.\n'


def _takeover(tmp_path: Path) -> tuple[Path, Path]:
    """Alice's site, and Mallory's: her base URL and title copied, her intro back-dated to 1971."""
    alice = _member(
        tmp_path,
        "alice",
        "https://alice.example/",
        "Alice Adams",
        {"intro/index.md": _talk("Intro", "2024-03-01")},
    )
    mallory = _member(
        tmp_path,
        "mallory",
        "https://alice.example/",
        "Alice Adams",
        {
            "intro/index.md": _talk("Forged intro", "1971-01-01"),
            "other/index.md": _talk("Other", "2024-01-01"),
        },
    )
    return alice, mallory


def test_a_source_cannot_take_another_sources_id_by_copying_its_base_url(tmp_path: Path) -> None:
    alice, mallory = _takeover(tmp_path)
    out = tmp_path / "out"
    result = run_cli(["build", alice, mallory, "--base-url", LAB_URL, "-o", out, "--now", NOW, "-q"])
    assert result.exit_code == 1
    intro = next(line for line in result.stderr.splitlines() if "mallory/content/talk/intro/index.md" in line)
    assert ": error: its id https://alice.example/talk/intro/ is also the id of " in intro
    assert "alice/content/talk/intro/index.md" in intro
    assert '"Alice Adams" (' in intro and '"Alice Adams (2)" (' in intro
    other = next(line for line in result.stderr.splitlines() if "mallory/content/talk/other/index.md" in line)
    assert "lies at the address of source" in other
    assert "nothing was written" in result.stderr
    assert not out.exists() or not (out / "feed.json").exists()


def test_skip_invalid_keeps_the_first_sources_page_and_names_the_other_under_quiet(tmp_path: Path) -> None:
    alice, mallory = _takeover(tmp_path)
    out = tmp_path / "out"
    result = run_cli(
        ["build", alice, mallory, "--base-url", LAB_URL, "-o", out, "--now", NOW, "-q", "--skip-invalid"]
    )
    assert result.exit_code == 0, result.stderr
    [item] = _items(out)
    assert (item["id"], item["title"]) == ("https://alice.example/talk/intro/", "Intro")
    assert [source["name"] for source in item["_talk"]["sources"]] == ["Alice Adams"]  # type: ignore[index]
    assert (
        "mallory/content/talk/intro/index.md: error: its id https://alice.example/talk/intro/"
        in result.stderr
    )
    assert "Forged" not in "".join(
        path.read_text(encoding="utf-8") for path in out.rglob("*") if path.is_file()
    )


def test_a_back_dated_copy_of_a_talk_does_not_replace_its_text(tmp_path: Path) -> None:
    same = 'date: 2026-05-05T10:00:00Z\nevent_url: "https://conf.example.com/2026/"\n'
    alice = _member(
        tmp_path,
        "alice",
        "https://alice.example/",
        "Alice Adams",
        {"kernels/index.md": _talk("Graph Kernels", "2026-03-01", same)},
    )
    mallory = _member(
        tmp_path,
        "mallory",
        "https://mallory.example/",
        "Mallory",
        {"copy/index.md": _talk("Buy my course", "1971-01-01", same)},
    )
    _build([alice, mallory, "--base-url", LAB_URL], tmp_path / "out")
    [item] = _items(tmp_path / "out")
    assert item["id"] == item["url"] == "https://alice.example/talk/kernels/"
    assert item["title"] == "Graph Kernels"
    assert item["summary"] == "Graph Kernels: the summary."
    assert "Buy my course" not in json.dumps(item)


def test_the_item_of_a_shared_talk_is_the_page_of_the_source_listed_first(tmp_path: Path) -> None:
    same = 'date: 2026-05-05T10:00:00Z\nevent_url: "https://conf.example.com/2026/"\n'
    first = _member(
        tmp_path,
        "first",
        "https://first.example/",
        "First",
        {"a/index.md": _talk("Talk A", "2026-04-01", same)},
    )
    second = _member(
        tmp_path,
        "second",
        "https://second.example/",
        "Second",
        {"b/index.md": _talk("Talk B", "2026-01-01", same)},
    )
    _build([first, second, "--base-url", LAB_URL], tmp_path / "one")
    _build([second, first, "--base-url", LAB_URL], tmp_path / "two")
    assert [item["title"] for item in _items(tmp_path / "one")] == ["Talk A"]
    assert [item["title"] for item in _items(tmp_path / "two")] == ["Talk B"]


def test_a_site_below_another_sites_address_keeps_its_own_pages(tmp_path: Path) -> None:
    lab = _member(
        tmp_path, "lab", "https://lab.example/", "Lab", {"seminar/index.md": _talk("Seminar", "2026-01-01")}
    )
    member = _member(
        tmp_path,
        "member",
        "https://lab.example/people/ann/",
        "Ann",
        {"thesis/index.md": _talk("Thesis", "2026-01-02")},
    )
    _build([lab, member, "--base-url", LAB_URL], tmp_path / "out")
    assert sorted(item["id"] for item in _items(tmp_path / "out")) == [
        "https://lab.example/people/ann/talk/thesis/",
        "https://lab.example/talk/seminar/",
    ]


def test_a_page_into_a_member_sites_address_is_refused(tmp_path: Path) -> None:
    lab = _member(
        tmp_path,
        "lab",
        "https://lab.example/",
        "Lab",
        {"fake/index.md": _talk("Fake", "2026-01-01", 'url: "/people/ann/talk/fake/"\n')},
    )
    member = _member(
        tmp_path, "member", "https://lab.example/people/ann/", "Ann", {"t/index.md": _talk("T", "2026-01-02")}
    )
    result = run_cli(["check", lab, member])
    assert result.exit_code == 1
    assert (
        "lab/content/talk/fake/index.md: error: its id https://lab.example/people/ann/talk/fake/ lies at"
        in (result.stderr)
    )
