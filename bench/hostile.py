"""Time reading and rendering hostile talk pages at two sizes, and print how the time grows.

    python bench/hostile.py [--repeat R]

Each body of ``tests/_hostile.py`` (emphasis runs, ampersands, open shortcodes, …) is read and
rendered at its size and at four times it; the best of R runs of each is kept. A cost in step
with the size gives a ratio near 4; one in the square of it, near 16. The ratio is reported, and
a body whose ratio passes 6.5 is flagged; ``tests/test_bounds.py`` checks the memory, which can
be measured exactly, in every test run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _hostile import HOSTILE, page_of, read_and_render

LINEAR_AT_MOST = 6.5
"""Four times the page in at most this many times the time: in step with the size, and noise."""


def _seconds(folder: Path, text: str, repeat: int) -> float:
    """The best of ``repeat`` runs: the least disturbed by anything else the machine does."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        read_and_render(folder, text)
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args(argv)
    flagged = 0
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        read_and_render(folder, page_of(next(iter(HOSTILE.values())), 1024))  # imports and caches warmed
        print(f"{'body':<26}{'size':>9}{'×1 (s)':>10}{'×4 (s)':>10}{'ratio':>8}")
        for name, body in HOSTILE.items():
            size = body[2] * 1024
            small = _seconds(folder, page_of(body, size), arguments.repeat)
            large = _seconds(folder, page_of(body, 4 * size), arguments.repeat)
            ratio = large / small
            mark = "" if ratio <= LINEAR_AT_MOST else "  <- grows faster than the page"
            flagged += ratio > LINEAR_AT_MOST
            print(f"{name:<26}{body[2]:>6}KiB{small:>10.3f}{large:>10.3f}{ratio:>8.1f}{mark}")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
