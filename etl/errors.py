"""errors: the EtlError tree and the one place where messages are formatted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Exit codes shared by every command.
EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_BUG = 3


@dataclass(frozen=True)
class Location:
    """Where a finding points: a file and, when known, a 1-based line and column."""

    file: str
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.col or 1}"


def short_repr(value: Any, limit: int = 80) -> str:
    """repr() cut to `limit` characters, so no message ever carries a whole document."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class Finding:
    """One problem in one place: a config error, a template error, a data error."""

    message: str
    location: Location | None = None
    key: str | None = None
    severity: str = "error"
    code: str = "config"

    def __str__(self) -> str:
        parts = []
        if self.location is not None:
            parts.append(f"{self.location}:")
        parts.append(f"{self.severity}:")
        if self.key:
            parts.append(f"{self.key}:")
        parts.append(self.message)
        return " ".join(parts)

    def sort_key(self) -> tuple:
        loc = self.location
        if loc is None:
            return ("", 0, 0)
        return (loc.file, loc.line or 0, loc.col or 0)

    def to_dict(self) -> dict[str, Any]:
        loc = self.location
        return {
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "col": loc.col if loc else None,
            "key": self.key,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


class EtlError(Exception):
    """Base of every error a user can act on. Never shown with a traceback."""

    exit_code = EXIT_INVALID

    def __init__(self, message: str, findings: list[Finding] | None = None):
        super().__init__(message)
        self.message = message
        self.findings: list[Finding] = findings or []

    def __str__(self) -> str:
        if not self.findings:
            return self.message
        return "\n".join(str(f) for f in sorted(self.findings, key=Finding.sort_key))


class UsageError(EtlError):
    """The command line itself is wrong (exit 2)."""

    exit_code = EXIT_USAGE


class ConfigError(EtlError, ValueError):
    """A profile or mapping is invalid. A ValueError too, as the seed's API raised for a bad partition."""

    @classmethod
    def single(cls, message: str, location: Location | None = None, key: str | None = None) -> ConfigError:
        finding = Finding(message, location, key)
        return cls(str(finding), [finding])


class TemplateError(EtlError):
    """A SQL template is missing or does not render."""


class ConnectError(EtlError):
    """The database cannot be reached; the message names host, database and driver, never the password."""


class LoadError(EtlError):
    """The database rejected a statement; carries the driver's reason."""


class RunStateError(EtlError):
    """The target is not in a state the command needs (e.g. tables not created)."""


@dataclass
class DataError:
    """One field of one record that cannot be mapped. A value, not an exception: it fails its record only."""

    app_id: Any
    table: str
    position: int | None
    column: str | None
    xpath: str | None
    value: Any
    reason: str
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        where = self.table if self.position is None else f"{self.table}[{self.position}]"
        if self.column:
            where += f".{self.column}"
        text = f"app_id={self.app_id} {where}: "
        if self.value is not None:
            text += f"{short_repr(self.value)} "
        text += self.reason
        if self.xpath:
            text += f" at {self.xpath}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "app_id": self.app_id,
            "table": self.table,
            "position": self.position,
            "column": self.column,
            "xpath": self.xpath,
            "value": self.value if self.value is None else short_repr(self.value),
            "reason": self.reason,
        }
