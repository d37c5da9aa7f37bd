"""The command line: parse options, call a job of ``build``, print what happened. Only module using click."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

from talkfeed.durations import EXAMPLES, read_duration
from talkfeed.errors import (
    ConfigError,
    EmptyResultError,
    Finding,
    InvalidTalksError,
    Severity,
    TalkfeedError,
    count_invalid,
    one_line,
    unexpected_system_error,
)
from talkfeed.formats import FORMATS
from talkfeed.jobs import build, check, list_talks, snippets
from talkfeed.model import SourceOption
from talkfeed.plan import DEFAULT_WAIT_SECONDS, Options, shown_path
from talkfeed.read.parsing import DEFAULT_MAX_PAGE_BYTES, shown_size
from talkfeed.read.site import RunConfig, find_run_config, read_run_config
from talkfeed.select.views import PER_CHOICES
from talkfeed.version import __version__

if TYPE_CHECKING:
    from talkfeed.push.announce import Announcement

_F = TypeVar("_F", bound=Callable[..., Any])


def _reporting_errors(command: _F) -> _F:
    """Turn talkfeed's own errors into their message and exit code; real bugs keep a traceback."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (InvalidTalksError, EmptyResultError) as error:
            _print_findings(error.findings, quiet=False)
            click.echo(str(error), err=True)
            sys.exit(error.exit_code)
        except TalkfeedError as error:
            if error.path is not None and Path(error.path).is_absolute():
                # A folder keeps its closing slash: "content/: error: …" says it is one.
                folder = "/" if error.path.endswith("/") and error.path != "/" else ""
                error.path = shown_path(Path(error.path)) + folder
            click.echo(str(error), err=True)
            sys.exit(error.exit_code)
        except OSError as error:
            # Each file and folder talkfeed uses has its own message; this is the net under them.
            click.echo(str(unexpected_system_error(error)), err=True)
            sys.exit(1)

    return run  # type: ignore[return-value]


def _with_run_config(command: _F) -> _F:
    """Fill the options not given on the command line from the run config; flags win.

    The run config is ``--config FILE``, else the ``talkfeed.toml`` of the one SOURCE's site
    (whose paths must stay inside the site), unless ``--no-config`` or several SOURCEs are
    given. The command gets ``place`` (the one SOURCE, or where the run config was looked
    for) and ``listed``: the sources to aggregate, from several SOURCEs or the config's
    ``sources``. A command without ``--output`` gets the config's as ``configured_output``.
    """

    @wraps(command)
    def run(**kwargs: Any) -> Any:
        context = click.get_current_context()
        given: tuple[Path, ...] = kwargs.pop("sources")
        config_file: Path | None = kwargs.pop("config_file")
        if kwargs.pop("no_config"):
            if config_file is not None:
                raise click.UsageError("--config and --no-config cannot be given together")
            config = RunConfig(None, {})
        elif config_file is not None:
            config = read_run_config(config_file)
        elif len(given) > 1:
            # Several SOURCEs are a run of their own: no site's talkfeed.toml speaks for it.
            config = RunConfig(None, {})
        else:
            config = find_run_config(given[0] if given else Path())
        if config.sources and (len(given) > 1 or (config_file is not None and given)):
            raise click.UsageError(f"give the sources either as SOURCE or in {config.path}, not both")
        kwargs.update(place=given[0] if len(given) == 1 else None if given else Path())
        kwargs["listed"] = tuple(SourceOption(path) for path in given) if len(given) > 1 else config.sources
        if config.path is not None:
            kwargs.update(_settings_for(context, config))
        if "output" not in kwargs:
            output = config.settings.get("output")
            configured = output if config.path is not None and isinstance(output, str) else None
            kwargs["configured_output"] = config.path_of("output", Path(configured)) if configured else None
        return command(**kwargs)

    return run  # type: ignore[return-value]


