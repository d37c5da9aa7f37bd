"""Bounded cost: every file a site supplies is read with a nesting limit, and pages cost in
proportion to their size, whatever they hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from talkfeed.read.parsing import MAX_DATA_NESTING

from conftest import DEMO_SITE, FIXED_NOW, make_site, run_cli

DEEP = MAX_DATA_NESTING * 5
"""Five times the bound: the 500 levels that once ran Python out of stack."""
LAB_URL = "https://lab.example.org/talks/"


def _deep_yaml_list() -> str:
    return "[" * DEEP + "]" * DEEP


def _profiles(site: Path) -> None:
    (site / "data" / "authors").mkdir(parents=True)
    (site / "data" / "authors" / "deep.yaml").write_text(f"name: {_deep_yaml_list()}\n", encoding="utf-8")
    (site / "content" / "authors" / "deeper").mkdir(parents=True)
    (site / "content" / "authors" / "deeper" / "_index.md").write_text(
        f"---\ntitle: {_deep_yaml_list()}\n---\n", encoding="utf-8"
    )


PROFILE_WARNINGS = (
    "data/authors/deep.yaml:1: warning: author profile not read: nested more than 100 levels deep",
    "content/authors/deeper/_index.md:2: warning: author profile not read: front matter is nested more "
    "than 100 levels deep",
)


@pytest.mark.parametrize("command", ["build", "check", "list"])
def test_a_deeply_nested_author_profile_is_skipped_with_a_warning(
    site: Path, tmp_path: Path, command: str
) -> None:
    _profiles(site)
    arguments: list[object] = [command, site, "--now", FIXED_NOW] if command != "check" else [command, site]
    if command == "build":
        arguments += ["-o", tmp_path / "out"]
    result = run_cli(arguments)
    assert result.exit_code == 0, result.stderr
    for warning in PROFILE_WARNINGS:
        assert warning in result.stderr


def test_a_deeply_nested_author_profile_in_an_aggregate_is_skipped_with_a_warning(
    site: Path, tmp_path: Path
) -> None:
    _profiles(site)
    other = make_site(
        tmp_path, {"x/index.md": "---\ntitle: X\npublishDate: 2024-01-01\n---\nText.\n"}, name="o"
    )
    result = run_cli(
        [
            "build",
            site,
            other,
            "--base-url",
            LAB_URL,
            "-o",
            tmp_path / "out",
            "--skip-invalid",
            "--now",
            FIXED_NOW,
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert (
        "site/data/authors/deep.yaml:1: warning: author profile not read: nested more than 100"
        in result.stderr
    )


@pytest.mark.parametrize(
    ("page", "line"),
    [
        pytest.param(
            f"---\ntitle: Deep\npublishDate: 2024-01-01\ntags: {_deep_yaml_list()}\n---\n", 4, id="yaml"
        ),
        pytest.param(
            "---\ntitle: Deep\npublishDate: 2024-01-01\ntags:\n"
            + "".join("  " * level + "-\n" for level in range(1, DEEP))
            + "---\n",
            MAX_DATA_NESTING + 4,
            id="yaml-block",
        ),
        pytest.param(
            f'+++\ntitle = "Deep"\npublishDate = 2024-01-01\ntags = {"[" * DEEP}1{"]" * DEEP}\n+++\n',
            1,
            id="toml",
        ),
        pytest.param(
            '+++\ntitle = "Deep"\npublishDate = 2024-01-01\n' + "a." * DEEP + "b = 1\n+++\n",
            1,
            id="toml-dotted",
        ),
        pytest.param(
            '{\n"title": "Deep", "publishDate": "2024-01-01", "x": ' + "[" * DEEP + "]" * DEEP + "\n}\n",
            1,
            id="json",
        ),
    ],
)
def test_front_matter_nested_past_the_bound_is_an_error_on_its_page(
    tmp_path: Path, page: str, line: int
) -> None:
    site = make_site(
        tmp_path, {"deep.md": page, "fine.md": "---\ntitle: Fine\npublishDate: 2024-01-01\n---\n"}
    )
    result = run_cli(["check", site])
    assert result.exit_code == 1
    assert (
        f"content/talk/deep.md:{line}: error: front matter is nested more than 100 levels deep "
        "(lists and tables inside each other); talkfeed reads up to 100 (flatten it)"
    ) in result.stderr


def test_a_site_config_nested_past_the_bound_is_an_error_naming_it(tmp_path: Path) -> None:
    site = make_site(tmp_path, {}, config='baseURL = "https://example.org/"\n' + "params." * DEEP + "x = 1\n")
    result = run_cli(["check", site])
    assert result.exit_code == 1
    assert result.stderr == (
        f"{site / 'hugo.toml'}:1: error: cannot read the site config: nested more than 100 levels deep "
        "(lists and tables inside each other); talkfeed reads up to 100 (flatten it)\n"
    )


def test_a_run_config_nested_past_the_bound_is_an_error_naming_it(tmp_path: Path) -> None:
    site = make_site(tmp_path, {})
    (site / "talkfeed.toml").write_text(f"per = {'[' * DEEP}{']' * DEEP}\n", encoding="utf-8")
    result = run_cli(["check", site])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{site / 'talkfeed.toml'}:1: error: cannot read: nested more than 100")


def test_the_bound_leaves_real_sites_alone() -> None:
    assert run_cli(["check", DEMO_SITE]).exit_code == 0
