"""``snapshot``'s flow: a source and a folder in, the folder written and what was skipped out."""

from __future__ import annotations

from pathlib import Path

from kubectl_ml.errors import UsageError
from kubectl_ml.model.redaction import Redactor
from kubectl_ml.sources.base import Source
from kubectl_ml.sources.snapshot_writer import write_snapshot


def check_target(directory: Path) -> None:
    """Refuse a folder that exists and is not empty (or is a file), before any request is made."""
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} exists and is not a folder.", "Choose a new folder.")
    if directory.exists() and any(directory.iterdir()):
        raise UsageError(f"{directory} exists and is not empty.", "Choose a new folder.")


def save_snapshot(
    source: Source, directory: Path, namespace: str | None, with_logs: bool = True, redact: bool = True
) -> list[str]:
    """Save the namespace (None: all) of ``source`` under ``directory``; return what was skipped or redacted."""
    check_target(directory)
    return write_snapshot(
        source, directory, None if namespace is None else [namespace], with_logs=with_logs, redactor=Redactor(redact)
    )
