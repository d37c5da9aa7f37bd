"""Rebuild the demo site's golden feeds: ``python tests/regenerate_golden.py``.

Review the diff (``git diff fixtures/golden``) before committing: the golden files are
the expected output, and a change to them is a change to what every reader sees.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from talkfeed.cli import main

from conftest import DEMO_SITE, FIXED_NOW, GOLDEN


def regenerate() -> None:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "feeds"
        result = CliRunner().invoke(main, ["build", str(DEMO_SITE), "-o", str(output), "--now", FIXED_NOW])
        if result.exit_code != 0:
            raise SystemExit(result.output)
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(output, GOLDEN, ignore=shutil.ignore_patterns(".*"))
        for path in sorted(GOLDEN.rglob("*")):
            if path.is_file():
                print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    regenerate()
