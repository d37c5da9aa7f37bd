"""Whatever a site holds, a run ends with a message, never a traceback, and loses no talk in silence.

Each example is a generated site: talk pages valid and broken, nested in folders, some of them
unreadable (``chmod 000``, folders that cannot be listed or entered), FIFOs, links out of the
site and in a loop, folders named like pages, deep front matter, and titles and bodies with
any characters. ``build --skip-invalid``, ``check`` and ``list`` run on it, bound by file
permissions as a cron job's user is (``_unprivileged``), and each must:

- end with exit code 0, 1 or 2, and no traceback;
- touch nothing outside its output folder;
- publish (or list) every valid talk it can read, or name it in a message.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _unprivileged import Outcome, bound, invoke

BASE = "https://example.org/"
FOLDER_MODES = (0o755, 0o755, 0o555, 0o000, 0o311)
"""Readable and enterable, twice as likely; read-only; nothing; enter without listing."""
READABLE_FOLDER_MODES = (0o755, 0o555)
KINDS = (
    "valid",
    "valid",
    "valid",
    "broken-yaml",
    "deep",
    "empty",
    "binary",
    "fifo",
    "link-out",
    "link-loop",
    "folder",
    "unclosed-quote",
)
FRAGMENTS = ("&#xFFFE;", "&#xFFFF;", "{{< x >}}", "{{% alert %}}x", "<div>", "& &amp;", "*a*", "\t", "\r\n")
_examples = itertools.count()


@dataclass(frozen=True)
class Entry:
    folder: int
    """Which generated folder holds it: an index into the site's folders."""
    bundle: bool
    kind: str
    readable: bool
    title: str
    body: str


@dataclass(frozen=True)
class Site:
    parents: tuple[int, ...]
    """Each folder's parent folder (-1: the talk section itself)."""
    modes: tuple[int, ...]
    entries: tuple[Entry, ...]
    section_mode: int = 0o755
    profile: str = "none"
    """An author profile: none, fine, deep (nested past the bound) or hidden (``chmod 000``)."""


texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=24)


@st.composite
def _sites(draw: st.DrawFn) -> Site:
    count = draw(st.integers(0, 3))
    parents = tuple(draw(st.integers(-1, number - 1)) for number in range(count))
    modes = tuple(draw(st.sampled_from(FOLDER_MODES)) for _ in range(count))
    entries = draw(
        st.lists(
            st.builds(
                Entry,
                folder=st.integers(-1, count - 1),
                bundle=st.booleans(),
                kind=st.sampled_from(KINDS),
                readable=st.sampled_from((True, True, True, False)),
                title=texts,
                body=st.lists(st.one_of(texts, st.sampled_from(FRAGMENTS)), max_size=4).map("".join),
            ),
            min_size=1,
            max_size=6,
        )
    )
    section_mode = draw(st.sampled_from((0o755,) * 6 + (0o000, 0o311)))
    profile = draw(st.sampled_from(("none", "none", "fine", "deep", "hidden")))
    return Site(parents, modes, tuple(entries), section_mode, profile)


def _parts(site: Site, folder: int) -> list[str]:
    parts: list[str] = []
    while folder != -1:
        parts.insert(0, f"f{folder}")
        folder = site.parents[folder]
    return parts


def _reachable(site: Site, folder: int) -> bool:
    while folder != -1:
        if site.modes[folder] not in READABLE_FOLDER_MODES:
            return False
        folder = site.parents[folder]
    return site.section_mode in READABLE_FOLDER_MODES


def _page(entry: Entry) -> bytes:
    title = json.dumps(entry.title)
    if entry.kind == "broken-yaml":
        return f"---\ntitle: {title}\npublishDate: [2020\n---\n".encode()
    if entry.kind == "unclosed-quote":
        opened = (entry.title.isalnum() and entry.title) or "open"
        return f'---\ntitle: "{opened}\npublishDate: 2020-01-01\n---\n'.encode()
    if entry.kind == "deep":
        return f"---\ntitle: {title}\npublishDate: 2020-01-01\ntags: {'[' * 150}{']' * 150}\n---\n".encode()
    if entry.kind == "empty":
        return b""
    if entry.kind == "binary":
        return b"\x00\x01\x02PNG" * 40
    return f"---\ntitle: {title}\npublishDate: 2020-01-01\n---\n{entry.body}\n".encode(
        "utf-8", "surrogatepass"
    )