def _settings_for(context: click.Context, config: RunConfig) -> dict[str, Any]:
    assert config.path is not None
    path = config.path
    known = {
        _setting_name(param): param
        for param in build_command.params
        if param.name not in ("sources", "config_file", "no_config")
    }
    known["hubs"] = known["hub"]  # a list of them reads better in a file
    own = {param.name for param in context.command.params}
    values: dict[str, Any] = {}
    for key, value in config.settings.items():
        param = known.get(key.replace("_", "-"))
        if param is None:
            names = ", ".join(sorted(known))
            raise ConfigError(f"unknown setting {key!r} (settings are the build options: {names})", str(path))
        line = config.lines.get(key)
        if param.name not in own or context.get_parameter_source(param.name) is not ParameterSource.DEFAULT:
            continue
        if getattr(param, "multiple", False):
            if isinstance(value, str):
                value = [value]  # one value, as one --per tag is on the command line
            elif not isinstance(value, list):
                message = f'setting {key!r} must be a list of texts, for example {key} = ["…", "…"]'
                raise ConfigError(message, str(path), line)
        try:
            converted = param.process_value(context, value)
        except click.BadParameter as error:
            raise ConfigError(f"setting {key!r}: {error.message}", str(path), line) from None
        if isinstance(param.type, click.Path):
            # Paths in the file are relative to it, and a site's own file names none outside it.
            if isinstance(converted, tuple):
                converted = tuple(config.path_of(key, each) for each in converted)
            elif converted is not None:
                converted = config.path_of(key, converted)
        values[str(param.name)] = converted
    return values


def _setting_name(param: click.Parameter) -> str:
    long_names = [name for name in getattr(param, "opts", []) if name.startswith("--")]
    return long_names[0][2:] if long_names else str(param.name)


def _formats(values: tuple[str, ...]) -> tuple[str, ...]:
    """Read ``--format`` values given in any case, as a comma list or repeated."""
    chosen: dict[str, None] = {}
    for value in values:
        for name in (part.strip().lower() for part in value.split(",") if part.strip()):
            if name not in FORMATS:
                raise click.BadParameter(f"{name!r} is not one of {', '.join(FORMATS)}")
            chosen.setdefault(name)
    return tuple(chosen)


def _duration(_context: click.Context, _param: click.Parameter, value: str | timedelta) -> timedelta:
    """Read a duration as ``read_duration`` does: ``1h``, ``30m``, ``PT2H``."""
    if isinstance(value, timedelta):
        return value
    try:
        return read_duration(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _views(values: tuple[str, ...]) -> tuple[str, ...]:
    """Read ``--per`` values, as a comma list or repeated."""
    chosen: dict[str, None] = {}
    for value in values:
        for name in (part.strip() for part in value.split(",") if part.strip()):
            if name not in PER_CHOICES:
                raise click.BadParameter(f"{name!r} is not one of {', '.join(map(repr, PER_CHOICES))}.")
            chosen.setdefault(name)
    return tuple(chosen)


def _source_argument(command: _F) -> _F:
    path = click.Path(path_type=Path)
    return click.argument("sources", metavar="[SOURCE]...", type=path, nargs=-1)(command)


def _config_options(command: _F) -> _F:
    command = click.option(
        "--no-config", is_flag=True, help="Read no talkfeed.toml (the site's own is read by default)."
    )(command)
    return click.option(
        "--config",
        "config_file",
        type=click.Path(path_type=Path, dir_okay=False),
        metavar="FILE",
        help="Read the settings from FILE instead of the site's talkfeed.toml; its paths may lie "
        "anywhere (a site's own file names only paths inside the site).",
    )(command)


def _cache_dir_option(command: _F) -> _F:
    return click.option(
        "--cache-dir",
        "cache_dir",
        type=click.Path(path_type=Path),
        metavar="DIR",
        help="Keep the cache in DIR (default: $XDG_CACHE_HOME/talkfeed, else ~/.cache/talkfeed).",
    )(command)


def _lang_option(command: _F) -> _F:
    return click.option(
        "--lang", metavar="CODE", help="Language to publish (default: the site's defaultContentLanguage)."
    )(command)


def _timezone_option(command: _F) -> _F:
    return click.option(
        "--timezone",
        metavar="TZ",
        help="IANA time zone for dates written without one (default: the site's timeZone, else UTC).",
    )(command)


def _no_cache_option(command: _F) -> _F:
    return click.option(
        "--no-cache", is_flag=True, help="Read every page again instead of reusing what earlier runs read."
    )(command)


_PROGRESS_FROM = 500
"""Fewer pages than this are read too fast for a progress bar to help."""


@contextlib.contextmanager
def _progress_bar(total: int) -> Iterator[Callable[[int], None] | None]:
    """Show a bar on a terminal while many pages are read; never in cron, where stderr is no TTY."""
    if total < _PROGRESS_FROM or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label="Reading talk pages", file=sys.stderr) as bar:
        yield bar.update


