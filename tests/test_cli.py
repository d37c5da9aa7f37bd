"""The command line as a user and a cron job meet it: exit codes, messages, files left alone."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from talkfeed import __version__

from _unprivileged import run_bound
from conftest import DEMO_SITE, FIXED_NOW, ROOT, run_cli, settle

FEEDS = ("index.xml", "atom.xml", "feed.json")
EVERY_OUTPUT = sorted(
    [
        "about.html",
        "atom.xml",
        "feed.css",
        "feed.json",
        "index.html",
        "index.xml",
        "talks.ics",
        "upcoming.ics",
        *(f"upcoming/{name}" for name in FEEDS),
    ]
)


def _site(tmp_path: Path, pages: dict[str, str], config: str | None = None) -> Path:
    site = tmp_path / "site"
    (site / "content" / "talk").mkdir(parents=True)
    (site / "hugo.toml").write_text(
        config if config is not None else 'baseURL = "https://example.org/"\ntitle = "Lab"\n'
    )
    for name, text in pages.items():
        path = site / "content" / "talk" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return site


GOOD = "---\ntitle: Good talk\npublishDate: 2024-05-01T10:00:00Z\nsummary: Fine.\n---\nBody.\n"
BAD_DATE = "---\ntitle: Bad talk\ntime_start: next tuesday\npublishDate: 2024-05-01\n---\n"
BAD_YAML = "---\ntitle: [unclosed\npublishDate: 2024-05-01\n---\n"


def test_build_writes_every_output_and_reports_each(tmp_path: Path) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD})
    out = tmp_path / "out"
    result = run_cli(["build", site, "-o", out])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"updated {out / name}" for name in EVERY_OUTPUT]
    assert result.stderr == ""


def test_format_option_chooses_the_files(tmp_path: Path) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD})
    out = tmp_path / "out"
    result = run_cli(["build", site, "-o", out, "--format", "json", "--format", "ics"])
    assert result.exit_code == 0
    written = sorted(line.split(" ", 1)[1] for line in result.stdout.splitlines())
    assert written == sorted(
        str(out / name)
        for name in ["about.html", "feed.json", "talks.ics", "upcoming.ics", "upcoming/feed.json"]
    )


def test_quiet_build_prints_nothing(tmp_path: Path) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD})
    result = run_cli(["build", site, "-o", tmp_path / "out", "-q"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_bad_page_fails_build_naming_file_line_and_fix(tmp_path: Path) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD, "bad/index.md": BAD_DATE})
    result = run_cli(["build", site, "-o", tmp_path / "out"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (
        'content/talk/bad/index.md:3: error: time_start "next tuesday" is not a date '
        "(use 2024-05-01 or 2024-05-01T14:00:00Z)"
    ) in result.stderr.splitlines()
    assert "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_bad_page_is_reported_in_one_run(tmp_path: Path) -> None:
    site = _site(tmp_path, {"a/index.md": BAD_DATE, "b/index.md": BAD_YAML, "c/index.md": GOOD})
    result = run_cli(["check", site])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert [line.split(":")[0] for line in errors] == ["content/talk/a/index.md", "content/talk/b/index.md"]
    assert errors[1].startswith("content/talk/b/index.md:3: error: front matter is not valid YAML")


def test_failed_build_leaves_existing_feeds_byte_for_byte(tmp_path: Path) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD})
    out = tmp_path / "out"
    assert run_cli(["build", site, "-o", out, "-q"]).exit_code == 0
    before = {name: (out / name).read_bytes() for name in FEEDS}
    stamps = {name: (out / name).stat().st_mtime_ns for name in FEEDS}
    (site / "content" / "talk" / "bad").mkdir()
    (site / "content" / "talk" / "bad" / "index.md").write_text(BAD_DATE)
    assert run_cli(["build", site, "-o", out]).exit_code == 1
    assert {name: (out / name).read_bytes() for name in FEEDS} == before
    assert {name: (out / name).stat().st_mtime_ns for name in FEEDS} == stamps


def test_skip_invalid_publishes_the_valid_talks_and_lists_the_rest(tmp_path: Path) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD, "bad/index.md": BAD_DATE})
    out = tmp_path / "out"
    result = run_cli(["build", site, "-o", out, "--skip-invalid"])
    assert result.exit_code == 0
    assert "content/talk/bad/index.md:3: error:" in result.stderr
    assert "skipped 1 page(s) with errors; published 1 talk(s)" in result.stderr
    feed = json.loads((out / "feed.json").read_text())
    assert [item["title"] for item in feed["items"]] == ["Good talk"]


def test_missing_base_url_is_a_config_error(tmp_path: Path) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD}, config='title = "Lab"\n')
    result = run_cli(["build", site, "-o", tmp_path / "out"])
    assert result.exit_code == 1
    assert "no base URL: pass --base-url" in result.stderr
    assert not (tmp_path / "out" / "index.xml").exists()


def test_base_url_option_overrides_config(tmp_path: Path) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD})
    out = tmp_path / "out"
    assert run_cli(["build", site, "-o", out, "--base-url", "https://talks.example.com/x"]).exit_code == 0
    feed = json.loads((out / "feed.json").read_text())
    assert feed["items"][0]["url"] == "https://talks.example.com/x/talk/good/"


@pytest.mark.parametrize(
    "arguments",
    [["build", "--limit", "-3"], ["build", "--no-such-option"], ["frobnicate"], ["list", "--per", "tag"]],
    ids=["negative-limit", "unknown-option", "unknown-command", "option-of-another-command"],
)
def test_usage_errors_exit_2(arguments: list[str]) -> None:
    assert run_cli(arguments).exit_code == 2


def test_missing_source_exits_1_naming_it(tmp_path: Path) -> None:
    result = run_cli(["check", tmp_path / "nowhere"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"{tmp_path / 'nowhere'}: error: no such file or folder"


def test_bad_timezone_is_a_config_error(tmp_path: Path) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD})
    result = run_cli(["build", site, "--timezone", "Mars/Olympus", "-o", tmp_path / "out"])
    assert result.exit_code == 1
    assert '--timezone "Mars/Olympus" is not a time zone' in result.stderr


def test_version() -> None:
    result = run_cli(["--version"])
    assert (result.exit_code, result.stdout.strip()) == (0, f"talkfeed, version {__version__}")


def test_list_prints_feed_order() -> None:
    result = run_cli(["list", DEMO_SITE, "--now", FIXED_NOW])
    assert result.exit_code == 0
    first = result.stdout.splitlines()[0].split("\t")
    assert first[:2] == [
        "2024-02-01T08:30:00+00:00",
        "https://demo.talkfeed.example/talk/multilingual-speech-recognition/",
    ]
    assert len(result.stdout.splitlines()) == 5


def test_list_json_for_scripts() -> None:
    result = run_cli(["list", DEMO_SITE, "--json", "--now", FIXED_NOW])
    talks = json.loads(result.stdout)
    assert talks[2] == {
        "published": "2022-01-01T00:00:00+00:00",
        "url": "https://demo.talkfeed.example/talk/transformers-explainability/",
        "title": "Intro to Transformers and Transformer Explainability (English)",
        "path": "content/talk/transformers-explainability/index.md",
    }


@pytest.mark.parametrize(
    ("flag", "slug"),
    [
        ("--drafts", "quantum-kernel-methods"),
        ("--future", "climate-emulators-workshop"),
        ("--expired", "compiler-verification-seminar"),
    ],
    ids=["drafts", "future", "expired"],
)
def test_hidden_talks_come_back_with_their_flag(tmp_path: Path, flag: str, slug: str) -> None:
    urls = {
        item["url"]
        for option in ([], [flag])
        for item in _build_json(tmp_path / flag.strip("-") / str(len(option)), option)["items"]
    }
    without = {item["url"] for item in _build_json(tmp_path / "plain", [])["items"]}
    assert f"https://demo.talkfeed.example/talk/{slug}/" in urls - without


def _build_json(out: Path, options: list[str]) -> dict[str, object]:
    result = run_cli(["build", DEMO_SITE, "-o", out, "--now", FIXED_NOW, "-q", *options])
    assert result.exit_code == 0
    return json.loads((out / "feed.json").read_text())  # type: ignore[no-any-return]


def test_limit_keeps_the_newest(tmp_path: Path) -> None:
    feed = _build_json(tmp_path / "out", ["--limit", "2"])
    assert [item["url"].split("/")[-2] for item in feed["items"]] == [  # type: ignore[index]
        "multilingual-speech-recognition",
        "causal-discovery-time-series",
    ]


def test_single_talk_file_as_source(tmp_path: Path) -> None:
    page = DEMO_SITE / "content" / "talk" / "transformers-explainability" / "index.md"
    result = run_cli(["list", page, "--now", FIXED_NOW])
    assert result.exit_code == 0
    assert result.stdout.split("\t")[1] == "https://demo.talkfeed.example/talk/transformers-explainability/"
    assert result.stderr.startswith("index.md:12: warning: date_end")


def test_section_folder_as_source(tmp_path: Path) -> None:
    result = run_cli(["list", DEMO_SITE / "content" / "talk", "--now", FIXED_NOW])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 5


def test_output_path_that_is_a_file_is_an_error(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("not a folder")
    result = run_cli(["build", DEMO_SITE, "-o", target])
    assert result.exit_code == 1
    assert f"{target}: error: the output path is a file, not a folder" in result.stderr
    assert target.read_text() == "not a folder"


def test_a_duplicate_permalink_stays_with_the_earlier_published_talk(tmp_path: Path) -> None:
    later = GOOD.replace("title:", "slug: one\ntitle:").replace("2024-05-01", "2024-06-01")
    site = _site(tmp_path, {"one/index.md": GOOD, "two/index.md": later})
    result = run_cli(["list", site, "--json", "--base-url", "https://example.org/", "--now", FIXED_NOW])
    assert result.exit_code == 0
    assert [item["path"] for item in json.loads(result.stdout)] == ["content/talk/one/index.md"]
    assert (
        "content/talk/two/index.md: warning: permalink /talk/one/ is also the permalink of "
        "content/talk/one/index.md, published earlier, which keeps it" in result.stderr
    )


def test_copy_of_demo_site_builds_without_network(tmp_path: Path) -> None:
    site = tmp_path / "demo"
    shutil.copytree(DEMO_SITE, site)
    result = run_cli(["build", site, "-o", site / "public" / "talk", "--now", FIXED_NOW, "-q"])
    assert result.exit_code == 0
    feed = json.loads((site / "public" / "talk" / "feed.json").read_text())
    assert feed["feed_url"] == "https://demo.talkfeed.example/talk/feed.json"
    assert feed["home_page_url"] == "https://demo.talkfeed.example/talk/"


def test_check_hints_new_names_on_a_hugo_blox_2026_page(tmp_path: Path) -> None:
    page = (
        "---\ntitle: Blox talk\ndate: 2026-01-10\nevent_start: 2026-02-01T10:00:00Z\n"
        "event: Old name\nurl_slides: slides.pdf\n---\n"
    )
    site = _site(tmp_path, {"blox/index.md": page})
    result = run_cli(["check", site])
    assert result.exit_code == 0
    assert (
        "content/talk/blox/index.md:5: warning: event is an older key; Hugo Blox 2026 names it event_name"
        in (result.stderr)
    )
    assert (
        "url_slides is an older key; Hugo Blox 2026 names it links: [{type: slides, url: …}]" in result.stderr
    )


def test_check_says_which_talks_stay_out_of_the_feeds() -> None:
    result = run_cli(["check", DEMO_SITE])
    assert result.exit_code == 0
    assert result.stdout.strip().endswith(
        "valid talks by language: 8 en; left out of the en feeds by default: 1 draft, 1 expired, 1 future"
    )


@pytest.mark.parametrize("command", ["build", "check", "list"])
@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("README.md", "it does not open with front matter (---, +++ or {)"),
        ("pyproject.toml", "a talk page is a Markdown file (.md) that opens with front matter"),
    ],
)
def test_a_file_that_is_no_talk_page_is_named_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, name: str, why: str
) -> None:
    monkeypatch.chdir(tmp_path)  # the file is not below the current folder: named by its whole path
    source = ROOT / name
    arguments: list[object] = [command, source] + (["-o", tmp_path / "out"] if command == "build" else [])
    result = run_cli(arguments)
    assert result.exit_code == 1
    assert result.stderr == (
        f"{source}: error: is not a talk page: {why}; "
        "give a talk page, a talk section folder or the site's folder\n"
    )


def test_one_view_written_as_text_in_the_run_config_is_one_view(tmp_path: Path) -> None:
    site = _site(
        tmp_path, {"good/index.md": GOOD.replace("summary: Fine.", "tags: [Graphs]\nsummary: Fine.")}
    )
    (site / "talkfeed.toml").write_text('title = "Lab talks"\nper = "tag"\n', encoding="utf-8")
    result = run_cli(["build", site, "-o", tmp_path / "out", "-q"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "tags" / "graphs" / "index.xml").is_file()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("per = 3", 'setting \'per\' must be a list of texts, for example per = ["…", "…"]'),
        ('per = ["nope"]', "setting 'per': 'nope' is not one of 'tag', 'author', 'lang', 'past', 'source'."),
    ],
    ids=["not-a-list", "unknown-view"],
)
def test_a_run_config_setting_that_cannot_be_used_is_named_on_its_line(
    tmp_path: Path, setting: str, message: str
) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD})
    (site / "talkfeed.toml").write_text(f'title = "Lab talks"\n\n{setting}\n', encoding="utf-8")
    result = run_cli(["build", site, "-o", tmp_path / "out"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{site / 'talkfeed.toml'}:3: error: {message}")


def test_a_quote_left_open_is_reported_on_its_own_line(tmp_path: Path) -> None:
    keys = "".join(f"key{number}: value\n" for number in range(18))
    page = f'---\ntitle: "An unclosed title\npublishDate: 2024-05-01\n{keys}summary: "Fine."\n---\nBody.\n'
    site = _site(tmp_path, {"open/index.md": page})
    result = run_cli(["check", site])
    assert result.exit_code == 1
    assert (
        "content/talk/open/index.md:2: error: front matter is not valid YAML: the quoted text opened on this "
        "line is not closed on it, so YAML reads on to line 22 and fails there (while parsing a block "
        "mapping, did not find expected key); close the quote"
    ) in result.stderr


@pytest.mark.parametrize("lead", ["\n\n", "\n \t\n  "], ids=["blank-lines", "spaces-and-tabs"])
def test_front_matter_after_blank_lines_is_read_with_the_files_lines(tmp_path: Path, lead: str) -> None:
    """Hugo passes over blank lines, spaces and tabs before a page's front matter (see the
    front-matter-lead oracle fixture): talkfeed reads the page, and names a line of its front
    matter by its line in the file."""
    page = f'{lead}---\ntitle: "An unclosed title\npublishDate: 2024-05-01\nsummary: "Fine."\n---\nBody.\n'
    site = _site(tmp_path, {"open/index.md": page, "good/index.md": lead + GOOD})
    result = run_cli(["check", site])
    assert result.exit_code == 1
    opened = "content/talk/open/index.md:4: error: front matter is not valid YAML: the quoted text opened"
    assert opened in result.stderr
    assert "good/index.md" not in result.stderr


def test_an_html_bundle_page_after_a_blank_line_is_a_talk(tmp_path: Path) -> None:
    """Hugo reads an ``index.html`` that opens with a blank line and then front matter as the
    bundle's page (0.111 does; 0.168 as well where the site allows HTML content)."""
    page = "\n---\ntitle: An HTML page\ndate: 2024-08-01\npublishDate: 2024-04-04\n---\n<p>Hi.</p>\n"
    site = _site(tmp_path, {"html-bundle/index.html": page})
    result = run_cli(["list", site, "--base-url", "https://example.org/"])
    assert result.exit_code == 0, result.stderr
    assert "https://example.org/talk/html-bundle/\tAn HTML page" in result.stdout


