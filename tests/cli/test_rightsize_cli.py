"""`kubectl ml rightsize` end to end on the demo snapshot (objects + metrics.om), as a user runs it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES
from tests.live.inprocess import run

DEMO = str(FIXTURES / "demo")


def test_json_report_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "rightsize", "-A", "--snapshot", DEMO, "-o", "json")
    assert result.code == 0, result.err
    document = result.report()
    assert document["apiVersion"] == "kubectl-ml/v1"
    assert document["kind"] == "RightsizeReport"
    assert document["window"] == "7d"
    rows = {(row["workload"]["name"], row["container"]): row for row in document["recommendations"]}
    triton = rows[("triton", "triton")]
    assert set(triton) >= {
        "namespace",
        "workload",
        "container",
        "current",
        "recommended",
        "usage",
        "samples",
        "history",
        "notes",
    }
    assert triton["current"]["requests"] == {"cpu": "4", "memory": "16Gi"}
    assert triton["recommended"]["requests"]["cpu"].endswith("m")
    assert triton["recommended"]["limits"]["memory"].endswith("Mi")
    assert triton["gpu"]["idle"] is True


def test_usage_of_a_pod_replaced_by_a_rollout_counts_for_its_deployment(capsys: pytest.CaptureFixture[str]) -> None:
    document = run(capsys, "rightsize", "-n", "ml-serving", "--snapshot", DEMO, "-o", "json").report()
    vllm = next(row for row in document["recommendations"] if row["workload"]["name"] == "llm-server")
    # The two current pods and the pod of the earlier ReplicaSet (gone from the API, still in the metrics).
    assert vllm["usage"]["memory"]["max"] > 0
    assert vllm["history"].startswith("2d23h")


def test_an_oom_killed_job_gets_a_limit_above_the_one_it_hit(capsys: pytest.CaptureFixture[str]) -> None:
    document = run(capsys, "rightsize", "-n", "ml-training", "--snapshot", DEMO, "-o", "json").report()
    trainer = next(row for row in document["recommendations"] if row["workload"]["name"] == "bert-finetune")
    assert float(trainer["recommended"]["limits"]["memory"].removesuffix("Mi")) > 16 * 1024
    assert any("OOMKilled" in note for note in trainer["notes"])


def test_patch_output_is_a_strategic_merge_patch_per_workload(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "rightsize", "-n", "ml-serving", "--snapshot", DEMO, "-o", "patch")
    assert result.code == 0, result.err
    documents = [document for document in yaml.safe_load_all(result.out) if document]
    containers = [document["spec"]["template"]["spec"]["containers"][0]["name"] for document in documents]
    assert sorted(containers) == ["triton", "vllm"]
    assert "# kubectl patch deployment triton -n ml-serving --type=strategic -p " in result.out


def test_kubectl_output_is_set_resources_lines_and_skips_immutable_jobs(capsys: pytest.CaptureFixture[str]) -> None:
    lines = run(capsys, "rightsize", "-A", "--snapshot", DEMO, "-o", "kubectl").out.splitlines()
    assert lines
    assert all(line.startswith("kubectl set resources ") for line in lines)
    assert not any(" job/" in line for line in lines)


def test_text_output_shows_a_table_and_the_containers_without_usage(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "rightsize", "-n", "ml-serving", "--snapshot", DEMO).out
    assert "deploy/triton" in out
    assert "GPU idle" in out
    assert "No usage in the window" in out


def test_profiles_and_quantile_flags_change_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    base = run(capsys, "rightsize", "-n", "ml-serving", "--snapshot", DEMO, "-o", "json").report()
    serving = run(
        capsys, "rightsize", "-n", "ml-serving", "--snapshot", DEMO, "-o", "json", "--profile", "serving"
    ).report()

    def cpu_request(document: dict) -> str:
        return next(r for r in document["recommendations"] if r["container"] == "triton")["recommended"]["requests"][
            "cpu"
        ]

    assert int(cpu_request(serving).removesuffix("m")) > int(cpu_request(base).removesuffix("m"))


@pytest.mark.parametrize(
    "args",
    [
        ("--profile", "fastest"),
        ("--request-quantile", "0.99", "--limit-quantile", "0.5"),
        ("--window", "a-week"),
        ("--request-quantile", "1.5"),
    ],
)
def test_bad_values_are_usage_errors(capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    result = run(capsys, "rightsize", "-n", "ml-serving", "--snapshot", DEMO, *args)
    assert result.code == 2, result
    assert "Traceback" not in result.err


def test_a_snapshot_without_metrics_needs_prometheus(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "snap"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("metrics.om"))
    result = run(capsys, "rightsize", "-n", "ml-serving", "--snapshot", str(folder))
    assert result.code == 3
    assert "metrics.om" in result.err
    assert "--prometheus" in result.err


def test_a_prometheus_password_is_never_shown(capsys: pytest.CaptureFixture[str]) -> None:
    # Nothing listens there: the run fails, and neither the error nor anything else shows the password.
    result = run(
        capsys, "rightsize", "-n", "ml-serving", "--snapshot", DEMO, "--prometheus", "http://admin:s3cret@127.0.0.1:9"
    )
    assert result.code == 3
    assert "s3cret" not in result.out + result.err


def test_a_malformed_selector_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "rightsize", "-n", "ml-serving", "--snapshot", DEMO, "-l", "app in (x")
    assert result.code == 2
    assert "label selector" in result.err
