"""The README tells the truth: its help blocks, its two commands, every front-matter key, every label."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from babel import Locale

from talkfeed.read.labels import catalogue, catalogue_names
from talkfeed.read.page import FRONT_MATTER_KEYS

from conftest import ROOT, make_site, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
CI_SCRIPT = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _help_block(name: str) -> str:
    match = re.search(rf"<!-- help: {name} -->\n```\n(.*?)\n```", README, re.DOTALL)
    assert match, f"README has no help block for {name}"
    return match.group(1)


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("talkfeed", ["--help"]),
        ("build", ["build", "--help"]),
        ("check", ["check", "--help"]),
        ("list", ["list", "--help"]),
        ("snippet", ["snippet", "--help"]),
    ],
    ids=["main", "build", "check", "list", "snippet"],
)
def test_readme_usage_equals_real_help(name: str, arguments: list[str]) -> None:
    assert _help_block(name) == run_cli(arguments).stdout.rstrip("\n")


@pytest.mark.parametrize("key", sorted(FRONT_MATTER_KEYS))
def test_every_front_matter_key_read_is_documented(key: str) -> None:
    assert f"`{key}`" in README


def test_readme_opens_with_one_sentence_then_two_commands() -> None:
    lines = README.splitlines()
    assert lines[0] == "# talkfeed"
    assert lines[2].startswith("talkfeed turns the talk pages") and lines[2].count(". ") == 0
    block = re.search(r"```sh\n(.*?)\n```", README, re.DOTALL)
    assert block is not None
    commands = block.group(1).splitlines()
    assert len(commands) == 2
    assert commands[0] == (
        "python3 bootstrap.py && .venv/bin/pip install . "
        "&& .venv/bin/talkfeed build fixtures/demo-site -o public"
    )


def test_ci_runs_both_readme_commands_as_written() -> None:
    block = re.search(r"```sh\n(.*?)\n```", README, re.DOTALL)
    assert block is not None
    extract = CI_SCRIPT[CI_SCRIPT.index("readme_command() {") : CI_SCRIPT.index("\n}\n") + 3]
    for number, command in enumerate(block.group(1).splitlines(), start=1):
        script = f"cd {ROOT} && {extract}\nreadme_command {number}"
        found = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout
        assert found.strip() == command
        assert f'"$(readme_command {number})"' in CI_SCRIPT


def test_every_exit_code_is_documented() -> None:
    table = README[README.index("| exit code | meaning |") :]
    for code in ("0", "1", "2", "75"):
        assert re.search(rf"^\| {code} \|", table, re.MULTILINE)


def test_golden_regeneration_command_is_documented() -> None:
    assert "python tests/regenerate_golden.py" in README
    assert Path(ROOT / "tests" / "regenerate_golden.py").is_file()


@pytest.mark.parametrize("key", list(catalogue("en")))
def test_every_label_id_is_documented_with_its_english(key: str) -> None:
    table = README.split("The ids, with talkfeed's English", 1)[1].split("\n\n", 2)[1]
    assert f"`{key}`" in table
    if not key.startswith("btn_") and key != "talkfeed_colon":
        english = catalogue("en")[key]["other"]
        assert english.split(" …")[0][:30] in table, english


@pytest.mark.parametrize("language", sorted(catalogue_names()))
def test_every_language_talkfeed_has_labels_in_is_named(language: str) -> None:
    labels = README.split("- **Labels** come from talkfeed's own tables", 1)[1].split("\n- ", 1)[0]
    name = Locale.parse(language.replace("-", "_")).english_name
    assert name.split(" (")[0] in labels
    if "Hant" in language:
        assert "traditional" in labels


def test_the_readmes_i18n_example_renames_the_talks(tmp_path: Path) -> None:
    example = README.split("a French site that calls its talks *conférences*, in `i18n/fr.yaml`:", 1)[1]
    table = re.search(r"```yaml\n(.*?)```", example, re.DOTALL)
    assert table is not None
    site = make_site(
        tmp_path,
        {"a.md": "---\ntitle: T\npublishDate: 2024-05-01\nauthors: [A, B]\n---\n"},
        'baseURL = "https://example.org/"\ntitle = "Lab"\nlanguageCode = "fr"\n',
    )
    (site / "i18n").mkdir()
    (site / "i18n" / "fr.yaml").write_text(table.group(1), encoding="utf-8")
    result = run_cli(["build", site, "-o", tmp_path / "out", "-q"])
    assert result.exit_code == 0, result.stderr
    feed = (tmp_path / "out" / "feed.json").read_text(encoding="utf-8")
    assert '"title": "Conférences — Lab"' in feed
    assert "<p>Conférenciers\u00a0: A et B</p>" in feed
