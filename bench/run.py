"""Time talkfeed against Hugo on the same generated site and print a table of medians.

    python bench/run.py [--sizes 1000,10000] [--repeat R] [--markdown bench/RESULTS.md]

For each size N, one generated site (bench/generate_site.py, reused when present) is built R times
by each of: talkfeed cold, talkfeed on first run (empty cache), talkfeed warm (nothing changed),
talkfeed with one page changed, talkfeed check (cold and warm), Hugo building only the talk section's
RSS feed, and Hugo building the full site. Every command runs in a fresh child wrapper that reports
its own wall time, CPU time and peak resident memory. See bench/README.md.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import generate_site

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
HUGO_INSTALL = (
    "Hugo is needed for the reference timings but was not found.\n"
    "Install it with:  apt-get update && apt-get install -y hugo   (Debian/Ubuntu)\n"
    "or see https://gohugo.io/installation/, or pass --hugo PATH."
)
# Runs a command and reports its own child's figures, so each measurement has a fresh RUSAGE_CHILDREN.
# ru_maxrss is the largest single process of the tree; talkfeed's forked page readers run beside its
# main process, so a thread also samples the proportional set size (PSS) of the whole tree.
_WRAPPER = """\
import glob, json, resource, subprocess, sys, threading, time

def tree(pid):
    pids, index = [pid], 0
    while index < len(pids):
        for children in glob.glob(f"/proc/{pids[index]}/task/*/children"):
            try:
                with open(children) as file:
                    pids.extend(int(child) for child in file.read().split())
            except OSError:
                pass
        index += 1
    return pids

