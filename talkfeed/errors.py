"""The exception tree and the findings a run reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem with one file, as printed: ``PATH[:LINE]: error|warning: MESSAGE``."""

    path: str
    line: int | None
    severity: Severity
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return one_line(f"{where}: {self.severity.value}: {self.message}")


def finding_order(finding: Finding) -> tuple[str, int]:
    """Order findings by file, then line (a finding without a line first)."""
    return (finding.path, finding.line or 0)


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """Escape line breaks and terminal control codes, so one finding prints as one safe line."""
    return _UNPRINTABLE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


class TalkfeedError(Exception):
    """Base of every error talkfeed reports to its user instead of a traceback."""

    exit_code = 1

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        if self.path is None:
            return one_line(f"talkfeed: error: {self.message}")
        return str(Finding(self.path, self.line, Severity.ERROR, self.message))


class ConfigError(TalkfeedError):
    """The site configuration or the options cannot be used."""


class PageError(TalkfeedError):
    """One talk page cannot be read; ``line`` is 1-based within the file, where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message, line=line)


class NoFrontMatterError(PageError):
    """A page opens with no front matter: Hugo reads all of it as content."""


class UnreadableFileError(PageError):
    """A file of the site is there but cannot be read (its permissions, an I/O error)."""


class InvalidTalksError(TalkfeedError):
    """Some talk pages have errors, so nothing was written."""

    def __init__(self, invalid: tuple[str, ...], findings: tuple[Finding, ...]) -> None:
        verb = "has" if len(invalid) == 1 else "have"
        super().__init__(
            f"{count_invalid(invalid)} {verb} errors; nothing was written "
            "(fix them, or pass --skip-invalid to publish the valid talks)"
        )
        self.invalid = invalid
        self.findings = findings


def count_invalid(invalid: tuple[str, ...]) -> str:
    """Count what a run left out for errors: "1 talk page", "2 talk pages and 1 folder".

    A folder that cannot be listed is named with a trailing slash; anything else is a page.
    """
    folders = sum(name.endswith("/") for name in invalid)
    counts = ((len(invalid) - folders, "talk page"), (folders, "folder"))
    named = [f"{count} {noun}{'' if count == 1 else 's'}" for count, noun in counts if count]
    return " and ".join(named) or "no talk page"


class EmptyResultError(TalkfeedError):
    """A build found no talk to publish, which more likely means a wrong path than an empty site.

    ``findings`` say why each page it found gave no talk.
    """

    def __init__(self, message: str, findings: tuple[Finding, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings


class CacheChangedError(TalkfeedError):
    """The cache lost the parts of a talk while a run wrote its files."""


class OutputError(TalkfeedError):
    """An output file could not be written."""


class LockedError(TalkfeedError):
    """Another talkfeed run holds the output folder."""

    exit_code = 75


def unexpected_system_error(error: OSError) -> TalkfeedError:
    """Say in one line what the system refused where talkfeed had no message of its own for it."""
    where = error.filename if isinstance(error.filename, str) else None
    cause = error.strerror or str(error)
    return TalkfeedError(
        f"the system refused an operation ({cause}); talkfeed stopped "
        "(check that the user talkfeed runs as can read the site and write the output folder)",
        where,
    )
