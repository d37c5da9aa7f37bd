"""Create the virtual environment `.venv` with pip in it, from whatever `python3` runs this.

Debian and Ubuntu refuse `pip install` outside a virtual environment (PEP 668), and their
`python3` may lack `ensurepip` (the python3-venv package): then the environment is made without
pip, and pip is brought from its wheel on PyPI, the one version whose sha256 is written below.
Nothing happens when `.venv` already runs pip. A `.venv` whose Python no longer runs (its
interpreter was removed or upgraded away) is named and made again. Nothing is written or
removed outside the checkout: a `.venv` that is a link to another folder is refused, and
temporary files stay in the checkout. Every failure is one line saying what to do.
Standard library only: it runs before anything is installed.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TARGET = ROOT / ".venv"
PIP_VERSION = "26.3"
PIP_WHEEL = f"pip-{PIP_VERSION}-py3-none-any.whl"
PIP_URL = (
    "https://files.pythonhosted.org/packages/07/25/ee8c38ae72d66b844ce8eb9711ba905dba21ca1a8a0c960057c41cd23337/"
    + PIP_WHEEL
)
PIP_SHA256 = "f3b60b20ffaadd4415ed7957212a38ac63fa4c5fa375bd0f4a797777940fad13"
"""The wheel's sha256, from `pip download pip==26.3 --no-deps` and `sha256sum`: a download that
differs is refused, whatever the index says."""


class Refusal(Exception):
    """A reason to stop, said in one line with what to do."""


def main(target: Path = TARGET) -> int:
    try:
        make_environment(target)
    except Refusal as refusal:
        print(f"bootstrap.py: {refusal}", file=sys.stderr)
        return 1
    print(
        f"bootstrap.py: {target} is ready; once talkfeed is installed in it, its command is "
        f"{target / 'bin' / 'talkfeed'} (call it by that path from cron and CI)"
    )
    return 0


def make_environment(target: Path) -> None:
    """Make ``target`` a virtual environment with pip, unless it already is one that runs."""
    if target.is_symlink():
        raise Refusal(
            f"{target} is a link to {os.readlink(target)}; bootstrap.py makes the environment only "
            "inside the checkout, and would empty the folder it leads to (remove the link, then run it again)"
        )
    if target.exists() and not target.is_dir():
        raise Refusal(f"{target} is not a folder (remove it, then run bootstrap.py again)")
    if target.is_dir():
        problem = broken(target)
        if problem is None:
            return
        print(f"bootstrap.py: {target} is broken ({problem}); making it again", file=sys.stderr)
    scratch = target.parent / ".bootstrap-tmp"
    scratch.mkdir(exist_ok=True)
    # ensurepip and pip unpack into the temporary folder: keep it in the checkout.
    environment = {**os.environ, "TMPDIR": str(scratch)}
    previous = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(scratch)
    try:
        try:
            venv.create(target, with_pip=True, clear=True)
        except (subprocess.CalledProcessError, OSError):
            _create_without_pip(target)
            install_pip(target / "bin" / "python", scratch, environment)
    finally:
        if previous is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = previous
        shutil.rmtree(scratch, ignore_errors=True)


def broken(target: Path) -> str | None:
    """Say what is wrong with an existing environment, or ``None`` when its Python runs pip."""
    python = target / "bin" / "python"
    if python.is_symlink() and not python.exists():
        return f"{python} leads to {os.readlink(python)}, which is not there"
    if not python.exists():
        return f"it has no {python}"
    try:
        ran = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{python} does not run: {error}"
    if ran.returncode != 0:
        return (
            f"{python} has no pip" if b"No module named pip" in ran.stderr else f"{python} does not run pip"
        )
    return None


def _create_without_pip(target: Path) -> None:
    try:
        venv.create(target, with_pip=False, clear=True)
    except (subprocess.CalledProcessError, OSError) as error:
        raise Refusal(f"cannot make {target}: {error}") from None


def install_pip(python: Path, scratch: Path, environment: dict[str, str]) -> None:
    """Install pip into the environment from its pinned wheel (a wheel can run pip itself)."""
    wheel = scratch / PIP_WHEEL
    try:
        with urllib.request.urlopen(PIP_URL, timeout=300) as answer:
            data = answer.read()
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise Refusal(
            f"cannot download pip {PIP_VERSION} ({reason}), which this Python needs since it has no "
            "ensurepip: connect to the internet (or set HTTPS_PROXY), or install ensurepip (Debian and "
            "Ubuntu: apt install python3-venv), then run bootstrap.py again"
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != PIP_SHA256:
        raise Refusal(
            f"the download of {PIP_URL} has sha256 {digest}, not the {PIP_SHA256} written in "
            "bootstrap.py; it was not installed (try again; if it persists, the download is not pip's)"
        )
    wheel.write_bytes(data)
    command = [str(python), f"{wheel}/pip", "install", "--quiet", "--no-cache-dir", str(wheel)]
    installed = subprocess.run(command, env=environment)
    if installed.returncode != 0:
        raise Refusal(
            f"installing pip {PIP_VERSION} into {python.parent.parent} failed (see pip's output above)"
        )


if __name__ == "__main__":
    sys.exit(main())
