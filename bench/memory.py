"""Measure the peak memory of talkfeed's cold build over all its processes, for large sites.

    python bench/memory.py [--sizes 30000,100000] [--work-dir DIR]

The memory targets are about sites too large for every row of bench/run.py to be worth timing
(Hugo's full build of 100,000 talks alone takes minutes and gigabytes). This runs just the cold
build (``talkfeed build SITE -o OUT -q --no-cache`` into a fresh OUT, empty cache folder) once per
size, on the same generated sites as bench/run.py, through the same wrapper: peak RSS of the
largest process and peak PSS summed over the process tree, sampled every 50 ms.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import run

TARGETS_MIB = {30_000: 450, 100_000: 1536}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=run._sizes, default=[30_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work-dir", default=str(Path(tempfile.gettempdir()) / "talkfeed-bench"))
    parser.add_argument("--talkfeed", metavar="PATH")
    args = parser.parse_args(argv)
    talkfeed = run._find_talkfeed(args.talkfeed)
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    print("| talks | wall | CPU | peak RSS, largest process | peak PSS, all processes | target |")
    print("|--:|--:|--:|--:|--:|:--|")
    for count in args.sizes:
        site, _ = run._prepare_site(count, args.seed, work)
        out, cache = work / f"memory-out-{count}", work / f"memory-cache-{count}"
        for folder in (out, cache):
            shutil.rmtree(folder, ignore_errors=True)
        environment = {**run._installed_environment(), "XDG_CACHE_HOME": str(cache)}
        command = [talkfeed, "build", str(site), "-o", str(out), "-q", "--no-cache"]
        sample = run._run_measured(command, work / "memory-report.json", environment)
        target = TARGETS_MIB.get(count)
        peak = sample.tree_pss_kib / 1024
        verdict = "" if target is None else f"≤ {target:,} MiB {'✅' if peak <= target else '❌'}"
        largest = sample.maxrss_kib / 1024
        timing = f"{sample.seconds:.0f} s | {sample.cpu:.0f} s"
        print(f"| {count:,} | {timing} | {largest:,.0f} MiB | {peak:,.0f} MiB | {verdict} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
