"""Suppression as users of kube-linter and Polaris expect (issue 12, item 4): annotations and ``.kubectl-ml.yaml``.

Suppressed findings are counted and listed (who, why), never dropped in silence; a typo in an annotation
or in the config is said, not taken for a working setting.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.live.inprocess import run

# A Deployment from the Kubernetes docs (concepts/workloads/controllers/nginx-deployment.yaml) with one
# suppression on the object and one on its pod template: no requests (resources-missing), root user.
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  annotations:
    ignore.kubectl-ml.io/resources-missing: "sized by the VPA in recommendation mode"
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
      annotations:
        ignore.kubectl-ml.io/run-as-root: "nginx binds port 80"
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
"""


def _lint(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    result = run(capsys, "lint", *args, "-o", "json", "--fail-on", "never")
    return result.code, json.loads(result.out) if result.out else {}


def _codes(report: dict) -> set[str]:
    return {finding["code"] for finding in report["findings"]}


@pytest.fixture
def deployment(tmp_path: Path) -> Path:
    path = tmp_path / "nginx.yaml"
    path.write_text(DEPLOYMENT)
    return path


def test_annotations_on_the_object_and_its_template_suppress_their_codes(
    capsys: pytest.CaptureFixture[str], deployment: Path
) -> None:
    plain = deployment.with_name("plain.yaml")
    plain.write_text(DEPLOYMENT.replace("ignore.kubectl-ml.io/", "example.com/"))
    _code, before = _lint(capsys, str(plain))
    assert {"resources-missing", "run-as-root"} <= _codes(before)  # what the annotations are about
    _code, report = _lint(capsys, str(deployment))
    assert not {"resources-missing", "run-as-root"} & _codes(report)
    assert _codes(report) == _codes(before) - {"resources-missing", "run-as-root"}
    assert report["counts"]["suppressed"] == 2
    suppressed = {item["code"]: item for item in report["suppressed"]}
    assert suppressed["resources-missing"]["by"] == "annotation"
    assert suppressed["resources-missing"]["reason"] == "sized by the VPA in recommendation mode"
    assert suppressed["run-as-root"]["reason"] == "nginx binds port 80"
    assert suppressed["run-as-root"]["object"]["name"] == "nginx-deployment"
    text = run(capsys, "lint", str(deployment))
    assert "Suppressed: 2 findings (2 by annotation); -o json lists them." in text.out


def test_an_annotation_that_names_no_code_is_said(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    typo = tmp_path / "typo.yaml"
    typo.write_text(DEPLOYMENT.replace("ignore.kubectl-ml.io/run-as-root", "ignore.kubectl-ml.io/run-as-rot"))
    _code, report = _lint(capsys, str(typo))
    assert "run-as-root" in _codes(report)
    note = f"Deployment/nginx-deployment ({typo}:1): annotation ignore.kubectl-ml.io/run-as-rot names no lint code"
    assert f"{note}; it suppresses nothing" in report["skipped"]


def test_a_template_annotation_suppresses_only_that_template(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # kubeflow/trainer v1.8 examples/pytorch/simple.yaml, the Worker's template annotated.
    job = tmp_path / "pytorchjob.yaml"
    job.write_text(
        """\
apiVersion: "kubeflow.org/v1"
kind: PyTorchJob
metadata:
  name: pytorch-simple
  namespace: kubeflow
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      restartPolicy: OnFailure
      template:
        spec:
          containers:
            - name: pytorch
              image: docker.io/kubeflowkatib/pytorch-mnist:v1beta1-45c5727
              imagePullPolicy: Always
              command:
                - "python3"
                - "/opt/pytorch-mnist/mnist.py"
                - "--epochs=1"
    Worker:
      replicas: 1
      restartPolicy: OnFailure
      template:
        metadata:
          annotations:
            ignore.kubectl-ml.io/resources-missing: "workers share the node with the master"
        spec:
          containers:
            - name: pytorch
              image: docker.io/kubeflowkatib/pytorch-mnist:v1beta1-45c5727
              imagePullPolicy: Always
              command:
                - "python3"
                - "/opt/pytorch-mnist/mnist.py"
                - "--epochs=1"
"""
    )
    _code, report = _lint(capsys, str(job))
    left = [finding for finding in report["findings"] if finding["code"] == "resources-missing"]
    assert len(left) == 1
    assert "Master" in left[0]["summary"]
    assert [item["code"] for item in report["suppressed"]] == ["resources-missing"]


# -- the config file -------------------------------------------------------------------------------


def test_the_config_in_the_current_folder_turns_codes_off_and_changes_severities(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(FIXTURES / "lint" / "cronjob.yaml", tmp_path / "cronjob.yaml")
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "lint", "cronjob.yaml").code == 1  # gpu-limit-missing is an error
    (tmp_path / ".kubectl-ml.yaml").write_text(
        "lint:\n  disable: [gpu-limit-missing]\n  severity:\n    image-tag-latest: error\n"
    )
    _code, report = _lint(capsys, "cronjob.yaml")
    assert "gpu-limit-missing" not in _codes(report)
    assert report["source"]["config"] == ".kubectl-ml.yaml"
    assert [(item["code"], item["by"], item["reason"]) for item in report["suppressed"]] == [
        ("gpu-limit-missing", "config", ".kubectl-ml.yaml")
    ]
    assert run(capsys, "lint", "cronjob.yaml").code == 0  # what is left is below --fail-on error
    (tmp_path / ".kubectl-ml.yaml").write_text("lint:\n  severity:\n    resources-missing: error\n")
    pod = tmp_path / "pod.yaml"
    pod.write_text(DEPLOYMENT.replace("ignore.kubectl-ml.io/", "example.com/"))  # no requests: a warning
    _code, raised = _lint(capsys, "pod.yaml")
    assert {finding["severity"] for finding in raised["findings"] if finding["code"] == "resources-missing"} == {
        "error"
    }
    assert run(capsys, "lint", "pod.yaml").code == 1


def test_excluded_paths_are_not_read_and_are_counted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "testdata").mkdir()
    shutil.copy(FIXTURES / "lint" / "nvidia-pod.yaml", tmp_path / "deploy" / "pod.yaml")
    (tmp_path / "deploy" / "testdata" / "broken.yaml").write_text("kind: [\n")
    config = tmp_path / "settings.yaml"
    config.write_text('lint:\n  exclude: ["deploy/testdata/*"]\n')
    monkeypatch.chdir(tmp_path)
    code, report = _lint(capsys, "deploy", "--config", "settings.yaml")
    assert code == 0  # the broken file was never read
    assert report["counts"]["excluded"] == 1
    assert report["counts"]["files"] == 1
    assert report["skipped"] == []
    text = run(capsys, "lint", "deploy", "--config", "settings.yaml")
    assert "Excluded by settings.yaml: 1 file." in text.out


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (
            "lint:\n  disable: [shm-mising]\n",
            "settings.yaml (line 2): lint.disable names 'shm-mising', which is no lint code",
        ),
        ("lint:\n  severity:\n    shm-missing: fatal\n", "lint.severity.shm-missing is 'fatal'"),
        ("lint:\n  disabled: [shm-missing]\n", "settings.yaml (line 2): unknown key lint.disabled"),
        ("lint:\n  exclude: charts\n", "lint.exclude must be a list of strings"),
        ("lint: [\n", "settings.yaml is not valid YAML (line 2)"),
    ],
)
def test_a_config_with_a_mistake_is_a_usage_error_naming_it(
    content: str, needle: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "settings.yaml"
    config.write_text(content)
    result = run(capsys, "lint", str(FIXTURES / "lint" / "nvidia-pod.yaml"), "--config", str(config))
    assert result.code == 2, result
    assert needle in result.err
    assert "Traceback" not in result.err


def test_a_config_flag_naming_no_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "lint", str(FIXTURES / "lint" / "nvidia-pod.yaml"), "--config", "nope.yaml")
    assert result.code == 2
    assert "--config nope.yaml: no such file." in result.err


