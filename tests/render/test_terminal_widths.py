"""What a person sees on a real terminal of 80, 120 and 200 columns (issue 13): values are never cut.

`rightsize` at 80 and 120 columns cut the recommendation itself (``6 → 321…``, ``deploy/llm-se…``). Each
case runs the real CLI in a pseudo-terminal of that size and checks that every recommended value and
name appears whole, that no line is wider than the terminal (so the terminal never breaks one), and that
nothing was elided.
"""

from __future__ import annotations

import json
import re

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
    _fits(lines, columns)
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
    _fits(lines, 80)
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


def _fits(lines: list[str], columns: int) -> None:
    """No line past the terminal's edge, except a value to copy (patch, command): one line, whole."""
    for line in lines:
        if len(line) <= columns:
            continue
        label, _, value = line.strip().partition(" ")
        if line.strip().startswith("kubectl ml "):  # a command example of --help, as typer prints it
            continue
        assert label in ("patch", "apply", "next"), (columns, line)
        if label == "patch":
            json.loads(value.strip())  # the terminal wraps it; a copy gives it back whole
    assert not any("…" in line for line in lines), "\n".join(lines)


@pytest.mark.parametrize("columns", [80, 120, 200])
def test_rightsize_draws_usage_against_request_and_limit(columns: int) -> None:
    # llm-server's vllm: CPU request 6 with P50 3.22, memory request = limit 40Gi with P99 28.8Gi.
    screen = run_in_terminal(["rightsize", "-n", "ml-serving", "--snapshot", DEMO], columns)
    lines = _shown(screen.lines)
    _fits(lines, columns)
    bars = [line for line in lines if "|█" in line]
    assert len(bars) == 4, "\n".join(lines)  # cpu and memory of vllm and of triton
    assert any("RL| 40Gi" in line for line in bars), "\n".join(bars)
    assert "R the current request" in screen.text.replace("\n", " ")


def test_piped_rightsize_bars_are_ascii_in_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "rightsize", "-n", "ml-serving", "--snapshot", DEMO).out
    assert "█" not in out
    assert "▓" not in out
    vllm = next(line for line in out.splitlines() if "deploy/llm-server" in line)
    assert re.search(r"cpu +\|#+=+-*\.*R\| 6238m", vllm), vllm
    assert "Bars: usage # to P50, = to P99, - to the maximum" in out


@pytest.mark.parametrize("columns", [80, 120, 200])
def test_doctor_on_a_pod_wraps_prose_under_its_label_and_keeps_the_patch_whole(columns: int) -> None:
    screen = run_in_terminal(["doctor", "bert-finetune-0-5lpgp", "-n", "ml-training", "--snapshot", DEMO], columns)
    assert screen.code == 1, screen.text
    lines = _shown(screen.lines)
    _fits(lines, columns)
    patch = next(line for line in lines if line.strip().startswith("patch"))
    assert json.loads(patch.split("patch", 1)[1])["spec"]["containers"][0]["resources"]["limits"]["memory"] == "24Gi"
    if columns == 80:
        # The fix is wider than 80: its second line starts under the text, not at column 0.
        fix = next(index for index, line in enumerate(lines) if line.strip().startswith("fix"))
        assert lines[fix + 1].startswith(" " * 14), lines[fix : fix + 2]
        assert lines[fix + 1].strip(), lines[fix : fix + 2]


@pytest.mark.parametrize("columns", [80, 120])
def test_lint_wraps_at_words_and_keeps_patches_whole(columns: int) -> None:
    screen = run_in_terminal(["lint", str(FIXTURES / "lint")], columns)
    assert screen.code == 1, screen.text
    lines = _shown(screen.lines)
    _fits(lines, columns)
    assert any(line.strip().startswith("patch") for line in lines)


@pytest.mark.parametrize(
    "args",
    [
        ["version"],
        ["--help"],
        ["snapshot", "--help"],
        ["new", "serving", "--help"],
        ["new", "job", "--help"],
        ["doctor", "--help"],
        ["rightsize", "--help"],
        ["gpu", "--help"],
        ["lint", "--help"],
        ["new", "job", "x", "--gpus", "2", "--image", "img"],  # an error with a hint
        ["new", "job", "x", "--gpus", "2", "--image", "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime"],
    ],
)
def test_the_other_commands_fit_80_columns(args: list[str]) -> None:
    screen = run_in_terminal(args, 80)
    assert screen.code in (0, 2), screen.text
    _fits(_shown(screen.lines), 80)
