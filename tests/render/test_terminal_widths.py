"""What a person sees on a real terminal of 80, 120 and 200 columns (issue 13): values are never cut.

`rightsize` at 80 and 120 columns cut the recommendation itself (``6 → 321…``, ``deploy/llm-se…``). Each
case runs the real CLI in a pseudo-terminal of that size and checks that every recommended value and
name appears whole, that no line is wider than the terminal (so the terminal never breaks one), and that
nothing was elided.
"""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from tests.live.inprocess import run
from tests.support.terminal import run_in_terminal

DEMO = str(FIXTURES / "demo")


def _shown(lines: list[str]) -> list[str]:
    return [line for line in lines if "Querying usage" not in line and "Reading" not in line]  # the spinner


@pytest.fixture
def recommendations(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    """The recommendations with usage, as JSON says them: what the screen must show whole."""
    document = run(capsys, "rightsize", "-A", "--snapshot", DEMO, "-o", "json").report()
    return [item for item in document["recommendations"] if item.get("usage", {}).get("cpu")]


@pytest.mark.parametrize("columns", [80, 120, 200])
def test_rightsize_shows_every_value_whole(columns: int, recommendations: list[dict]) -> None:
    screen = run_in_terminal(["rightsize", "-A", "--snapshot", DEMO], columns)
    assert screen.code == 0, screen.text
    lines = _shown(screen.lines)
    assert max(len(line) for line in lines) <= columns
    assert not any("…" in line for line in lines), "\n".join(lines)
    text = "\n".join(lines)
    for item in recommendations:
        assert item["workload"]["name"] in text
        assert item["container"] in text
        for section in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                value = item["recommended"][section].get(resource)
                if value:
                    assert value in text, (columns, value)


def test_piped_rightsize_is_the_wide_table(capsys: pytest.CaptureFixture[str]) -> None:
    # Piped output is for reading or grep: one line per container, 200 columns.
    out = run(capsys, "rightsize", "-A", "--snapshot", DEMO).out
    assert "usage p50/p99/max" in out
    assert "…" not in out


@pytest.mark.parametrize("columns", [80, 120, 200])
def test_gpu_names_every_node_whole_and_wraps_prose_at_words(columns: int, capsys: pytest.CaptureFixture[str]) -> None:
    # At 80 columns two A100 nodes read "gke-ml-prod-a1…" twice and the taints column was gone.
    nodes = run(capsys, "gpu", "-A", "--snapshot", DEMO, "-o", "json").report()["nodes"]
    screen = run_in_terminal(["gpu", "-A", "--snapshot", DEMO], columns)
    assert screen.code == 1, screen.text  # the demo has errors
    lines = _shown(screen.lines)
    assert max(len(line) for line in lines) <= columns
    assert not any("…" in line for line in lines), "\n".join(lines)
    text = "\n".join(lines)
    for node in nodes:
        assert node["name"] in text
        for taint in node.get("taints") or []:
            assert taint["key"] in text
    if columns == 80:
        assert "████" in text  # the allocation bar of the narrow layout: 4 of 4 GPUs allocated


def test_doctor_wraps_at_words_on_a_terminal() -> None:
    screen = run_in_terminal(["doctor", "-n", "ml-training", "--snapshot", DEMO], 80)
    lines = _shown(screen.lines)
    assert max(len(line) for line in lines) <= 80
    assert "Summary:" in screen.text


def test_gpu_allocation_bars_are_blocks_on_a_terminal_and_ascii_piped(capsys: pytest.CaptureFixture[str]) -> None:
    # 4 of 4 GPUs of gke-ml-prod-a100-2 allocated: a full bar of four.
    piped = run(capsys, "gpu", "-A", "--snapshot", DEMO).out
    row = next(line for line in piped.splitlines() if line.startswith("gke-ml-prod-a100-2"))
    assert " #### " in row
    assert "█" not in piped
    screen = run_in_terminal(["gpu", "-A", "--snapshot", DEMO], 200)
    row = next(line for line in screen.lines if line.startswith("gke-ml-prod-a100-2"))
    assert " ████ " in row