def test_an_output_folder_that_cannot_be_written_is_named_as_such(tmp_path: Path) -> None:
    site = _site(tmp_path, {"good/index.md": GOOD})
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        result = run_bound(["build", site, "-o", out])
    finally:
        out.chmod(0o755)
    assert result.exit_code == 1
    assert result.stderr == (
        f"{out}: error: cannot write into this output folder (Permission denied); talkfeed writes its files "
        "and its lock .talkfeed.lock there (let the user talkfeed runs as write it, or give another -o DIR)\n"
    )


def test_skip_invalid_with_no_valid_talk_left_names_what_each_page_lacks(tmp_path: Path) -> None:
    site = _site(tmp_path, {"bad/index.md": BAD_DATE})
    result = run_cli(["build", site, "-o", tmp_path / "out", "--skip-invalid", "-q"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("content/talk/bad/index.md:3: error: time_start")
    assert "no valid talk in language en among 1 talk page(s) found" in result.stderr


def test_links_resolve_where_the_themes_link_them(tmp_path: Path) -> None:
    """Academic, Wowchemy and Hugo Blox link a file of the page's bundle from the page, and any
    other relative path with ``relURL``, from the site's base URL (``static/media/…`` is served
    there); a path from the root and a full address stay as they are."""
    page = (
        "---\ntitle: Linked\npublishDate: 2024-05-01T10:00:00Z\nurl_pdf: media/paper.pdf\n"
        "url_slides: slides.pdf\nurl_code: /code/\nurl_video: https://video.example/v\n---\nBody.\n"
    )
    config = 'baseURL = "https://example.org/lab/"\ntitle = "Lab"\n'
    site = _site(tmp_path, {"linked/index.md": page}, config)
    (site / "content" / "talk" / "linked" / "slides.pdf").write_bytes(b"%PDF-1.4\n")
    (site / "static" / "media").mkdir(parents=True)
    (site / "static" / "media" / "paper.pdf").write_bytes(b"%PDF-1.4\n")
    out = tmp_path / "out"
    assert run_cli(["build", site, "-o", out, "-q"]).exit_code == 0
    expected = {
        "https://example.org/lab/media/paper.pdf",
        "https://example.org/lab/talk/linked/slides.pdf",
        "https://example.org/code/",
        "https://video.example/v",
    }
    page_links = set(re.findall(r'href="([^"]+)"', (out / "index.html").read_text(encoding="utf-8")))
    assert expected <= page_links
    item = json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"][0]
    assert expected <= set(re.findall(r'href="([^"]+)"', item["content_html"]))
    assert "https://example.org/lab/talk/linked/media/paper.pdf" not in page_links


def test_the_page_lists_past_talks_by_their_date_and_the_feeds_by_publish_date(tmp_path: Path) -> None:
    """A talk announced late (published after talks held later) stands among the past talks by
    the day it was held, as the themes list talks; the feeds keep the publish order."""

    def talk(title: str, published: str, start: str | None) -> str:
        held = f"date: {start}\n" if start else ""
        return f"---\ntitle: {title}\npublishDate: {published}\n{held}---\nBody.\n"

    pages = {
        "early/index.md": talk("Held early, announced late", "2025-11-02", "2025-09-09"),
        "october/index.md": talk("Held in October", "2025-11-01", "2025-10-15"),
        "december/index.md": talk("Held in December", "2025-11-01", "2025-12-15"),
        "undated/index.md": talk("Never held", "2025-11-03", None),
        "coming/index.md": talk("Still to come", "2025-10-01", "2026-06-01"),
    }
    site = _site(tmp_path, pages)
    out = tmp_path / "out"
    assert run_cli(["build", site, "-o", out, "--now", FIXED_NOW, "-q"]).exit_code == 0
    shown = re.findall(r"<h3[^>]*><a [^>]*>([^<]+)</a>", (out / "index.html").read_text(encoding="utf-8"))
    assert shown == [
        "Still to come",
        "Held in December",
        "Held in October",
        "Held early, announced late",
        "Never held",
    ]
    items = json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"]
    assert [item["title"] for item in items] == [
        "Never held",
        "Held early, announced late",
        "Held in December",
        "Held in October",
        "Still to come",
    ]


def test_ids_are_kept_in_canonical_form_whatever_case_the_base_url_has(tmp_path: Path) -> None:
    """Hosts are case-blind: a base URL written with capitals (CHRI-Lab.github.io) gives ids in
    lower case without a default port, which the W3C validator asks of Atom ids, the same as a
    base URL written in lower case would; links stay as Hugo writes them."""
    ids = {}
    for written in ("HTTPS://Example-Lab.GitHub.io:443/", "https://example-lab.github.io/"):
        held = GOOD.replace("summary:", "date: 2024-06-01T10:00:00Z\nsummary:")
        site = _site(tmp_path / written.split("/")[2].replace(":", "-"), {"good/index.md": held})
        site.joinpath("hugo.toml").write_text(f'baseURL = "{written}"\ntitle = "Lab"\n', encoding="utf-8")
        out = site.parent / "out"
        assert run_cli(["build", site, "-o", out, "-q", "--format", "atom,rss,json,ics"]).exit_code == 0
        atom = (out / "atom.xml").read_text(encoding="utf-8")
        feed = json.loads((out / "feed.json").read_text(encoding="utf-8"))
        uid = re.search(r"^UID:(\S+)", (out / "talks.ics").read_text(encoding="utf-8"), re.MULTILINE)
        assert uid is not None
        ids[written] = (re.findall(r"<id>([^<]*)</id>", atom), feed["items"][0]["id"], uid[1])
        assert '<guid isPermaLink="true">https://example-lab.github.io/talk/good/</guid>' in (
            (out / "index.xml").read_text(encoding="utf-8")
        )
    assert ids["HTTPS://Example-Lab.GitHub.io:443/"] == ids["https://example-lab.github.io/"]
    assert ids["https://example-lab.github.io/"][0] == [
        "https://example-lab.github.io/atom.xml",
        "https://example-lab.github.io/talk/good/",
    ]


def test_a_page_without_a_date_is_published_as_hugo_dates_it_but_not_in_the_feeds(tmp_path: Path) -> None:
    """Hugo publishes a page that names no date, dated 0001-01-01 (see the ``undated`` oracle
    fixture): talkfeed lists it last, on the page and in the calendar (stamped with its start),
    and says so; the feeds, whose readers order items by date, leave it out."""
    undated = "---\ntitle: Undated talk\ndate: ''\ntime_start: 2019-11-18T08:00:00-04:00\n---\nBody.\n"
    site = _site(tmp_path, {"good/index.md": GOOD, "undated/index.md": undated})
    out = tmp_path / "out"
    result = run_cli(["build", site, "-o", out, "-q"])
    assert result.exit_code == 0, result.stderr
    listing = run_cli(["list", site])
    assert listing.stderr.startswith("content/talk/undated/index.md: warning: no date: Hugo publishes")
    listed = listing.stdout.splitlines()
    assert listed[-1] == "0001-01-01T00:00:00+00:00\thttps://example.org/talk/undated/\tUndated talk"
    for feed in ("index.xml", "atom.xml", "feed.json"):
        text = (out / feed).read_text(encoding="utf-8")
        assert "Good talk" in text and "Undated talk" not in text, feed
    assert "Undated talk" in (out / "index.html").read_text(encoding="utf-8")
    calendar = (out / "talks.ics").read_text(encoding="utf-8")
    assert "SUMMARY:Undated talk" in calendar and "DTSTAMP:20191118T120000Z" in calendar


def test_a_talk_without_summary_or_abstract_is_summed_up_as_hugo_sums_up_its_body(tmp_path: Path) -> None:
    """Hugo 0.168's ``.Summary``, which the themes show when a talk has no summary or abstract:
    the text before a ``<!--more-->`` line, else the first whole blocks that hold 70 words. These
    bodies are the ones Hugo was run on; the summaries hold the blocks its summaries held (a
    figure left out: a summary is words)."""
    fifty = " ".join(f"w{number}" for number in range(50))
    head = "---\ntitle: {}\npublishDate: 2024-05-01\n---\n"
    pages = {
        "abstract/index.md": head.format("Abstract")
        + f"**Abstract**\n\n{fifty}\n\n![A poster](poster.png)\n\n{fifty} second\n\nthird paragraph\n",
        "divided/index.md": head.format("Divided") + "First short.\n\n<!--more-->\n\nSecond.\n",
        "inline/index.md": head.format("Inline") + "Short intro here. <!--more--> The rest.\n\nSecond.\n",
        "listed/index.md": head.format("Listed")
        + f"# Heading\n\n- item one\n- item two\n\n{fifty}\n\n{fifty} end\n\nLeft out.\n",
    }
    site = _site(tmp_path, pages)
    out = tmp_path / "out"
    assert run_cli(["build", site, "-o", out, "-q"]).exit_code == 0
    summaries = {
        item["title"]: item["summary"]
        for item in json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"]
    }
    assert summaries["Abstract"].startswith("Abstract\n\nw0 w1 ")
    assert summaries["Abstract"].endswith("w49 second")
    assert "poster" not in summaries["Abstract"].lower()
    assert summaries["Divided"] == "First short."
    assert summaries["Inline"] == "Short intro here."
    assert summaries["Listed"].startswith("Heading\n\nitem one\nitem two\n\nw0 ")
    assert summaries["Listed"].endswith("w49 end")


def test_a_duplicate_permalink_published_at_the_same_time_says_what_kept_it(tmp_path: Path) -> None:
    same = GOOD.replace("title:", "slug: one\ntitle:")
    site = _site(tmp_path, {"one/index.md": GOOD, "two/index.md": same})
    result = run_cli(["list", site, "--json", "--now", FIXED_NOW])
    assert [item["path"] for item in json.loads(result.stdout)] == ["content/talk/one/index.md"]
    assert (
        "content/talk/two/index.md: warning: permalink /talk/one/ is also the permalink of "
        "content/talk/one/index.md, published at the same time and first by its path, which keeps it"
    ) in result.stderr


def test_a_section_page_without_front_matter_is_content_and_no_warning(tmp_path: Path) -> None:
    """Hugo reads a section page that opens with no front matter (geertlitjens.github.io's is
    YAML without its --- lines) as content: it has no cascade, and nothing to warn about."""
    site = _site(tmp_path, {"_index.md": "title: Talks\nview: 2\n", "good/index.md": GOOD})
    result = run_cli(["list", site, "--now", FIXED_NOW])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "Good talk" in result.stdout


def test_a_slides_key_links_the_deck_at_its_permalink_and_a_new_deck_is_seen(tmp_path: Path) -> None:
    """``slides: example`` names the page ``content/slides/example/`` (the themes link it through
    ``site.GetPage``), at its permalink; a deck named before it exists is linked by the next
    build once it is there."""
    talk = GOOD.replace("summary:", "slides: [example, later]\nsummary:")
    site = _site(tmp_path, {"good/index.md": talk})
    (site / "content" / "slides" / "example").mkdir(parents=True)
    (site / "content" / "slides" / "example" / "index.md").write_text(
        "---\ntitle: Example deck\nslug: my-deck\n---\n# Slide\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    result = run_cli(["build", site, "-o", out])
    assert result.exit_code == 0
    assert "warning" not in result.stderr
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="https://example.org/slides/my-deck/">Slides</a>' in page
    assert "slides/later" not in page
    (site / "content" / "slides" / "later.md").write_text("---\ntitle: Later\n---\n", encoding="utf-8")
    settle()
    assert run_cli(["build", site, "-o", out, "-q"]).exit_code == 0
    assert '<a href="https://example.org/slides/later/">Slides</a>' in (out / "index.html").read_text(
        encoding="utf-8"
    )


def test_a_nested_draft_key_does_not_stand_for_the_pages_own(tmp_path: Path) -> None:
    """Only the page's own top-level ``draft`` is read: a table's ``draft: yes`` before it does not
    make a ``draft: true`` page published."""
    pages = {
        "nested/index.md": "---\ntitle: Nested\npublishDate: 2024-01-01\nparams:\n  draft: yes\n"
        "draft: true\n---\n",
        "bare/index.md": "---\ntitle: Bare\npublishDate: 2024-01-01\ndraft: yes # a comment\n---\n",
    }
    result = run_cli(["list", _site(tmp_path, pages), "--now", FIXED_NOW])
    assert [line.split("\t")[2] for line in result.stdout.splitlines()] == ["Bare"]
    assert "bare/index.md:4: warning: draft: yes is text to current Hugo" in result.stderr


def test_a_dated_page_keeps_a_permalink_an_undated_page_shares(tmp_path: Path) -> None:
    pages = {
        "a.md": "---\ntitle: Undated\nurl: /talk/same/\n---\n",
        "b.md": "---\ntitle: Dated\ndate: 2024-03-01\nurl: /talk/same/\n---\n",
    }
    site = _site(tmp_path, pages)
    result = run_cli(["list", site, "--now", FIXED_NOW])
    assert [line.split("\t")[2] for line in result.stdout.splitlines()] == ["Dated"]
    assert "content/talk/b.md, dated (this page has no date), which keeps it" in result.stderr


def test_a_talk_shared_by_an_undated_page_stays_in_the_feeds_of_an_aggregate(tmp_path: Path) -> None:
    """Two sites publish one talk (same title, same start); the first-listed site's page has no
    date: the merged talk is dated by the other's page, so it stays in the feeds, and an undated
    talk's calendar event is stamped with a well-formed date-time."""
    held = "time_start: 2024-05-01T10:00:00Z\n"
    first = _site(
        tmp_path / "a",
        {"s.md": f"---\ntitle: Shared Talk\n{held}---\n", "t.md": f"---\ntitle: Other\n{held}---\n"},
    )
    second = _site(tmp_path / "b", {"s.md": f"---\ntitle: Shared Talk\ndate: 2024-04-01\n{held}---\n"})
    second.joinpath("hugo.toml").write_text(
        'baseURL = "https://b.example.org/"\ntitle = "B"\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    result = run_cli(["build", first, second, "-o", out, "--base-url", "https://agg.example/", "-q"])
    assert result.exit_code == 0, result.stderr
    items = json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"]
    assert [item["title"] for item in items] == ["Shared Talk"]
    stamps = re.findall(r"^DTSTAMP:(\S+)", (out / "talks.ics").read_text(encoding="utf-8"), re.MULTILINE)
    assert stamps and all(re.fullmatch(r"\d{8}T\d{6}Z", stamp) for stamp in stamps), stamps


def test_a_talk_links_the_deck_of_its_own_language(tmp_path: Path) -> None:
    """In a multilingual site, ``slides: both`` of a French talk is the French deck
    (``index.fr.md``, its own slug); a deck with no French page gives the French talk no link,
    as Hugo's ``site.GetPage`` finds none for it."""
    site = tmp_path / "site"
    config = 'defaultContentLanguage = "en"\n[languages.en]\nweight = 1\n[languages.fr]\nweight = 2\n'
    talk = "---\ntitle: {}\npublishDate: 2024-01-01\nslides: [both, enonly]\n---\n"
    files = {
        "hugo.toml": f'baseURL = "https://example.org/"\ntitle = "ML"\n{config}',
        "content/talk/t/index.md": talk.format("Talk"),
        "content/talk/t/index.fr.md": talk.format("Exposé"),
        "content/slides/both/index.md": "---\ntitle: Both\nslug: both-en\n---\n",
        "content/slides/both/index.fr.md": "---\ntitle: Les deux\nslug: both-fr\n---\n",
        "content/slides/enonly/index.md": "---\ntitle: English only\n---\n",
    }
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli(["build", site, "-o", out, "--per", "lang", "-q"]).exit_code == 0

    def decks(page: Path) -> list[str]:
        return re.findall(r'href="([^"]*/slides/[^"]*)"', page.read_text(encoding="utf-8"))

    assert decks(out / "index.html") == [
        "https://example.org/slides/both-en/",
        "https://example.org/slides/enonly/",
    ]
    assert decks(out / "fr" / "index.html") == ["https://example.org/fr/slides/both-fr/"]


def test_a_bundles_pdf_named_as_its_folder_is_the_talks_pdf(tmp_path: Path) -> None:
    """Academic, Wowchemy and Hugo Blox link ``<folder>/<folder>.pdf`` as the talk's PDF (before
    any ``url_pdf``): so does talkfeed, as a link and an attachment."""
    talk = GOOD.replace("summary:", "url_pdf: https://elsewhere.example/old.pdf\nsummary:")
    site = _site(tmp_path, {"2017_UV/index.md": talk})
    (site / "content" / "talk" / "2017_UV" / "2017_UV.pdf").write_bytes(b"%PDF-1.4\n")
    out = tmp_path / "out"
    assert run_cli(["build", site, "-o", out, "-q"]).exit_code == 0
    item = json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"][0]
    pdf = "https://example.org/talk/2017_uv/2017_UV.pdf"
    assert [attachment["url"] for attachment in item["attachments"]] == [pdf]
    assert f'<a href="{pdf}">PDF</a>' in item["content_html"]
    assert "elsewhere.example" not in item["content_html"]


def test_a_folder_holding_content_is_a_site_of_its_own_not_a_section_of_the_site_around_it(
    tmp_path: Path,
) -> None:
    """``archived/`` with its own ``content/`` (and no config) inside a site is read as a site,
    as ``hugo -s archived`` takes it, not as a section of the outer site whose every file
    (its themes' READMEs) would be a talk page."""
    site = _site(tmp_path, {"good/index.md": GOOD})
    old = site / "archived"
    (old / "content" / "events").mkdir(parents=True)
    (old / "content" / "events" / "x.md").write_text(
        "---\ntitle: Old event\ndate: 2019-01-01\n---\n", encoding="utf-8"
    )
    (old / "themes" / "t").mkdir(parents=True)
    (old / "themes" / "t" / "README.md").write_text("# A theme\n", encoding="utf-8")
    result = run_cli(["list", old, "--base-url", "https://example.org/archived/", "--now", FIXED_NOW])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2019-01-01T00:00:00+00:00\thttps://example.org/archived/events/x/\tOld event"
    ]
    assert result.stderr == ""