def _write(root: Path, site: Site) -> tuple[dict[str, str], list[str]]:
    """Write the site below ``root``; give each valid talk it can read (its path → its id), and
    each valid talk that is out of reach (its path)."""
    (root / "outside").mkdir()
    (root / "outside" / "secret.md").write_text("---\ntitle: Secret\npublishDate: 2020-01-01\n---\n")
    section = root / "site" / "content" / "talk"
    section.mkdir(parents=True)
    (root / "site" / "hugo.toml").write_text(f'baseURL = "{BASE}"\ntitle = "Lab"\n', encoding="utf-8")
    for number in range(len(site.parents)):
        (section.joinpath(*_parts(site, number))).mkdir(parents=True, exist_ok=True)
    if site.profile != "none":
        (root / "site" / "data" / "authors").mkdir(parents=True)
        name = "[" * 150 + "]" * 150 if site.profile == "deep" else "{display: Ada Lovelace}"
        profile = root / "site" / "data" / "authors" / "ada.yaml"
        profile.write_text(f"name: {name}\n", encoding="utf-8")
        profile.chmod(0 if site.profile == "hidden" else 0o644)
    expected: dict[str, str] = {}
    hidden: list[str] = []
    for number, entry in enumerate(site.entries):
        folder = section.joinpath(*_parts(site, entry.folder))
        name = f"p{number}"
        path = folder / name / "index.md" if entry.bundle else folder / f"{name}.md"
        path.parent.mkdir(exist_ok=True)
        if entry.kind == "fifo":
            os.mkfifo(path)
        elif entry.kind == "link-out":
            path.symlink_to(root / "outside" / "secret.md")
        elif entry.kind == "link-loop":
            path.symlink_to(path)
        elif entry.kind == "folder":
            path.mkdir()
        else:
            path.write_bytes(_page(entry))
            path.chmod(0o644 if entry.readable else 0)
        if entry.kind == "valid" and entry.readable and _reachable(site, entry.folder):
            slug = "/".join([*_parts(site, entry.folder), name])
            expected[path.relative_to(root / "site").as_posix()] = f"{BASE}talk/{slug}/"
        elif entry.kind == "valid":
            hidden.append(path.relative_to(root / "site").as_posix())
    for number, mode in reversed(list(enumerate(site.modes))):
        section.joinpath(*_parts(site, number)).chmod(mode)
    section.chmod(site.section_mode)
    return expected, hidden


def _named(path: str, stderr: str) -> bool:
    """Tell whether an error names the page or a folder it is in."""
    errors = [line for line in stderr.splitlines() if ": error: " in line]
    steps = path.split("/")
    names = {"/".join(steps[:length]) + "/" for length in range(1, len(steps))} | {path}
    return any(line.startswith(name) or f"/{name}" in line for line in errors for name in names)


def _state(root: Path, skipped: Path) -> dict[str, tuple[object, ...]]:
    """Every file, folder and link below ``root`` but ``skipped``: its kind, mode, size and content."""
    found: dict[str, tuple[object, ...]] = {}
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if Path(folder, name) != skipped]
        for name in [*subfolders, *names]:
            path = Path(folder, name)
            status = path.lstat()
            content: object = None
            if stat.S_ISLNK(status.st_mode):
                content = os.readlink(path)
            elif stat.S_ISREG(status.st_mode):
                content = hashlib.sha256(path.read_bytes()).hexdigest()
            found[str(path)] = (
                stat.S_IFMT(status.st_mode),
                stat.S_IMODE(status.st_mode),
                status.st_mtime_ns,
                content,
            )
    return found


def _restore(root: Path) -> None:
    for folder, subfolders, _ in os.walk(root):
        for name in subfolders:
            path = Path(folder, name)
            if not path.is_symlink():
                path.chmod(0o755)


def _three_runs(site: Path, out: Path) -> Outcome:
    """Run build, check and list; give back what each printed (as JSON) and any traceback."""
    reports = {}
    escaped = None
    for name, arguments in (
        ("build", ["build", site, "-o", out, "--skip-invalid", "--now", "2024-06-01"]),
        ("check", ["check", site]),
        ("list", ["list", site, "--now", "2024-06-01"]),
    ):
        outcome = invoke(arguments)
        reports[name] = {"exit_code": outcome.exit_code, "stdout": outcome.stdout, "stderr": outcome.stderr}
        escaped = escaped or outcome.traceback
    return Outcome(0, json.dumps(reports), "", escaped)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(_sites())
def test_every_run_on_any_site_ends_in_a_message_and_loses_no_talk_silently(
    tmp_path: Path, site: Site
) -> None:
    root = tmp_path / f"example-{next(_examples)}"
    root.mkdir()
    expected, hidden = _write(root, site)
    out = root / "out"
    before = _state(root, out)
    try:
        result = bound(lambda: _three_runs(root / "site", out))
    finally:
        after = _state(root, out)
        _restore(root)
    assert result.traceback is None, result.traceback
    assert after == before, "a run touched something outside its output folder"
    reports = json.loads(result.stdout)
    for command, report in reports.items():
        assert report["exit_code"] in (0, 1, 2), (command, report)
        assert "Traceback" not in report["stderr"], (command, report["stderr"])
        assert "the system refused an operation" not in report["stderr"], (command, report["stderr"])
        if report["exit_code"] != 0:
            assert "error" in report["stderr"], (command, report)
    build = reports["build"]
    if build["exit_code"] == 0:
        published = {
            item["id"] for item in json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"]
        }
        for path, talk in expected.items():
            assert talk in published or path in build["stderr"], (path, build["stderr"])
    listing = reports["list"]
    for path, talk in expected.items():
        assert talk in listing["stdout"] or path in listing["stderr"], (path, listing)
    for path in hidden:
        for command, report in reports.items():
            assert _named(path, report["stderr"]), (command, path, report["stderr"])