@pytest.mark.parametrize("pattern", ["deploy/testdata/*", "./deploy/testdata/*", "deploy/testdata/", "deploy/testdata"])
def test_exclude_patterns_as_people_write_them(
    pattern: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "deploy" / "testdata").mkdir(parents=True)
    (tmp_path / "deploy" / "testdata" / "broken.yaml").write_text("kind: [\n")
    shutil.copy(FIXTURES / "lint" / "cronjob.yaml", tmp_path / "deploy" / "cronjob.yaml")
    (tmp_path / ".kubectl-ml.yaml").write_text(f'lint:\n  exclude: ["{pattern}"]\n')
    monkeypatch.chdir(tmp_path)
    _code, report = _lint(capsys, "deploy")
    assert report["counts"]["excluded"] == 1, pattern


def test_a_typo_at_the_top_of_the_config_is_said(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "settings.yaml"
    config.write_text("lnt:\n  disable: [run-as-root]\n")
    result = run(capsys, "lint", str(FIXTURES / "lint" / "nvidia-pod.yaml"), "--config", str(config))
    assert result.code == 2
    assert "settings.yaml (line 1): unknown key lnt." in result.err


def test_a_config_folder_is_looked_into(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / ".kubectl-ml.yaml").write_text("lint:\n  disable: [run-as-root]\n")
    _code, report = _lint(capsys, str(FIXTURES / "lint" / "nvidia-pod.yaml"), "--config", str(tmp_path))
    assert "run-as-root" not in _codes(report)
    assert report["counts"]["suppressed"] >= 1
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(capsys, "lint", str(FIXTURES / "lint" / "nvidia-pod.yaml"), "--config", str(empty))
    assert result.code == 2
    assert "is a folder without a .kubectl-ml.yaml" in result.err


def test_an_annotation_on_a_cronjobs_job_template_is_honoured(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cronjob = tmp_path / "cronjob.yaml"
    text = (FIXTURES / "lint" / "cronjob.yaml").read_text()
    cronjob.write_text(
        text.replace(
            "  jobTemplate:\n    spec:\n",
            "  jobTemplate:\n    metadata:\n      annotations:\n"
            '        ignore.kubectl-ml.io/gpu-limit-missing: "the device plugin defaults the limit"\n    spec:\n',
        )
    )
    _code, report = _lint(capsys, str(cronjob))
    assert "gpu-limit-missing" not in _codes(report)
    assert [item["code"] for item in report["suppressed"]] == ["gpu-limit-missing"]


def test_a_suppressed_invalid_manifest_is_not_taken_for_a_clean_object(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        DEPLOYMENT.replace("ignore.kubectl-ml.io/resources-missing", "ignore.kubectl-ml.io/invalid-manifest").replace(
            "- containerPort: 80", "- containerPort: eighty"
        )
    )
    _code, report = _lint(capsys, str(broken))
    assert report["findings"] == []
    assert [item["code"] for item in report["suppressed"]] == ["invalid-manifest"]
    assert any(
        "invalid-manifest suppressed (annotation); no other rule ran on it" in line for line in report["skipped"]
    )
