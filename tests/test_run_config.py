"""talkfeed.toml: every build option can live in the site's config file; the command line wins."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import DEMO_SITE, FIXED_NOW, run_cli


@pytest.fixture
def site(tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(DEMO_SITE, copy)
    return copy


def test_settings_fill_options_not_given(site: Path) -> None:
    (site / "talkfeed.toml").write_text(
        'output = "public/talk"\nformat = ["json"]\ntitle = "Seminar feed"\n'
        'quiet = true\nnow = "2026-01-01"\n'
    )
    result = run_cli(["build", site])
    assert (result.exit_code, result.stdout) == (0, "")
    feed = json.loads((site / "public" / "talk" / "feed.json").read_text())
    assert feed["title"] == "Seminar feed"
    assert feed["feed_url"] == "https://demo.talkfeed.example/talk/feed.json"
    assert not (site / "public" / "talk" / "index.xml").exists()


def test_command_line_wins_over_the_file(site: Path, tmp_path: Path) -> None:
    (site / "talkfeed.toml").write_text('title = "From the file"\nformat = ["json"]\n')
    out = tmp_path / "out"
    result = run_cli(["build", site, "-o", out, "--title", "From the flag", "--now", FIXED_NOW, "-q"])
    assert result.exit_code == 0
    assert json.loads((out / "feed.json").read_text())["title"] == "From the flag"


def test_unknown_setting_is_an_error_naming_the_file(site: Path, tmp_path: Path) -> None:
    (site / "talkfeed.toml").write_text('colour = "blue"\n')
    result = run_cli(["build", site, "-o", tmp_path / "out"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{site / 'talkfeed.toml'}: error: unknown setting 'colour'")
    assert not (tmp_path / "out").exists()


def test_wrong_kind_of_value_is_an_error(site: Path, tmp_path: Path) -> None:
    (site / "talkfeed.toml").write_text('limit = "many"\n')
    result = run_cli(["build", site, "-o", tmp_path / "out"])
    assert result.exit_code == 1
    assert "setting 'limit'" in result.stderr


def test_broken_config_file_names_its_line(site: Path, tmp_path: Path) -> None:
    (site / "talkfeed.toml").write_text('title = "ok"\nlimit = = 3\n')
    result = run_cli(["check", site])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{site / 'talkfeed.toml'}:2: error: cannot read: not valid TOML")


def test_check_takes_the_settings_that_apply_to_it(site: Path) -> None:
    (site / "talkfeed.toml").write_text('output = "public/talk"\ntimezone = "UTC"\n')
    assert run_cli(["check", site]).exit_code == 0