_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:([kmg])(?:i?b)?|b)?\s*", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


class _Size(click.ParamType):  # type: ignore[type-arg]  # generic only from click 8.3 on
    """A size in bytes, written as people write it: ``16MiB``, ``512 KiB``, ``2M``, ``1048576``."""

    name = "size"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number, unit = float(value), ""
        elif (written := _SIZE.fullmatch(str(value))) is not None:
            number, unit = float(written[1]), (written[2] or "").lower()
        else:
            self.fail(f"{value!r} is not a size (write it as 16MiB, 512KiB or a number of bytes)", param, ctx)
        size = int(number * _SIZE_UNITS[unit])
        if size < 1:
            self.fail(f"{value!r} is not a size of at least one byte", param, ctx)
        return size


def _max_page_size_option(command: _F) -> _F:
    return click.option(
        "--max-page-size",
        "max_page_bytes",
        type=_Size(),
        default=DEFAULT_MAX_PAGE_BYTES,
        metavar="SIZE",
        help="Refuse talk pages larger than this, a guard against running out of memory (KiB, MiB, "
        f"GiB; default: {shown_size(DEFAULT_MAX_PAGE_BYTES)}).",
    )(command)


def _now_option(command: _F) -> _F:
    return click.option(
        "--now",
        type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]),
        metavar="DATETIME",
        help="Take this as the current time when leaving out future and expired talks.",
    )(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="talkfeed")
def main() -> None:
    """Publish the talk pages of a Hugo Academic / Wowchemy / Hugo Blox site as feeds.

    SOURCE is a Hugo site root, a talk section folder (content/talk, content/event,
    content/events) or one talk page; it defaults to the current folder. Several SOURCEs
    (or a sources list in talkfeed.toml) are aggregated into one set of feeds.
    """


def _output_option(command: _F) -> _F:
    return click.option(
        "-o",
        "--output",
        "output",
        type=click.Path(path_type=Path),
        metavar="DIR",
        help="Folder to write the feeds, calendars and page into (default: talkfeed/ in the site's "
        "publish folder, SITE/public/talkfeed).",
    )(command)


def _base_url_option(command: _F) -> _F:
    return click.option(
        "--base-url",
        metavar="URL",
        help="Site URL for permalinks (default: the site's baseURL); for several sources, the URL "
        "the aggregate's feeds are served at (required).",
    )(command)


def _title_option(command: _F) -> _F:
    return click.option("--title", metavar="TEXT", help='Feed title (default: "Talks — <site title>").')(
        command
    )


def _format_option(command: _F) -> _F:
    return click.option(
        "--format",
        "formats",
        multiple=True,
        callback=lambda _context, _param, values: _formats(values),
        metavar="FORMAT",
        help="Write only these formats, any case, comma-separated or repeated (rss, atom, json, ics, "
        "html; default: all).",
    )(command)


