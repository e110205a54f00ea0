"""``kubectl ml new job`` / ``new serving`` end to end, in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES
from tests.live.inprocess import run

IMAGE = "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime"


@pytest.mark.parametrize("image", ["vllm/vllm-openai:latest", "vllm/vllm-openai"])
def test_unpinned_image_is_refused_with_a_hint(capsys: pytest.CaptureFixture[str], image: str) -> None:
    result = run(capsys, "new", "serving", "llm", "--image", image, "--runtime", "vllm", "--model", "org/m")
    assert result.code == 2
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert lines[0].startswith("error: ")
    assert lines[1].startswith("hint: ")
    assert len(lines) == 2
    assert "Traceback" not in result.err


def test_job_yaml_on_stdout_with_command_after_dashes(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(
        capsys, "new", "job", "train", "--image", IMAGE, "--gpus", "1", "--", "python", "train.py", "--lr", "3"
    )
    assert result.code == 0, result.err
    (job,) = yaml.safe_load_all(result.out)
    assert job["kind"] == "Job"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["python", "train.py", "--lr", "3"]
    assert result.err == ""  # no cluster configured: nothing fitted, nothing said


def test_distributed_job_is_multi_document_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(
        capsys, "new", "job", "ddp", "--image", IMAGE, "--gpus", "8", "--workers", "2", "--active-deadline", "2d"
    )
    assert result.code == 0, result.err
    assert "\n---\n" in result.out
    service, job = yaml.safe_load_all(result.out)
    assert (service["kind"], job["kind"]) == ("Service", "Job")
    assert job["spec"]["activeDeadlineSeconds"] == 2 * 86400


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("new", "serving", "llm", "--image", "vllm/vllm-openai:v0.11.0", "--runtime", "vllm", "--model", "org/m")
    single = run(capsys, "new", "job", "t", "--image", IMAGE, "-o", "json")
    assert json.loads(single.out)["kind"] == "Job"
    several = run(capsys, *args, "--replicas", "2", "-o", "json")
    document = json.loads(several.out)
    assert document["kind"] == "List"
    assert [item["kind"] for item in document["items"]] == ["Service", "Deployment", "PodDisruptionBudget"]


def test_file_is_never_overwritten_without_force(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "job.yaml"
    first = run(capsys, "new", "job", "t", "--image", IMAGE, "-f", str(target))
    assert first.code == 0
    assert first.out == ""
    assert "Job/t" in first.err
    written = target.read_text()
    assert yaml.safe_load(written)["kind"] == "Job"

    again = run(capsys, "new", "job", "other", "--image", IMAGE, "-f", str(target))
    assert again.code == 2
    assert "exists" in again.err
    assert "--force" in again.err
    assert target.read_text() == written

    forced = run(capsys, "new", "job", "other", "--image", IMAGE, "-f", str(target), "--force")
    assert forced.code == 0
    assert yaml.safe_load(target.read_text())["metadata"]["name"] == "other"


def test_snapshot_fits_the_gke_gpu_taint(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(
        capsys, "new", "job", "t", "--image", IMAGE, "--gpus", "1", "--snapshot", str(FIXTURES / "demo"), "-o", "json"
    )
    assert result.code == 0, result.err
    pod = json.loads(result.out)["spec"]["template"]["spec"]
    assert pod["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"}
    ]
    assert "nvidia.com/gpu=present:NoSchedule" in result.err


def test_snapshot_selects_the_nodes_that_hold_the_gpus(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(
        capsys, "new", "serving", "llm", "--image", "vllm/vllm-openai:v0.11.0", "--runtime", "vllm",
        "--model", "org/m", "--gpus", "4", "--snapshot", str(FIXTURES / "demo"),
    )  # fmt: skip
    deployment = list(yaml.safe_load_all(result.out))[1]
    assert deployment["spec"]["template"]["spec"]["nodeSelector"] == {
        "cloud.google.com/gke-accelerator": "nvidia-tesla-a100"
    }


def test_unreadable_cluster_is_said_on_stderr_and_not_fatal(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "gone",
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:9"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "gone", "context": {"cluster": "c", "user": "u"}}],
            }
        )
    )
    result = run(capsys, "new", "job", "t", "--image", IMAGE, "--gpus", "1", "--kubeconfig", str(kubeconfig))
    assert result.code == 0
    assert "note: cannot read the cluster's nodes" in result.err
    assert yaml.safe_load(result.out)["spec"]["template"]["spec"]["tolerations"][0]["operator"] == "Exists"


def test_bad_snapshot_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run(capsys, "new", "job", "t", "--image", IMAGE, "--gpus", "1", "--snapshot", str(tmp_path / "missing"))
    assert result.code == 3
    assert "Traceback" not in result.err


def test_missing_model_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "new", "serving", "s", "--image", "tgi:3.3.4", "--runtime", "tgi")
    assert result.code == 2
    assert "--model" in result.err


def test_kind_pytorchjob_is_one_pytorchjob_with_master_and_workers(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(
        capsys, "new", "job", "ddp", "--image", IMAGE, "--gpus", "8", "--workers", "4", "--kind", "pytorchjob",
        "--", "torchrun", "train.py",
    )  # fmt: skip
    assert result.code == 0, result.err
    (job,) = yaml.safe_load_all(result.out)
    assert (job["apiVersion"], job["kind"]) == ("kubeflow.org/v1", "PyTorchJob")
    replicas = job["spec"]["pytorchReplicaSpecs"]
    assert (replicas["Master"]["replicas"], replicas["Worker"]["replicas"]) == (1, 3)
    container = replicas["Worker"]["template"]["spec"]["containers"][0]
    assert (container["name"], container["command"]) == ("pytorch", ["torchrun", "train.py"])


def test_kind_jobset_writes_no_service_and_is_case_insensitive(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "new", "job", "ddp", "--image", IMAGE, "--gpus", "8", "--workers", "2", "--kind", "JobSet")
    assert result.code == 0, result.err
    (jobset,) = yaml.safe_load_all(result.out)
    assert (jobset["apiVersion"], jobset["kind"]) == ("jobset.x-k8s.io/v1alpha2", "JobSet")
    pod = jobset["spec"]["replicatedJobs"][0]["template"]["spec"]["template"]["spec"]
    variables = {item["name"]: item.get("value") for item in pod["containers"][0]["env"]}
    assert variables["MASTER_ADDR"] == "ddp-workers-0-0.ddp"


def test_unknown_kind_is_a_usage_error_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "new", "job", "t", "--image", IMAGE, "--kind", "tfjob")
    assert result.code == 2
    assert result.out == ""
    assert "'tfjob' is not one of 'job', 'pytorchjob', 'jobset'" in result.err
    assert "Traceback" not in result.err


def test_name_an_operator_refuses_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "new", "job", "Train_1", "--image", IMAGE, "--kind", "pytorchjob")
    assert result.code == 2
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert lines[0] == "error: invalid name 'Train_1' for a PyTorchJob"
    assert lines[1].startswith("hint: Use lowercase letters")


def test_snapshot_fits_every_pod_of_a_pytorchjob(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(
        capsys, "new", "job", "t", "--image", IMAGE, "--gpus", "1", "--workers", "2", "--kind", "pytorchjob",
        "--snapshot", str(FIXTURES / "demo"), "-o", "json",
    )  # fmt: skip
    assert result.code == 0, result.err
    replicas = json.loads(result.out)["spec"]["pytorchReplicaSpecs"]
    for replica in replicas.values():
        assert replica["template"]["spec"]["tolerations"] == [
            {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"}
        ]