def pss(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as file:
            for line in file:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

started = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
peak, finished = 0, threading.Event()

def sample():
    global peak
    while not finished.wait(0.05):
        peak = max(peak, sum(pss(pid) for pid in tree(child.pid)))

threading.Thread(target=sample, daemon=True).start()
code = child.wait()
seconds = time.perf_counter() - started
finished.set()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as report:
    json.dump({"code": code, "seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
               "maxrss_kib": usage.ru_maxrss, "tree_pss_kib": peak}, report)
"""


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    talkfeed: bool
    target: float | None = None
    """Largest ratio to Hugo RSS-only the issue accepts, where it sets one."""


MEASURES = (
    Measure("cold", "talkfeed build, cold (no cache, fresh output)", True, 0.8),
    Measure("first", "talkfeed build, first run (empty cache, fresh output)", True),
    Measure("warm", "talkfeed build, warm (nothing changed)", True, 0.05),
    Measure("changed", "talkfeed build, one page changed", True, 0.1),
    Measure("check", "talkfeed check, cold (no cache)", True, 0.5),
    Measure("check_warm", "talkfeed check, warm", True),
    Measure("hugo_rss", "Hugo, talk section RSS only", False, None),
    Measure("hugo_full", "Hugo, full site (reference)", False, None),
)
MEMORY_LIMIT_KIB = 1.5 * 1024 * 1024
"""Peak memory the issue allows a cold build of 100,000 talks."""


@dataclass
class Sample:
    seconds: float
    cpu: float
    maxrss_kib: int
    """Peak resident memory of the largest single process (getrusage)."""
    tree_pss_kib: int
    """Peak sum of PSS over the process tree, sampled every 50 ms (0 when it ran too briefly)."""
    others_cpu: float
    """CPU time other processes on the machine used meanwhile: they competed with the measurement."""


@dataclass
class SizeResult:
    count: int
    markdown_bytes: int
    repeat: int
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class BenchError(Exception):
    """A command failed or produced the wrong output; the message says which."""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_arguments(argv)
    talkfeed = _find_talkfeed(args.talkfeed)
    hugo = args.hugo or shutil.which("hugo")
    if hugo is None or not _runs([hugo, "version"]):
        print(HUGO_INSTALL, file=sys.stderr)
        return 1
    machine = _describe_machine(talkfeed, hugo)
    # Untimed, and it leaves talkfeed's modules compiled for the timed runs (see _installed_environment).
    help_text = subprocess.run(
        [talkfeed, "build", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env=_installed_environment(),
    ).stdout
    no_cache = "--no-cache" in help_text
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    # Two runs on one work dir would change each other's probe page and share outputs and cache.
    lock = (work / ".run.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"another bench/run.py is using {work}; wait for it or pass --work-dir", file=sys.stderr)
        return 1
    print(_describe_run(machine, args, no_cache, work), flush=True)
    busy = _busy_seconds()
    time.sleep(2)
    if (share := (_busy_seconds() - busy) / 2) > 0.1:
        print(
            f"warning: other processes keep {share:.0%} of a core busy; the timings will be disturbed "
            "(each size's table says how much)",
            file=sys.stderr,
            flush=True,
        )
    results: list[SizeResult] = []
    try:
        for count in args.sizes:
            repeat = args.repeat or (1 if count >= 100_000 else 5)
            results.append(_bench_size(count, repeat, args, talkfeed, hugo, no_cache, work))
            print(_size_table(results[-1]), flush=True)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    report = _report(machine, args, no_cache, results)
    print(_summary_table(results))
    if args.markdown:
        Path(args.markdown).write_text(report, encoding="utf-8")
        print(f"wrote {args.markdown}")
    return 0


def _parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=[1000, 10000],
        help="comma-separated numbers of talks (default: 1000,10000; try 100000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="repetitions per measurement (default: 5, or 1 for 100,000 talks and more)",
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default: 1)")
    parser.add_argument(
        "--work-dir",
        default=os.path.join(tempfile.gettempdir(), "talkfeed-bench"),
        help="where sites, outputs and the talkfeed cache go (default: %(default)s); "
        "generated sites are kept there and reused",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the outputs of the last repetition (feeds, Hugo's public folders)",
    )
    parser.add_argument("--markdown", metavar="FILE", help="also write the results as Markdown to FILE")
    parser.add_argument(
        "--talkfeed", metavar="PATH", help="talkfeed executable (default: next to this Python)"
    )
    parser.add_argument("--hugo", metavar="PATH", help="hugo executable (default: hugo on PATH)")
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    return args


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of numbers") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be 1 or more")
    return sizes


def _installed_environment() -> dict[str, str]:
    """The environment talkfeed runs in: this one, less PYTHONDONTWRITEBYTECODE.

    An installed package has its modules compiled by pip; an editable checkout compiles them on
    first import and keeps them, unless PYTHONDONTWRITEBYTECODE forbids it, and then every run
    compiles every module again (0.1 s a run). The timed runs must look like an installed
    talkfeed, as a cron job runs it.
    """
    return {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def _find_talkfeed(given: str | None) -> str:
    if given:
        return given
    beside = Path(sys.executable).parent / "talkfeed"
    found = str(beside) if beside.exists() else shutil.which("talkfeed")
    if found is None:
        sys.exit("talkfeed not found: install it (pip install -e .) or pass --talkfeed PATH")
    return found


def _runs(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, check=False).returncode == 0
    except OSError:
        return False


def _output(command: list[str], cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)
    except OSError:
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _describe_machine(talkfeed: str, hugo: str) -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.MULTILINE)
    # A talkfeed run from a checkout of its own (see --talkfeed) reports that checkout's commit.
    source = Path(_output(["git", "rev-parse", "--show-toplevel"], Path(talkfeed).resolve().parent) or REPO)
    commit = _output(["git", "rev-parse", "--short", "HEAD"], source)
    dirty = _output(["git", "status", "--porcelain", "--", "talkfeed"], source)
    talkfeed_python = _interpreter_of(talkfeed)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()),
        "cpu model": model.group(1).strip() if model else platform.processor() or "unknown",
        "memory": f"{int(memory.group(1)) / 1024 / 1024:.1f} GiB" if memory else "unknown",
        "os": platform.platform(),
        "python": _output([talkfeed_python, "-c", "import sys; print(sys.version.split()[0])"])
        or platform.python_version(),
        "hugo": _output([hugo, "version"]) or "unknown",
        "talkfeed": (_output([talkfeed, "--version"]) or "unknown")
        + (f", commit {commit} in {source}" if commit else "")
        + (" with uncommitted changes in talkfeed/" if dirty else ""),
    }


def _interpreter_of(script: str) -> str:
    try:
        with open(script, "rb") as file:
            first = file.readline().decode("utf-8", "replace").strip()
    except OSError:
        return sys.executable
    return first[2:].strip() if first.startswith("#!") and "python" in first else sys.executable


def _describe_run(machine: dict[str, str], args: argparse.Namespace, no_cache: bool, work: Path) -> str:
    lines = [f"{key}: {value}" for key, value in machine.items()]
    lines.append(f"talkfeed --no-cache: {'supported' if no_cache else 'not supported (no cache to bypass)'}")
    lines.append(f"work dir: {work}")
    return "\n".join(lines) + "\n"


def _prepare_site(count: int, seed: int, work: Path) -> tuple[Path, dict[str, object]]:
    site = work / f"site-{count}-seed{seed}"
    _restore_probe(site)
    marker = site / generate_site.MARKER
    if marker.exists():
        info = json.loads(marker.read_text(encoding="utf-8"))
        if (info.get("generator_version"), info.get("count"), info.get("seed")) == (
            generate_site.GENERATOR_VERSION,
            count,
            seed,
        ):
            print(f"reusing {site}", flush=True)
            return site, info
    print(f"generating {count:,} talks into {site} …", flush=True)
    started = time.perf_counter()
    info = generate_site.generate(count, site, seed)
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    return site, info


def _probe_backup(site: Path) -> Path:
    return site / ".probe-page.orig"


def _restore_probe(site: Path) -> None:
    """Put back a probe page that an interrupted run left changed."""
    backup = _probe_backup(site)
    if backup.exists():
        info = json.loads((site / generate_site.MARKER).read_text(encoding="utf-8"))
        (site / str(info["probe_page"])).write_bytes(backup.read_bytes())
        backup.unlink()


def _change_probe(site: Path, probe: Path, original: bytes, round_number: int) -> None:
    backup = _probe_backup(site)
    if not backup.exists():
        backup.write_bytes(original)
    text = original.decode("utf-8")
    value = json.dumps(f"Summary changed by bench/run.py, round {round_number}.")
    changed, replaced = re.subn(
        r"^(summary\s*[:=]\s*).*$", lambda match: match.group(1) + value, text, count=1, flags=re.MULTILINE
    )
    if not replaced:
        raise BenchError(f"{probe}: no summary line to change")
    probe.write_text(changed, encoding="utf-8")


def _bench_size(
    count: int, repeat: int, args: argparse.Namespace, talkfeed: str, hugo: str, no_cache: bool, work: Path
) -> SizeResult:
    site, info = _prepare_site(count, args.seed, work)
    result = SizeResult(count, int(info["markdown_bytes"]), repeat)  # type: ignore[call-overload]
    probe = site / str(info["probe_page"])
    original = probe.read_bytes()
    runs = work / f"runs-{count}"
    cache_home = work / f"cache-{count}"
    environment = {**_installed_environment(), "XDG_CACHE_HOME": str(cache_home)}
    skip = () if no_cache else ("first", "check_warm")
    bypass = ["--no-cache"] if no_cache else []
    if not no_cache:
        result.notes.append("talkfeed has no --no-cache: cold = first run on a fresh output folder.")

    def measure(key: str, command: list[str], environ: dict[str, str] | None = None) -> None:
        result.samples.setdefault(key, []).append(_run_measured(command, runs / "report.json", environ))

    try:
        for round_number in range(1, repeat + 1):
            print(f"  {count:,} talks, round {round_number}/{repeat}", flush=True)
            shutil.rmtree(runs, ignore_errors=True)
            runs.mkdir(parents=True)
            cold_out, out, hugo_rss, hugo_full = (
                runs / name for name in ("cold", "out", "hugo-rss", "hugo-full")
            )

            shutil.rmtree(cache_home, ignore_errors=True)
            measure("cold", [talkfeed, "build", str(site), "-o", str(cold_out), "-q", *bypass], environment)
            if round_number == 1:
                _verify_talkfeed(cold_out, count)
            shutil.rmtree(cache_home, ignore_errors=True)
            if "first" not in skip:
                measure("first", [talkfeed, "build", str(site), "-o", str(out), "-q"], environment)
            else:
                shutil.copytree(cold_out, out)
            measure("warm", [talkfeed, "build", str(site), "-o", str(out), "-q"], environment)
            _change_probe(site, probe, original, round_number)
            try:
                measure("changed", [talkfeed, "build", str(site), "-o", str(out), "-q"], environment)
            finally:
                probe.write_bytes(original)
                _probe_backup(site).unlink(missing_ok=True)
            measure("check", [talkfeed, "check", str(site), *bypass], environment)
            if "check_warm" not in skip:
                measure("check_warm", [talkfeed, "check", str(site)], environment)

            # Hugo also uses a fresh destination each time; --quiet, no --gc, as a cron job would run it.
            measure("hugo_rss", [hugo, "--quiet", "--source", str(site), "--destination", str(hugo_rss)])
            if round_number == 1:
                _verify_hugo(hugo_rss / "talk" / "index.xml", cold_out / "index.xml", count, "RSS only")
            measure(
                "hugo_full",
                [
                    hugo,
                    "--quiet",
                    "--source",
                    str(site),
                    "--config",
                    "hugo.full.toml",
                    "--destination",
                    str(hugo_full),
                ],
            )
            if round_number == 1:
                _verify_hugo(hugo_full / "talk" / "index.xml", cold_out / "index.xml", count, "full site")
    finally:
        if not args.keep:
            shutil.rmtree(runs, ignore_errors=True)
            shutil.rmtree(cache_home, ignore_errors=True)
    return result


def _busy_seconds() -> float:
    """CPU time the whole machine has spent busy since boot (all cores), or 0 without /proc/stat."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq = (int(value) for value in fields[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_measured(command: list[str], report: Path, environ: dict[str, str] | None) -> Sample:
    report.unlink(missing_ok=True)
    busy, ours = _busy_seconds(), _children_cpu()
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _WRAPPER, str(report), *command],
        capture_output=True,
        text=True,
        env=environ,
        check=False,
    )
    # Whatever the machine was busy with beyond this command (and its wrapper) competed with it.
    others = max(0.0, (_busy_seconds() - busy) - (_children_cpu() - ours))
    figures = json.loads(report.read_text()) if report.exists() else {"code": done.returncode}
    if figures["code"] != 0:
        raise BenchError(f"{' '.join(command)} exited {figures['code']}:\n{done.stderr[-4000:]}")
    return Sample(figures["seconds"], figures["cpu"], figures["maxrss_kib"], figures["tree_pss_kib"], others)


