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


class InvalidTalksError(TalkfeedError):
    """Some talk pages have errors, so nothing was written."""

    def __init__(self, invalid: tuple[str, ...], findings: tuple[Finding, ...]) -> None:
        noun = "page has" if len(invalid) == 1 else "pages have"
        super().__init__(
            f"{len(invalid)} talk {noun} errors; nothing was written "
            "(fix them, or pass --skip-invalid to publish the valid talks)"
        )
        self.invalid = invalid
        self.findings = findings


class EmptyResultError(TalkfeedError):
    """A build found no talk to publish, which more likely means a wrong path than an empty site."""


class CacheChangedError(TalkfeedError):
    """The cache lost the parts of a talk while a run wrote its files."""


class OutputError(TalkfeedError):
    """An output file could not be written."""


class LockedError(TalkfeedError):
    """Another talkfeed run holds the output folder."""

    exit_code = 75
