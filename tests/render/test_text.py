"""The text report, rendered once as a whole (golden file) and checked for the properties people rely on."""

from __future__ import annotations

import io
import os
import re

from rich.console import Console

from kubectl_ml.flows import doctor as doctor_flow
from kubectl_ml.render.text import render_report
from kubectl_ml.sources.snapshot import SnapshotSource
from tests.conftest import FIXTURES

GOLDEN = FIXTURES / "golden" / "doctor-demo.txt"


def _render(width: int = 120) -> str:
    report = doctor_flow.doctor_scan(SnapshotSource(FIXTURES / "demo"), None)
    stream = io.StringIO()
    render_report(
        report, Console(file=stream, width=width, color_system=None, highlight=False), "Doctor: all namespaces"
    )
    return stream.getvalue()


def test_demo_report_matches_the_golden_file() -> None:
    """Regenerate with KUBECTL_ML_UPDATE_GOLDEN=1 after a deliberate wording change, and review the diff."""
    text = _render()
    if os.environ.get("KUBECTL_ML_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_piped_output_has_no_escape_codes() -> None:
    assert "\x1b[" not in _render()


def test_workloads_are_grouped_and_sibling_pods_collapsed() -> None:
    text = _render()
    assert text.count("Deployment ml-serving/llm-server\n") == 1
    assert "(the same on 1 more pod:" in text
    assert "liveness-probe-restarts" in text


def test_every_finding_shows_a_fix() -> None:
    text = _render()
    blocks = [block for block in re.split(r"\n  (?=[✖▲●] )", text)[1:]]
    assert blocks
    assert all("fix " in block for block in blocks)
