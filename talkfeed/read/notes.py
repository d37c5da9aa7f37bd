"""What reading one page noted: its findings, each on its line, and the files it looked at."""

from __future__ import annotations

from talkfeed.errors import Finding, Severity


class Refused(Exception):
    """The page's errors are noted already; it yields no talk."""


class NotATalk(Exception):
    """The page is not a talk (a widget page, a headless bundle); it is skipped quietly."""


class Notes:
    """The findings of one page, and the other files its result depends on."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[Finding] = []
        self.looked_at: list[str] = []
        """Files whose presence or size the page's result depends on (bundle files, images)."""

    def error(self, message: str, line: int | None = None) -> None:
        self.items.append(Finding(self.name, line, Severity.ERROR, message))

    def warn(self, message: str, line: int | None = None) -> None:
        self.items.append(Finding(self.name, line, Severity.WARNING, message))

    def has_errors(self) -> bool:
        return any(item.severity is Severity.ERROR for item in self.items)

    def all(self) -> tuple[Finding, ...]:
        return tuple(self.items)