@main.command("build")
@_source_argument
@_output_option
@click.option(
    "--replace",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Let the build replace FILE in DIR though talkfeed did not write it (say, Hugo's section "
    "feed public/talk/index.xml); repeatable. Any other file it did not write stops the build.",
)
@_base_url_option
@_title_option
@_timezone_option
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    metavar="N",
    help="Put only the newest N talks in each feed (default: the site's services.rss.limit or "
    "rssLimit; calendars and pages keep every talk).",
)
@click.option("--drafts", is_flag=True, help="Include talks marked draft.")
@click.option("--future", is_flag=True, help="Include talks whose publish date is in the future.")
@click.option("--expired", is_flag=True, help="Include talks whose expiryDate has passed.")
@click.option(
    "--skip-invalid", is_flag=True, help="Publish the valid talks even when some pages have errors (exit 0)."
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Publish empty feeds when SOURCE has no talk (by default that is an error, exit 1).",
)
@_lang_option
@_now_option
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(min=0),
    default=DEFAULT_WAIT_SECONDS,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for another run writing to DIR before giving up (exit 75).",
)
@_format_option
@click.option(
    "--per",
    multiple=True,
    callback=lambda _context, _param, values: _views(values),
    metavar="VIEW",
    help="Also write feeds per tag, per author, per language, per source, or of past talks; "
    "comma-separated or repeated (tag, author, lang, source, past).",
)
@click.option(
    "--author", metavar="NAME", help="Feed author (default: the site config's author, else its title)."
)
@click.option(
    "--hub",
    "hubs",
    multiple=True,
    metavar="URL",
    help="WebSub hub the feeds name; a build that changes them tells it (hub.mode=publish); repeatable.",
)
@click.option(
    "--calendar-refresh",
    callback=_duration,
    default="1h",
    show_default=True,
    metavar="DURATION",
    help=f"How often calendar apps should fetch the calendars again: {EXAMPLES}.",
)
@_no_cache_option
@_cache_dir_option
@_config_options
@_max_page_size_option
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success; errors still go to stderr.")
@_reporting_errors
@_with_run_config
def build_command(
    place: Path | None,
    listed: tuple[SourceOption, ...],
    output: Path | None,
    replace: tuple[Path, ...],
    base_url: str | None,
    title: str | None,
    timezone: str | None,
    limit: int | None,
    drafts: bool,
    future: bool,
    expired: bool,
    skip_invalid: bool,
    allow_empty: bool,
    lang: str | None,
    now: datetime | None,
    wait_seconds: float,
    formats: tuple[str, ...],
    per: tuple[str, ...],
    author: str | None,
    hubs: tuple[str, ...],
    calendar_refresh: timedelta,
    no_cache: bool,
    cache_dir: Path | None,
    max_page_bytes: int,
    quiet: bool,
) -> None:
    """Write the feeds, calendars and page of SOURCE's talks into DIR.

    By default: index.xml (RSS 2.0), atom.xml (Atom 1.0), feed.json (JSON Feed 1.1),
    talks.ics and upcoming.ics (iCalendar), index.html and feed.css, plus the feeds of
    upcoming/ talks. With several SOURCEs, their talks go into one set of feeds.
    """
    options = Options(
        source=place or Path(),
        sources=listed,
        output=output,
        replace=replace,
        base_url=base_url,
        title=title,
        timezone=timezone,
        limit=limit,
        drafts=drafts,
        future=future,
        expired=expired,
        skip_invalid=skip_invalid,
        allow_empty=allow_empty,
        lang=lang,
        now=_aware(now),
        wait_seconds=wait_seconds,
        formats=formats or FORMATS,
        per=per,
        author=author,
        use_cache=not no_cache,
        cache_folder=cache_dir,
        progress=None if quiet else _progress_bar,
        hubs=hubs,
        calendar_refresh=calendar_refresh,
        max_page_bytes=max_page_bytes,
    )
    report = build(options)
    _print_findings(report.findings, quiet=quiet)
    if quiet:
        _print_findings(report.dropped, quiet=False)  # a site left out is never passed over
    if report.skipped:
        folders = any(name.endswith("/") for name in report.skipped)
        skipped = count_invalid(report.skipped) if folders else f"{len(report.skipped)} page(s)"
        click.echo(f"talkfeed: skipped {skipped} with errors; published {report.published} talk(s)", err=True)
    if not quiet:
        for written in report.written:
            state = "removed" if written.removed else "updated" if written.changed else "unchanged"
            _say(f"{state} {shown_path(written.path)}")
    if report.announcement is not None:
        _print_announcement(report.announcement, quiet, now=options.now or datetime.now(UTC))


