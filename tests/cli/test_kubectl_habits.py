"""kubectl habits (issue 13): flags before the command, a namespace forgotten after -n, --debug that explains."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from tests.live.inprocess import run

DEMO = str(FIXTURES / "demo")


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (["-n", "ml-training", "doctor", "--snapshot", DEMO], f"kubectl ml doctor -n ml-training --snapshot {DEMO}"),
        (["--context", "prod", "gpu"], "kubectl ml gpu --context prod"),
        (["-n", "ml", "new", "job", "bert", "--image", "a:1"], "kubectl ml new job -n ml bert --image a:1"),
    ],
)
def test_kubectl_flags_before_the_command_get_the_order_that_works(
    args: list[str], suggestion: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # kubectl-ml -n ml-training doctor answered only "No such option: -n".
    result = run(capsys, *args)
    assert result.code == 2
    assert result.err.splitlines()[0] == f"error: kubectl's flags go after the command: {suggestion}"
    assert len(result.err.splitlines()) == 2


def test_the_suggested_order_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "doctor", "-n", "ml-training", "--snapshot", DEMO).code in (0, 1)


def test_a_namespace_forgotten_after_n_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # doctor -n --snapshot D took "--snapshot" as the namespace.
    result = run(capsys, "doctor", "-n", "--snapshot", DEMO)
    assert result.code == 2
    assert "'--snapshot' is an option, not a namespace: give the namespace after -n." in result.err


def test_debug_shows_the_traceback_and_keeps_the_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    # --debug turned "not found" (exit 3) into a bare traceback (exit 1).
    plain = run(capsys, "doctor", "nope", "-n", "ml-training", "--snapshot", DEMO)
    debug = run(capsys, "doctor", "nope", "-n", "ml-training", "--snapshot", DEMO, "--debug")
    assert plain.code == debug.code == 3
    assert "Traceback" in debug.err
    assert debug.err.rstrip().splitlines()[-2:] == plain.err.rstrip().splitlines()[-2:]


def test_the_command_list_says_each_command_whole(capsys: pytest.CaptureFixture[str]) -> None:
    # click cut every description after ~45 characters ("Say why pods fail and what to fix: image pulls, crashes,...").
    text = " ".join(run(capsys, "--help").out.split())
    assert "Say why pods fail and what to fix: image pulls, crashes, OOM, probes, scheduling, quotas, GPUs." in text
    assert "..." not in text.split("Commands:", 1)[1]
    new = " ".join(run(capsys, "new", "--help").out.split())
    assert "..." not in new.split("Commands:", 1)[1]


def test_placeholders_read_as_words(capsys: pytest.CaptureFixture[str]) -> None:
    help_text = run(capsys, "new", "job", "--help").out
    assert "<int range>" not in help_text
    assert "--gpus N" in help_text
    assert "(no KUBECONFIG merge)" not in run(capsys, "doctor", "--help").out


def test_gpu_prints_no_empty_fix_and_never_suggests_itself(capsys: pytest.CaptureFixture[str]) -> None:
    # Eight "fix: Nothing to fix." blocks and "next: kubectl ml gpu -n ml-training" under `kubectl ml gpu -A`.
    result = run(capsys, "gpu", "-A", "--snapshot", DEMO)
    assert "gpu-placement" in result.out
    assert "Nothing to fix" not in result.out
    assert not [
        line for line in result.out.splitlines() if line.strip().startswith("next") and "kubectl ml gpu" in line
    ]
    assert "fix       Lower the request" in result.out  # a finding with a fix keeps it


@pytest.mark.parametrize(("output", "what"), [("patch", "patch"), ("kubectl", "command")])
def test_rightsize_says_why_it_prints_no_patch(output: str, what: str, capsys: pytest.CaptureFixture[str]) -> None:
    # -o patch / -o kubectl printed nothing at all when every recommendation was for a Job.
    result = run(capsys, "rightsize", "-n", "ml-training", "--snapshot", DEMO, "-o", output)
    assert result.code == 0
    assert result.out == ""
    assert result.err.startswith(f"note: no {what} to print: the recommendations are for Jobs")
    assert "-o yaml shows them" in result.err
    served = run(capsys, "rightsize", "-n", "ml-serving", "--snapshot", DEMO, "-o", output)
    assert served.out
    assert served.err == ""


def test_gpu_says_when_a_fit_rests_on_gkes_automatic_toleration(capsys: pytest.CaptureFixture[str]) -> None:
    # "fits 3 nodes of 6" then "can run on no node" for the same workload, without saying why they differ.
    report = run(capsys, "gpu", "-n", "ml-training", "--snapshot", DEMO, "-o", "json").report()
    placement = next(
        finding
        for finding in report["findings"]
        if finding["code"] == "gpu-placement" and finding["object"]["name"] == "vision-eval"
    )
    assert "with the GPU toleration GKE's ExtendedResourceToleration admission adds to its pods" in placement["summary"]
    # A template with the toleration of its own (the PyTorchJob's) fits without it: nothing to say.
    own = [
        finding
        for finding in report["findings"]
        if finding["code"] == "gpu-placement" and finding["object"]["name"] == "resnet-ddp"
    ]
    assert own
    assert not any("ExtendedResourceToleration" in finding["summary"] for finding in own)
