"""Errors and warnings that name the file and line they come from.

Every failure a user can cause is a DistillError: the CLI prints its one-line
form (``post.md:12: unclosed math``) and exits with its code, never a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

EXIT_OK = 0
EXIT_CONTENT = 1
EXIT_USAGE = 2


def where(path: Path | str | None, line: int | None) -> str:
    if path is None:
        return ""
    name = str(path)
    return f"{name}:{line}: " if line else f"{name}: "


class DistillError(Exception):
    """A problem with the user's input: reported as ``path:line: message``."""

    exit_code = EXIT_CONTENT

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        return where(self.path, self.line) + self.message


class UsageError(DistillError):
    """Bad flags, paths or environment: exit 2, as for any CLI misuse."""

    exit_code = EXIT_USAGE


class EngineMissing(UsageError):
    """No TeX engine runs here; the message says how to get one."""


class CompileTimeout(DistillError):
    """The engine ran past its time limit and was killed."""


@dataclass
class Diagnostic:
    message: str
    path: Path | str | None = None
    line: int | None = None

    def __str__(self) -> str:
        return where(self.path, self.line) + self.message


@dataclass
class Diagnostics:
    """Warnings gathered during one render; printed grouped at the end."""

    items: list[Diagnostic] = field(default_factory=list)
    strict: bool = False

    def warn(self, message: str, path: Path | str | None = None, line: int | None = None) -> None:
        if self.strict:
            raise DistillError(message, path, line)
        self.items.append(Diagnostic(message, path, line))

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
