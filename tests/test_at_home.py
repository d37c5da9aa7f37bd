"""At home in a real Hugo site: talkfeed writes where the site is served, never over Hugo's files,
and a site's own talkfeed.toml cannot send it anywhere else.

The tests marked with real Hugo build copies of corpus sites with Hugo (the ``hugo`` package of
the test extra) and check that Hugo's files are the same, byte for byte, before and after.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from _crash_helpers import read_set, snapshot
from _hugo import build_with_hugo, hashes, make_buildable
from conftest import DEMO_SITE, FIXED_NOW, ROOT, make_site, run_cli

CORPUS = ROOT / "fixtures" / "corpus"
TALK = "---\ntitle: T\npublishDate: 2024-01-01\ndate: 2024-02-01\n---\nBody.\n"


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from a folder that is not the site, as cron does (from the user's home)."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def _demo(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(DEMO_SITE, site)
    return site


def test_build_without_an_output_writes_into_talkfeed_in_the_sites_publish_folder(
    tmp_path: Path, elsewhere: Path
) -> None:
    site = _demo(tmp_path)

    result = run_cli(["build", site, "--now", FIXED_NOW])

    assert result.exit_code == 0, result.stderr
    assert (site / "public" / "talkfeed" / "index.xml").is_file()
    assert list(elsewhere.iterdir()) == []
    feed = (site / "public" / "talkfeed" / "feed.json").read_text(encoding="utf-8")
    assert json.loads(feed)["feed_url"] == "https://demo.talkfeed.example/talkfeed/feed.json"


def test_paths_are_printed_relative_to_the_current_folder_where_below_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _demo(tmp_path)
    monkeypatch.chdir(tmp_path)

    result = run_cli(["build", "site", "--now", FIXED_NOW])

    assert result.exit_code == 0, result.stderr
    assert "updated site/public/talkfeed/index.xml" in result.stdout.splitlines()
    assert str(site) not in result.stdout


def test_the_sites_publish_dir_is_honoured(tmp_path: Path, elsewhere: Path) -> None:
    config = 'baseURL = "https://example.org/"\ntitle = "Lab"\npublishDir = "docs"\n'
    site = make_site(tmp_path, {"a.md": TALK}, config)

    result = run_cli(["build", site, "-q"])

    assert result.exit_code == 0, result.stderr
    assert (site / "docs" / "talkfeed" / "atom.xml").is_file()
    assert not (site / "public").exists()


@pytest.mark.parametrize("publish_dir", ["/tmp/elsewhere-public", "../public"], ids=["absolute", "up"])
def test_a_publish_dir_outside_the_site_is_no_default(tmp_path: Path, publish_dir: str) -> None:
    config = f'baseURL = "https://example.org/"\npublishDir = "{publish_dir}"\n'
    site = make_site(tmp_path, {"a.md": TALK}, config)
    before = snapshot(tmp_path)

    result = run_cli(["build", site, "-q"])

    assert result.exit_code == 1
    assert "publishDir" in result.stderr and "pass -o DIR" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "hugo_file", ["content/talkfeed/_index.md", "content/talkfeed.md", "static/talkfeed/x.txt"]
)
def test_a_site_where_hugo_publishes_into_talkfeed_asks_for_an_output(tmp_path: Path, hugo_file: str) -> None:
    site = make_site(tmp_path, {"a.md": TALK})
    (site / hugo_file).parent.mkdir(parents=True, exist_ok=True)
    (site / hugo_file).write_text("---\ntitle: x\n---\n", encoding="utf-8")

    result = run_cli(["build", site, "-q"])

    assert result.exit_code == 1
    assert "Hugo publishes" in result.stderr and "pass -o DIR" in result.stderr
    assert not (site / "public").exists()


def test_a_multihost_site_publishes_below_the_languages_own_folder(tmp_path: Path) -> None:
    config = (
        'defaultContentLanguage = "en"\n'
        '[languages.en]\nbaseURL = "https://en.example.org/"\n'
        '[languages.fr]\nbaseURL = "https://fr.example.org/"\n'
    )
    site = make_site(tmp_path, {"a.md": TALK}, config)

    result = run_cli(["build", site, "-q"])

    assert result.exit_code == 0, result.stderr
    feed = json.loads((site / "public" / "en" / "talkfeed" / "feed.json").read_text(encoding="utf-8"))
    assert feed["feed_url"] == "https://en.example.org/talkfeed/feed.json"


def test_several_sources_need_an_output_folder(tmp_path: Path) -> None:
    first = make_site(tmp_path, {"a.md": TALK}, name="one")
    second = make_site(tmp_path, {"b.md": TALK}, config='baseURL = "https://b.example/"\n', name="two")

    result = run_cli(["build", first, second, "--base-url", "https://lab.example/"])

    assert result.exit_code == 1
    assert "pass -o DIR" in result.stderr


def test_a_file_talkfeed_did_not_write_stops_the_build_before_anything_is_written(tmp_path: Path) -> None:
    site = _demo(tmp_path)
    public = site / "public"
    public.mkdir()
    (public / "index.html").write_text("<h1>Hugo's home page</h1>", encoding="utf-8")
    (public / "index.xml").write_text("<rss>Hugo's feed</rss>", encoding="utf-8")
    before = snapshot(tmp_path)

    result = run_cli(["build", site, "-o", public, "--now", FIXED_NOW])

    assert (result.exit_code, result.stdout) == (1, "")
    [line] = result.stderr.splitlines()
    assert "public/index.html" in line or "public/index.xml" in line
    assert "talkfeed did not write this file" in line and "--replace" in line
    assert snapshot(tmp_path, skip=public / ".talkfeed.lock") == {
        name: entry for name, entry in before.items() if not name.endswith(".talkfeed.lock")
    }


def test_replace_lets_the_build_replace_the_file_it_names_and_no_other(tmp_path: Path) -> None:
    site = _demo(tmp_path)
    section = site / "public" / "talk"
    section.mkdir(parents=True)
    (section / "index.xml").write_text("<rss>Hugo's thin section feed</rss>", encoding="utf-8")
    (section / "index.html").write_text("<h1>Hugo's list page</h1>", encoding="utf-8")
    arguments = ["build", site, "-o", section, "--now", FIXED_NOW, "-q"]

    refused = run_cli([*arguments, "--replace", section / "index.xml"])
    assert refused.exit_code == 1
    assert "public/talk/index.html" in refused.stderr

    result = run_cli([*arguments, "--replace", section / "index.xml", "--format", "rss,atom,json,ics"])

    assert result.exit_code == 0, result.stderr
    assert "talkfeed" in (section / "index.xml").read_text(encoding="utf-8")
    assert (section / "index.html").read_text(encoding="utf-8") == "<h1>Hugo's list page</h1>"
    again = run_cli(["build", site, "-o", section, "--now", FIXED_NOW, "-q", "--format", "rss,atom,json,ics"])
    assert again.exit_code == 0, again.stderr  # the feed is talkfeed's now: its manifest lists it


def test_replace_names_a_file_in_the_output_folder(tmp_path: Path) -> None:
    site = _demo(tmp_path)

    result = run_cli(["build", site, "-o", tmp_path / "out", "--replace", tmp_path / "index.xml"])

    assert result.exit_code == 1
    assert "--replace" in result.stderr and "not a file in the output folder" in result.stderr


def _site_with_config(tmp_path: Path, config: str) -> Path:
    site = _demo(tmp_path)
    (site / "talkfeed.toml").write_text(config, encoding="utf-8")
    return site


@pytest.mark.parametrize(
    "config",
    [
        'output = "/tmp/talkfeed-anywhere"\n',
        'output = "../outside"\n',
        'cache-dir = "../cache"\n',
        'replace = ["../../etc/x"]\n',
        '[[sources]]\npath = "../other"\n',
    ],
    ids=["absolute-output", "output-up", "cache-up", "replace-up", "source-up"],
)
def test_a_sites_own_config_names_no_path_outside_the_site(tmp_path: Path, config: str) -> None:
    site = _site_with_config(tmp_path, config)
    (tmp_path / "other").mkdir()
    before = snapshot(tmp_path)

    result = run_cli(["build", site, "--now", FIXED_NOW])

    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    # The file, and the line of a setting (a sources entry is named by its number instead).
    where = "" if config.startswith("[[sources]]") else ":1"
    assert line.startswith(f"{site / 'talkfeed.toml'}{where}: error: ")
    assert "is outside the site" in line and "--config FILE" in line
    assert snapshot(tmp_path) == before
    assert not Path("/tmp/talkfeed-anywhere").exists()


def test_a_link_inside_the_site_does_not_carry_its_config_outside(tmp_path: Path) -> None:
    site = _site_with_config(tmp_path, 'output = "served/feeds"\n')
    (tmp_path / "www").mkdir()
    (site / "served").symlink_to(tmp_path / "www")

    result = run_cli(["build", site, "--now", FIXED_NOW])

    assert result.exit_code == 1
    assert "output 'served/feeds' is outside the site" in result.stderr
    assert list((tmp_path / "www").iterdir()) == []


def test_a_sites_own_config_may_name_its_own_folders(tmp_path: Path) -> None:
    site = _site_with_config(tmp_path, 'output = "public/talk-feeds"\ncache-dir = ".cache"\n')

    result = run_cli(["build", site, "--now", FIXED_NOW, "-q"])

    assert result.exit_code == 0, result.stderr
    assert (site / "public" / "talk-feeds" / "index.xml").is_file()
    assert any((site / ".cache").iterdir())


def test_a_config_the_user_names_may_name_any_path(tmp_path: Path) -> None:
    site = _demo(tmp_path)
    config = tmp_path / "cron" / "talkfeed.toml"
    config.parent.mkdir()
    config.write_text('output = "../www/talks"\n', encoding="utf-8")

    result = run_cli(["build", site, "--config", config, "--now", FIXED_NOW, "-q"])

    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "www" / "talks" / "index.xml").is_file()


def test_no_config_ignores_the_sites_own_config(tmp_path: Path) -> None:
    site = _site_with_config(tmp_path, 'output = "/tmp/talkfeed-anywhere"\ndrafts = true\n')

    result = run_cli(["build", site, "--no-config", "--now", FIXED_NOW, "-q"])

    assert result.exit_code == 0, result.stderr
    assert (site / "public" / "talkfeed" / "index.xml").is_file()


def test_config_and_no_config_together_are_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(["build", DEMO_SITE, "--config", tmp_path / "x.toml", "--no-config"])

    assert result.exit_code == 2


def test_the_channel_link_is_the_list_page_hugo_publishes_for_the_talks(tmp_path: Path) -> None:
    """thomwiggers.nl keeps its talks in content/events/ with permalinks /talk/:slug/: Hugo
    publishes their list page at /events/ and nothing at /talk/."""
    site = tmp_path / "thomwiggers"
    shutil.copytree(CORPUS / "thomwiggers__thomwiggers.nl", site)
    make_buildable(site)
    build_with_hugo(site, "--baseURL", "https://thomwiggers.nl/")

    result = run_cli(["build", site, "--base-url", "https://thomwiggers.nl/", "-q", "--skip-invalid"])

    assert result.exit_code == 0, result.stderr
    rss = (site / "public" / "talkfeed" / "index.xml").read_text(encoding="utf-8")
    assert "<link>https://thomwiggers.nl/events/</link>" in rss
    assert not (site / "public" / "talk" / "index.html").exists()
    _assert_links_resolve(site)


def _hrefs(text: str) -> list[str]:
    return re.findall(r'(?:href|<link>|"home_page_url": )"?([^"<\s]+)', text)


# The sites Hugo 0.168 builds from the copies in fixtures/corpus, each with an absolute baseURL:
# a French site with English pages (fr-ca, its talks below /fr/talk/), talks in content/event/,
# single-file TOML talks.
HUGO_SITES = ["jplecavalier__personal-website", "eldre__eldre-academic", "harrelfe__blogdown"]


@pytest.mark.parametrize("name", HUGO_SITES)
def test_after_hugo_a_build_with_no_options_leaves_hugos_files_as_they_were(
    tmp_path: Path, elsewhere: Path, name: str
) -> None:
    site = tmp_path / name
    shutil.copytree(CORPUS / name, site)
    make_buildable(site)
    build_with_hugo(site)
    hugo_files = hashes(site / "public")

    result = run_cli(["build", site])

    assert result.exit_code == 0, result.stderr
    after = hashes(site / "public")
    assert {path: digest for path, digest in after.items() if path in hugo_files} == hugo_files
    ours = sorted(path for path in after if path not in hugo_files)
    assert ours and all(path.startswith("talkfeed/") for path in ours)
    _assert_links_resolve(site)


@pytest.mark.parametrize("name", HUGO_SITES[:1])
def test_hugo_after_a_build_leaves_talkfeeds_files_as_they_were(tmp_path: Path, name: str) -> None:
    site = tmp_path / name
    shutil.copytree(CORPUS / name, site)
    make_buildable(site)
    assert run_cli(["build", site, "-q"]).exit_code == 0
    ours = read_set(site / "public" / "talkfeed")

    build_with_hugo(site)

    assert read_set(site / "public" / "talkfeed") == ours
    _assert_links_resolve(site)


def _assert_links_resolve(site: Path) -> None:
    """Every link of the feeds' channels and of the page that points into the site names a file
    that is in its publish folder (Hugo's or talkfeed's)."""
    public = site / "public"
    config = json.loads((public / "talkfeed" / "feed.json").read_text(encoding="utf-8"))
    base = urlsplit(config["feed_url"])
    site_root = f"{base.scheme}://{base.netloc}"
    texts = [
        (public / "talkfeed" / name).read_text(encoding="utf-8")
        for name in ("index.xml", "index.html", "about.html")
    ]
    links = {config["home_page_url"], *(href for text in texts for href in _hrefs(text))}
    inside = [link for link in links if link.startswith(site_root)]
    assert config["home_page_url"] in inside
    for link in inside:
        path = unquote(urlsplit(link).path).lstrip("/")
        target = public / path
        assert target.is_file() or (target / "index.html").is_file(), f"{link} names no file in public/"


def test_a_hugo_blox_sites_name_is_its_identity_name(tmp_path: Path) -> None:
    config = (
        'baseURL = "https://example.org/"\ntitle = ""\n[params.hugoblox.identity]\nname = "Ada Lovelace"\n'
    )
    site = make_site(tmp_path, {"a.md": TALK}, config)

    result = run_cli(["build", site, "-q"])

    assert result.exit_code == 0, result.stderr
    feed = json.loads((site / "public" / "talkfeed" / "feed.json").read_text(encoding="utf-8"))
    assert feed["title"] == "Talks — Ada Lovelace"


def test_the_subscribe_shortcode_on_a_talk_page_is_left_out_without_a_warning(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"a.md": TALK + "\n{{< talkfeed-subscribe >}}\n"})

    result = run_cli(["build", site])

    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert "talkfeed-subscribe" not in (site / "public" / "talkfeed" / "index.xml").read_text(
        encoding="utf-8"
    )


# Hugo Blox's own hook: every file of layouts/_partials/hooks/head-end/ is a partial of the <head>
# (modules/blox/layouts/_partials/functions/get_hook.html, read with os.ReadDir as there).
HOOKED_PAGE = (
    "<!doctype html><html><head><title>{{ .Title }}</title>"
    '{{ with try (os.ReadDir "layouts/_partials/hooks/head-end") }}{{ with .Value }}{{ range . }}'
    '{{ if not .IsDir }}{{ partial (path.Join "hooks/head-end" .Name) $ }}{{ end }}'
    "{{ end }}{{ end }}{{ end }}</head><body>{{ .Content }}</body></html>"
)


def test_the_snippets_put_working_feed_links_into_a_sites_pages(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(DEMO_SITE, site)
    make_buildable(site)
    for name in ("_default/single.html", "_default/list.html", "index.html"):
        (site / "layouts" / name).write_text(HOOKED_PAGE, encoding="utf-8")
    head = run_cli(["snippet", "head", site])
    subscribe = run_cli(["snippet", "subscribe", site])
    assert (head.exit_code, subscribe.exit_code) == (0, 0), head.stderr + subscribe.stderr
    hook = site / "layouts" / "_partials" / "hooks" / "head-end" / "talkfeed.html"
    hook.parent.mkdir(parents=True)
    hook.write_text(head.stdout, encoding="utf-8")
    (site / "layouts" / "shortcodes" / "talkfeed-subscribe.html").write_text(
        subscribe.stdout, encoding="utf-8"
    )
    (site / "content" / "talk" / "_index.md").write_text(
        "---\ntitle: Talks\n---\n{{< talkfeed-subscribe >}}\n", encoding="utf-8"
    )

    build_with_hugo(site)
    assert run_cli(["build", site, "-q", "--now", FIXED_NOW]).exit_code == 0

    public = site / "public"
    home_head = (public / "index.html").read_text(encoding="utf-8").split("</head>")[0]
    alternates = re.findall(r'<link rel="alternate" type="([^"]+)" href="([^"]+)"', home_head)
    assert [kind for kind, _ in alternates] == [
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "text/calendar",
        "text/calendar",
    ]
    listing = (public / "talk" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', listing.split("talkfeed-subscribe", 1)[1])
    assert links and any(link.startswith("webcal://") for link in links)
    # Google Calendar's and Outlook's subscribe forms are theirs; the address each carries is ours.
    services = ("calendar.google.com", "outlook.live.com", "outlook.office.com")
    outside = [link for link in links if urlsplit(link).hostname in services]
    carried = [
        value for link in outside for key, value in parse_qsl(urlsplit(link).query) if key in ("cid", "url")
    ]
    assert outside and len(carried) == len(outside)
    for link in [href for _, href in alternates] + [link for link in links if link not in outside] + carried:
        path = unquote(urlsplit(link).path).lstrip("/")
        assert (public / path).is_file() or (public / path / "index.html").is_file(), link