_STILL_FAILING = timedelta(days=1)
"""Under -q, a hub's failed pings are told once they have failed for this long: a hub that is
down for a while is retried quietly, one that keeps refusing is not left unnoticed."""


def _print_announcement(announcement: Announcement, quiet: bool, now: datetime) -> None:
    if not quiet:
        for hub, topic in announcement.pinged:
            _say(f"pinged {hub} for {topic}")
    for trouble in announcement.troubles:
        if quiet and now - trouble.failing_since < _STILL_FAILING:
            continue
        since = trouble.failing_since.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        kept = (
            "kept, and sent again by the next run"
            if announcement.kept
            else "and could not be kept for the next run (the cache folder cannot be written)"
        )
        _say(
            f"talkfeed: warning: hub {trouble.hub} did not take the ping for {trouble.feeds} feed(s) "
            f"({trouble.problem}; failing since {since}); {kept} "
            "(check the hub's address in --hub or hubs in talkfeed.toml)",
            err=True,
        )


@main.command("check")
@_source_argument
@_timezone_option
@_lang_option
@_no_cache_option
@_cache_dir_option
@_config_options
@_max_page_size_option
@_reporting_errors
@_with_run_config
def check_command(
    place: Path | None,
    listed: tuple[SourceOption, ...],
    configured_output: Path | None,
    timezone: str | None,
    lang: str | None,
    no_cache: bool,
    cache_dir: Path | None,
    max_page_bytes: int,
) -> None:
    """Read and validate every talk page of SOURCE; write nothing.

    With several sources, also lists the talks more than one of them publishes, which a
    build publishes once. Exits 1 when any page has an error.
    """
    options = Options(
        source=place or Path(),
        sources=listed,
        output=configured_output,
        timezone=timezone,
        lang=lang,
        use_cache=not no_cache,
        cache_folder=cache_dir,
        progress=_progress_bar,
        max_page_bytes=max_page_bytes,
    )
    catalog = check(options)
    _tell_recovered(catalog.recovered)
    _print_findings(catalog.findings, quiet=False)
    for group in catalog.shared:
        names = [catalog.names[talk.source] + talk.path for talk in group.talks]
        _say(f"talkfeed: one talk, published once: {' = '.join(names)} ({group.reason})", err=True)
    errors = sum(finding.severity is Severity.ERROR for finding in catalog.findings)
    warnings = len(catalog.findings) - errors
    languages = Counter(talk.lang for talk in catalog.all_talks)
    per_language = ", ".join(f"{count} {code}" for code, count in sorted(languages.items()))
    held = catalog.held_back
    # An aggregate of sites in several languages publishes each in its own: no one code to name.
    feeds = f"{catalog.language} feeds" if catalog.language else "feeds"
    wanted = f"in language {catalog.language}" if catalog.language else "in the languages the sources publish"
    left_out = ", ".join(f"{count} {reason}" for reason, count in sorted(held.items()))
    _say(
        f"{catalog.pages} talk page(s) checked: {len(catalog.invalid)} with errors, {warnings} warning(s); "
        f"valid talks by language: {per_language or 'none'}"
        + (f"; left out of the {feeds} by default: {left_out}" if left_out else "")
    )
    if catalog.invalid:
        sys.exit(1)
    if not catalog.talks:
        _say(f"talkfeed: error: no valid talk {wanted}; a build would refuse", err=True)
        sys.exit(1)


