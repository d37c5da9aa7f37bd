"""Create the virtual environment `.venv` with pip in it, from whatever `python3` runs this.

Debian and Ubuntu refuse `pip install` outside a virtual environment (PEP 668), and their
`python3` may lack `ensurepip` (the python3-venv package): then the environment is made without
pip, and pip is brought from PyPI's own wheel. Nothing happens when `.venv` already has pip.
Standard library only: it runs before anything is installed.
"""

import hashlib
import json
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import venv
from pathlib import Path

TARGET = Path(__file__).resolve().parent / ".venv"


def main() -> int:
    python = TARGET / "bin" / "python"
    if (TARGET / "bin" / "pip").exists():
        return 0
    try:
        venv.create(TARGET, with_pip=True, clear=True)
    except (subprocess.CalledProcessError, OSError):
        venv.create(TARGET, with_pip=False, clear=True)
        _install_pip(python)
    return 0


def _install_pip(python: Path) -> None:
    """Install pip into the environment from its wheel on PyPI (a wheel can run pip itself)."""
    index = "https://pypi.org/pypi/pip/json"
    with urllib.request.urlopen(index, timeout=60) as answer:
        release = json.load(answer)
    wheel = next(item for item in release["urls"] if item["filename"].endswith(".whl"))
    url = urllib.parse.urljoin(index, wheel["url"])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / wheel["filename"]
        with urllib.request.urlopen(url, timeout=300) as answer:
            data = answer.read()
        if hashlib.sha256(data).hexdigest() != wheel["digests"]["sha256"]:
            raise SystemExit(f"bootstrap.py: {wheel['filename']} does not match its sha256 on PyPI")
        path.write_bytes(data)
        subprocess.run([str(python), f"{path}/pip", "install", "--quiet", str(path)], check=True)


if __name__ == "__main__":
    sys.exit(main())
