"""bootstrap.py makes `.venv` and nothing else: no write outside the checkout, one line for each failure."""

from __future__ import annotations

import importlib.util
import io
import os
import re
import subprocess
import sys
import urllib.error
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from conftest import ROOT


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "bootstrap.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bootstrap = _load()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    folder = tmp_path / "checkout"
    folder.mkdir()
    return folder


@pytest.fixture
def no_ensurepip(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """A Python without ensurepip: an environment with pip cannot be made, one without can."""
    calls: list[dict[str, object]] = []

    def create(target: Path, with_pip: bool = False, clear: bool = False) -> None:
        calls.append({"target": Path(target), "with_pip": with_pip, "clear": clear})
        if with_pip:
            raise subprocess.CalledProcessError(1, ["python", "-m", "ensurepip"])
        (Path(target) / "bin").mkdir(parents=True, exist_ok=True)
        os.symlink(sys.executable, Path(target) / "bin" / "python")

    monkeypatch.setattr(bootstrap.venv, "create", create)
    return calls


def _answer(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def _one_line(captured: pytest.CaptureFixture[str]) -> str:
    err = captured.readouterr().err
    assert err.count("\n") == 1, err
    return err.rstrip("\n")


def test_a_venv_that_links_to_another_folder_is_refused_and_that_folder_left_alone(
    checkout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], no_ensurepip: list[object]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("keep me", encoding="utf-8")
    (checkout / ".venv").symlink_to(elsewhere)
    assert bootstrap.main(checkout / ".venv") == 1
    line = _one_line(capsys)
    assert line.startswith(f"bootstrap.py: {checkout / '.venv'} is a link to {elsewhere}")
    assert "remove the link" in line
    assert (elsewhere / "precious.txt").read_text(encoding="utf-8") == "keep me"
    assert no_ensurepip == []


def test_offline_without_ensurepip_is_one_line_saying_what_to_do(
    checkout: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_ensurepip: list[object],
) -> None:
    def offline(url: str, timeout: float) -> io.BytesIO:
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(bootstrap.urllib.request, "urlopen", offline)
    assert bootstrap.main(checkout / ".venv") == 1
    line = _one_line(capsys)
    assert line.startswith(f"bootstrap.py: cannot download pip {bootstrap.PIP_VERSION} (")
    assert "connect to the internet" in line and "apt install python3-venv" in line


def test_a_download_that_is_not_the_pinned_wheel_is_refused(
    checkout: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_ensurepip: list[object],
) -> None:
    asked: list[str] = []

    def tampered(url: str, timeout: float) -> io.BytesIO:
        asked.append(url)
        return _answer(b"not the wheel")

    monkeypatch.setattr(bootstrap.urllib.request, "urlopen", tampered)
    assert bootstrap.main(checkout / ".venv") == 1
    assert asked == [bootstrap.PIP_URL]  # no index is asked which wheel or which digest
    line = _one_line(capsys)
    assert f"not the {bootstrap.PIP_SHA256} written in bootstrap.py; it was not installed" in line


def test_the_pip_wheel_is_pinned_by_version_and_sha256_in_the_file() -> None:
    assert re.fullmatch(r"\d+(\.\d+)+", bootstrap.PIP_VERSION)
    assert re.fullmatch(r"[0-9a-f]{64}", bootstrap.PIP_SHA256)
    assert bootstrap.PIP_URL.startswith("https://files.pythonhosted.org/packages/")
    assert bootstrap.PIP_URL.endswith(f"/pip-{bootstrap.PIP_VERSION}-py3-none-any.whl")


def test_a_venv_whose_python_leads_nowhere_is_named_and_made_again(
    checkout: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = checkout / ".venv"
    (target / "bin").mkdir(parents=True)
    (target / "bin" / "python").symlink_to("/nowhere/python3.99")
    (target / "bin" / "pip").write_text("#!/nowhere/python3.99\n", encoding="utf-8")
    made: list[tuple[Path, bool]] = []
    monkeypatch.setattr(bootstrap.venv, "create", lambda path, with_pip, clear: made.append((path, clear)))
    assert bootstrap.main(target) == 0
    line = _one_line(capsys)
    assert line == (
        f"bootstrap.py: {target} is broken ({target / 'bin' / 'python'} leads to /nowhere/python3.99, "
        "which is not there); making it again"
    )
    assert made == [(target, True)]


@pytest.fixture
def scratch_watch(checkout: Path) -> Iterator[None]:
    before = os.environ.get("TMPDIR")
    yield
    assert os.environ.get("TMPDIR") == before
    assert not (checkout / ".bootstrap-tmp").exists()


def test_temporary_files_stay_in_the_checkout_and_go(
    checkout: Path, monkeypatch: pytest.MonkeyPatch, scratch_watch: None
) -> None:
    seen: list[str | None] = []

    def create(target: Path, with_pip: bool = False, clear: bool = False) -> None:
        seen.append(os.environ.get("TMPDIR"))
        (Path(target) / "bin").mkdir(parents=True)

    monkeypatch.setattr(bootstrap.venv, "create", create)
    assert bootstrap.main(checkout / ".venv") == 0
    assert seen == [str(checkout / ".bootstrap-tmp")]


def test_names_the_absolute_path_of_the_command(
    checkout: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cron runs with a bare PATH: the command's absolute path is what its line needs."""
    monkeypatch.setattr(bootstrap, "make_environment", lambda target: None)
    assert bootstrap.main(checkout / ".venv") == 0
    out = capsys.readouterr().out
    command = re.search(r"its command is (\S+)", out)
    assert command is not None, out
    assert Path(command[1]).is_absolute()
    assert Path(command[1]) == checkout / ".venv" / "bin" / "talkfeed"