def _item_links(feed: Path) -> list[str]:
    try:
        tree = ElementTree.parse(feed)
    except (OSError, ElementTree.ParseError) as error:
        raise BenchError(f"{feed}: cannot read the RSS feed ({error})") from None
    return [item.findtext("link") or "" for item in tree.iter("item")]


def _verify_talkfeed(out: Path, count: int) -> None:
    rss = _item_links(out / "index.xml")
    atom = ElementTree.parse(out / "atom.xml").getroot().findall("{http://www.w3.org/2005/Atom}entry")
    items = json.loads((out / "feed.json").read_text(encoding="utf-8"))["items"]
    if not len(rss) == len(atom) == len(items) == count:
        raise BenchError(
            f"talkfeed published {len(rss)} RSS, {len(atom)} Atom and {len(items)} JSON items, not {count}"
        )


def _verify_hugo(feed: Path, talkfeed_feed: Path, count: int, variant: str) -> None:
    """Check that Hugo's section feed holds the same N talks as talkfeed's, so both did the same job."""
    hugo_links = _item_links(feed)
    if len(hugo_links) != count or set(hugo_links) != set(_item_links(talkfeed_feed)):
        raise BenchError(
            f"Hugo ({variant}) wrote {len(hugo_links)} items to {feed} and they are not the "
            f"{count} talks talkfeed published; check the Hugo version and the site's hugo.toml"
        )


