"""One small exception hierarchy, mapped to exit codes in exactly one place (``cli.main``).

Nothing below ``cli/`` prints or exits: it raises one of these, with a message that says what failed
and a hint that says how to fix it.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes shared by every command (DESIGN §1)."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    SOURCE = 3
    INTERNAL = 4
    INTERRUPTED = 130


class KubectlMlError(Exception):
    """Base of every error the plugin reports to the user as one or two lines."""

    exit_code: ExitCode = ExitCode.SOURCE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(KubectlMlError):
    """Bad flags or arguments: exit 2."""

    exit_code = ExitCode.USAGE


class SourceError(KubectlMlError):
    """The cluster, snapshot or Prometheus could not be read: exit 3."""


class ConfigError(SourceError):
    """The kubeconfig is missing, unreadable, or names a context that does not exist."""


class UnreachableError(SourceError):
    """The API server did not answer (refused, DNS, TLS, timeout)."""

    def __init__(self, message: str, hint: str | None = None, *, reason: str = "") -> None:
        """``reason`` is the cause alone (``timed out: no answer within 1 s``), for a note on a skipped read."""
        super().__init__(message, hint)
        self.reason = reason


class ApiError(SourceError):
    """The API server answered with an error status.

    Attributes:
        status: the HTTP status code (401, 403, 404, 429, 5xx).
        reason: the Kubernetes ``Status.reason`` or HTTP reason phrase.
    """

    def __init__(self, message: str, hint: str | None = None, *, status: int = 0, reason: str = "") -> None:
        super().__init__(message, hint)
        self.status = status
        self.reason = reason


class ForbiddenError(ApiError):
    """RBAC denied a request (403). Callers decide whether that data is optional."""


class NotFoundError(ApiError):
    """The named object does not exist (404, or absent from a snapshot).

    Attributes:
        details_name: the object the API server's Status names (``details.name``); None when the 404 is
            for a path it does not serve (a resource its group lacks at that version).
    """

    details_name: str | None = None


class SnapshotFormatError(SourceError):
    """A snapshot file could not be parsed; the message names the file.

    ``line`` (1-based, when known) and ``words`` (what is wrong, without the file's name) let a caller
    that reads many files list this one among the rest (``kubectl ml lint DIR``).
    """

    def __init__(self, message: str, hint: str | None = None, *, line: int | None = None, words: str = "") -> None:
        """``line`` and ``words`` as above; ``words`` defaults to the message."""
        super().__init__(message, hint)
        self.line = line
        self.words = words or message


class UnreadableFileError(SnapshotFormatError):
    """A file could not be read at all (permissions, a vanished file, an I/O error); the message names it.

    Callers that read many files (a snapshot folder) skip such a file and say so; reading one file, it
    is the error.
    """

    def __init__(self, message: str, hint: str | None = None, *, reason: str = "") -> None:
        """``reason`` is the system's word for it, e.g. ``Permission denied``."""
        super().__init__(message, hint, words=f"cannot be read ({reason})" if reason else "")
        self.reason = reason