@main.command("snippet")
@click.argument("part", type=click.Choice(["head", "subscribe"]))
@_source_argument
@_output_option
@_base_url_option
@_title_option
@_lang_option
@_format_option
@_config_options
@_reporting_errors
@_with_run_config
def snippet_command(
    part: str,
    place: Path | None,
    listed: tuple[SourceOption, ...],
    output: Path | None,
    base_url: str | None,
    title: str | None,
    lang: str | None,
    formats: tuple[str, ...],
) -> None:
    """Print the HTML that links SOURCE's feeds from the site's own pages.

    PART is head (the <link rel="alternate"> tags of every feed and calendar, for
    the <head> of every page) or subscribe (a block of subscribe links for a
    page). Give it the options the build is given, so the links name its files.
    For Hugo Blox, save head as layouts/_partials/hooks/head-end/talkfeed.html;
    the README says where it goes in other layouts.
    """
    options = Options(
        source=place or Path(),
        sources=listed,
        output=output,
        base_url=base_url,
        title=title,
        lang=lang,
        formats=formats or FORMATS,
    )
    head, subscribe = snippets(options)
    click.echo(head if part == "head" else subscribe, nl=False)


def _tell_recovered(folder: Path | None) -> None:
    if folder is not None:
        _say(f"talkfeed: finished the writes of a stopped run in {shown_path(folder)}", err=True)


@main.command("list")
@_source_argument
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array for scripts.")
@click.option("--base-url", metavar="URL", help="Site URL for permalinks (default: the site's baseURL).")
@_timezone_option
@_lang_option
@_now_option
@_no_cache_option
@_cache_dir_option
@_config_options
@_max_page_size_option
@_reporting_errors
@_with_run_config
def list_command(
    place: Path | None,
    listed: tuple[SourceOption, ...],
    configured_output: Path | None,
    as_json: bool,
    base_url: str | None,
    timezone: str | None,
    lang: str | None,
    now: datetime | None,
    no_cache: bool,
    cache_dir: Path | None,
    max_page_bytes: int,
) -> None:
    """Print the talks build would publish, in feed order: publish date, permalink, title.

    Exits 1 when any page has an error (the valid talks are still listed).
    """
    options = Options(
        source=place or Path(),
        sources=listed,
        output=configured_output,
        base_url=base_url,
        timezone=timezone,
        lang=lang,
        now=_aware(now),
        use_cache=not no_cache,
        cache_folder=cache_dir,
        max_page_bytes=max_page_bytes,
    )
    found, catalog, recovered = list_talks(options)
    _tell_recovered(recovered)
    _print_findings(catalog.findings, quiet=False)
    rows = [(talk.published.isoformat(timespec="seconds"), talk.url, talk.title, talk.path) for talk in found]
    try:
        if as_json:
            keys = ("published", "url", "title", "path")
            click.echo(
                json.dumps([dict(zip(keys, row, strict=True)) for row in rows], ensure_ascii=False, indent=2)
            )
        else:
            for published, url, title, _ in rows:
                # One talk a line, whatever its title holds: a line break or tab in it is shown escaped.
                click.echo(f"{published}\t{one_line(url)}\t{one_line(title)}")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (| head): what it read was all it wanted; end quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    if catalog.invalid:
        sys.exit(1)


def _print_findings(findings: Iterable[Finding], quiet: bool) -> None:
    for finding in findings:
        if quiet and finding.severity is Severity.WARNING:
            continue
        click.echo(str(finding), err=True)


def _say(line: str, err: bool = False) -> None:
    """Print one record as one line: control characters a name or title holds are shown escaped."""
    click.echo(one_line(line), err=err)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