def _median(samples: list[Sample], attribute: str) -> float:
    return statistics.median(getattr(sample, attribute) for sample in samples)


def _seconds(value: float) -> str:
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def _size_table(result: SizeResult) -> str:
    hugo = _median(result.samples["hugo_rss"], "seconds")
    lines = [
        f"### {result.count:,} talks ({result.markdown_bytes / 1e6:.1f} MB of Markdown), "
        f"median of {result.repeat}",
        "",
        "| run | median | min – max | CPU | × Hugo RSS | target | peak RSS, largest process "
        "| peak PSS, all processes |",
        "|:----|-------:|----------:|----:|-----------:|:-------|------:|------:|",
    ]
    for measure in MEASURES:
        samples = result.samples.get(measure.key)
        if not samples:
            continue
        median = _median(samples, "seconds")
        ratio = median / hugo
        spread = f"{min(s.seconds for s in samples):.2f} – {max(s.seconds for s in samples):.2f}"
        target = ""
        if measure.target is not None:
            target = f"≤ {measure.target}× {'✅' if ratio <= measure.target else '❌'}"
        largest = max(sample.maxrss_kib for sample in samples)
        tree = max(sample.tree_pss_kib for sample in samples)
        memory_text = f"{largest / 1024:,.0f} MiB | {f'{tree / 1024:,.0f} MiB' if tree else '–'}"
        if measure.key == "cold" and result.count >= 100_000:
            memory_text += " ✅" if max(largest, tree) < MEMORY_LIMIT_KIB else " ❌ (limit 1.5 GiB)"
        lines.append(
            f"| {measure.label} | {_seconds(median)} | {spread} | {_seconds(_median(samples, 'cpu'))} "
            f"| {ratio:.2f}× | {target} | {memory_text} |"
        )
    lines.append("\n" + _disturbance(result))
    lines.extend(f"\n{note}" for note in result.notes)
    return "\n".join(lines) + "\n"


