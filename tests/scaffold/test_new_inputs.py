"""`new` refuses names the API server would refuse and sizes no node has, with exit 2 (issue 11)."""

from __future__ import annotations

import pytest

from tests.live.inprocess import run

IMAGE = "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["job", "Train"], "invalid name 'Train'"),
        (["job", "my_job"], "invalid name 'my_job'"),
        (["job", ""], "name is empty"),
        (["job", "a" * 64], "is 64 characters"),
        (["job", "t", "-n", "Bad_NS"], "invalid namespace 'Bad_NS'"),
        (["job", "t", "--dataset-pvc", "Bad_PVC"], "invalid --dataset-pvc claim name"),
        (["job", "t", "--checkpoint-pvc", "ckpt/"], "invalid --checkpoint-pvc claim name"),
        (["job", "t", "--gpus", "99999999999999999999"], "--gpus 99999999999999999999 is out of range"),
        (["job", "t", "--workers", "100000000"], "--workers 100000000 is out of range"),
        (["job", "t", "--cpu", "1e30"], "--cpu 1e30 is more than any node has"),
        (["job", "t", "--memory", "99999Ei"], "--memory 99999Ei is more than any node has"),
        (["job", "t", "--memory", "lots"], "invalid --memory 'lots'"),
        (["serving", "1st", "--runtime", "vllm", "--model", "m"], "invalid name '1st' for a Service"),
        (["serving", "llm", "--runtime", "vllm", "--model", "m", "--replicas", "5000"], "--replicas 5000"),
    ],
)
def test_bad_input_is_exit_2_with_the_rule(args: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "new", *args, "--image", IMAGE)
    assert result.code == 2, result
    assert result.out == ""
    assert needle in result.err, result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    "args",
    [
        ["job", "1st-run", "--gpus", "8", "-n", "ml-training", "--dataset-pvc", "imagenet.v2"],
        ["job", "a" * 63],
        ["serving", "llm", "--runtime", "vllm", "--model", "Qwen/Qwen3-8B", "--replicas", "2"],
    ],
)
def test_names_and_sizes_the_api_accepts_pass(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "new", *args, "--image", IMAGE)
    assert result.code == 0, result.err
