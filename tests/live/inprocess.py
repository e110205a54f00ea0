"""Run the CLI in-process (``cli.main``), capturing stdout and stderr: fast, and the real flow."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from kubectl_ml.cli import main


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def report(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.out)
        return document


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def assert_short_error(result: Run, *needles: str) -> None:
    assert result.code == 3, result
    lines = result.err.strip().splitlines()
    assert 1 <= len(lines) <= 2, result.err
    assert lines[0].startswith("error: "), result.err
    assert len(lines) == 1 or lines[1].startswith("hint: "), result.err
    assert "Traceback" not in result.err
    for needle in needles:
        assert needle in result.err, result.err