def _disturbance(result: SizeResult) -> str:
    samples = [sample for samples in result.samples.values() for sample in samples]
    others = sum(sample.others_cpu for sample in samples)
    share = others / max(sum(sample.seconds for sample in samples), 1e-9)
    verdict = (
        "the machine was quiet"
        if share < 0.05
        else "**other work competed with the measurements: treat these figures as disturbed**"
    )
    return (
        f"Other processes used {others:,.1f} CPU-seconds while these were measured, "
        f"{share:.0%} of one core on average: {verdict}."
    )


def _summary_table(results: list[SizeResult]) -> str:
    header = "| ratio to Hugo RSS-only | " + " | ".join(f"{r.count:,}" for r in results) + " | target |"
    lines = [
        "### Ratios (talkfeed median ÷ Hugo RSS-only median)",
        "",
        header,
        "|:--|" + "--:|" * len(results) + ":--|",
    ]
    for measure in MEASURES:
        if not measure.talkfeed or not all(measure.key in r.samples for r in results):
            continue
        cells = [
            f"{_median(r.samples[measure.key], 'seconds') / _median(r.samples['hugo_rss'], 'seconds'):.2f}×"
            for r in results
        ]
        target = f"≤ {measure.target}×" if measure.target is not None else ""
        lines.append(f"| {measure.label} | " + " | ".join(cells) + f" | {target} |")
    return "\n".join(lines) + "\n"


def _report(
    machine: dict[str, str], args: argparse.Namespace, no_cache: bool, results: list[SizeResult]
) -> str:
    command = "python bench/run.py " + " ".join(
        part
        for part in (
            "--sizes " + ",".join(str(r.count) for r in results),
            f"--repeat {args.repeat}" if args.repeat else "",
            f"--seed {args.seed}" if args.seed != 1 else "",
            f"--talkfeed {args.talkfeed}" if args.talkfeed else "",
            f"--markdown {args.markdown}" if args.markdown else "",
        )
        if part
    )
    lines = [
        "# talkfeed benchmark results",
        "",
        f"Measured {machine['date']} with `{command}`; see [README.md](README.md) for what each row means.",
        "",
        "| machine | |",
        "|:--|:--|",
        *(f"| {key} | {value} |" for key, value in machine.items() if key != "date"),
        f"| talkfeed cache | {'`--no-cache` supported' if no_cache else 'none'} |",
        "",
        _summary_table(results),
        *(_size_table(result) for result in results),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
