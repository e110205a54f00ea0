"""`kubectl ml lint` end to end, in-process: realistic manifests, file and line, JSON contract, exit codes."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES
from tests.live.inprocess import assert_short_error, run

LINT = FIXTURES / "lint"


def located(document: dict, code: str) -> list[tuple[str, str, int, int]]:
    """(object name, file name, object line, field line) of each finding with this code."""
    return [
        (item["object"]["name"], Path(item["object"]["file"]).name, item["object"]["line"], item["line"])
        for item in document["findings"]
        if item["code"] == code
    ]


def lint_json(capsys: pytest.CaptureFixture[str], *paths: str) -> dict:
    result = run(capsys, "lint", *paths, "-o", "json", "--fail-on", "never")
    assert result.code == 0, result
    document: dict = json.loads(result.out)
    return document


def test_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    document = lint_json(capsys, str(LINT / "nvidia-pod.yaml"))
    assert list(document) == [
        "apiVersion",
        "kind",
        "source",
        "findings",
        "skipped",
        "counts",
        "suppressed",
        "notChecked",
    ]
    assert document["counts"] == {
        "files": 1,
        "excluded": 0,
        "unreadable": 0,
        "objects": 1,
        "checked": 1,
        "notChecked": 0,
        "suppressed": 0,
    }
    assert document["suppressed"] == []
    assert document["notChecked"] == []
    assert document["apiVersion"] == "kubectl-ml/v1"
    assert document["kind"] == "LintReport"
    finding = document["findings"][0]
    assert list(finding["object"]) == ["kind", "namespace", "name", "file", "line"]
    assert finding["object"]["file"] == str(LINT / "nvidia-pod.yaml")
    assert {
        "code",
        "severity",
        "object",
        "container",
        "summary",
        "evidence",
        "remedy",
        "patch",
        "commands",
        "line",
        "docs",
    } == set(finding)
    assert finding["docs"].startswith("https://")


def test_helm_create_deployment(capsys: pytest.CaptureFixture[str]) -> None:
    document = lint_json(capsys, str(LINT / "helm-deployment.yaml"))
    name = "release-name-mychart"
    assert {item["code"] for item in document["findings"]} == {"resources-missing", "run-as-root"}
    assert located(document, "resources-missing") == [(name, "helm-deployment.yaml", 23, 65)]
    assert located(document, "run-as-root") == [(name, "helm-deployment.yaml", 23, 49)]
    # the Service in the same file is not a workload; the pinned nginx tag and the readiness probe pass


def test_nvidia_example_pod(capsys: pytest.CaptureFixture[str]) -> None:
    document = lint_json(capsys, str(LINT / "nvidia-pod.yaml"))
    # The vectoradd CUDA sample is one short process: no DataLoader, no NCCL, so no /dev/shm, and nothing
    # worth sizing (issue 12, judged on tests/lint/corpus).
    assert located(document, "shm-missing") == []
    assert located(document, "resources-missing") == []
    assert located(document, "run-as-root") == [("gpu-pod", "nvidia-pod.yaml", 2, 9)]
    codes = {item["code"] for item in document["findings"]}
    assert not codes & {"gpu-limit-missing", "image-tag-latest", "probes-missing", "startup-probe-missing"}


def test_vllm_deployment_without_startup_probe(capsys: pytest.CaptureFixture[str]) -> None:
    document = lint_json(capsys, str(LINT / "vllm-deployment.yaml"))
    assert located(document, "startup-probe-missing") == [("llama-server", "vllm-deployment.yaml", 1, 56)]
    assert located(document, "image-tag-latest") == [("llama-server", "vllm-deployment.yaml", 1, 31)]
    finding = next(item for item in document["findings"] if item["code"] == "startup-probe-missing")
    assert "within 90 s" in finding["summary"]
    assert finding["object"]["namespace"] == "serving"
    assert {item["code"] for item in document["findings"]} == {"startup-probe-missing", "image-tag-latest"}


def test_job_inside_a_cronjob(capsys: pytest.CaptureFixture[str]) -> None:
    document = lint_json(capsys, str(LINT / "cronjob.yaml"))
    assert located(document, "gpu-limit-missing") == [("nightly-finetune", "cronjob.yaml", 1, 26)]
    finding = document["findings"][0]
    assert finding["evidence"][0]["path"] == (
        "spec.jobTemplate.spec.template.spec.containers[0].resources.requests['nvidia.com/gpu']"
    )
    assert finding["patch"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["resources"] == {
        "limits": {"nvidia.com/gpu": "2"},
        "requests": {"nvidia.com/gpu": "2"},
    }
    assert [item["code"] for item in document["findings"]] == ["gpu-limit-missing"]


def test_json_list_input(capsys: pytest.CaptureFixture[str]) -> None:
    document = lint_json(capsys, str(LINT / "list.json"))
    assert located(document, "gpu-resource-unknown") == [("typo", "list.json", 5, 17)]
    assert located(document, "gpu-request-limit-mismatch") == [("mismatch", "list.json", 23, 37)]
    assert document["findings"][0]["object"]["kind"] == "Pod"


def test_a_clean_folder_is_searched_recursively_and_passes(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "lint", str(LINT / "clean"), "--fail-on", "info")
    assert result.code == 0, result
    assert "2 files, 2 objects with pod specs" in result.out
    assert "No problems found" in result.out


def test_folders_and_files_mix(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shutil.copy(LINT / "nvidia-pod.yaml", tmp_path / "pod.yml")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    shutil.copy(LINT / "cronjob.yaml", tmp_path / "deep" / "er" / "cron.yaml")
    (tmp_path / "README.md").write_text("not a manifest: [")
    document = lint_json(capsys, str(tmp_path), str(LINT / "list.json"))
    files = [Path(item["object"]["file"]).name for item in document["findings"]]
    assert set(files) == {"cron.yaml", "pod.yml", "list.json"}


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO((LINT / "vllm-deployment.yaml").read_text()))
    document = lint_json(capsys, "-")
    assert located(document, "startup-probe-missing") == [("llama-server", "-", 1, 56)]


def test_stdin_json(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO((LINT / "list.json").read_text()))
    document = lint_json(capsys, "-")
    assert located(document, "gpu-resource-unknown") == [("typo", "-", 5, 17)]


def test_a_yaml_syntax_error_hides_only_its_own_document(capsys: pytest.CaptureFixture[str]) -> None:
    # issue 12: `lint DIR` stopped at the first YAML error (exit 3, nothing else reported).
    broken = LINT / "broken" / "broken-multi.yaml"
    result = run(capsys, "lint", str(broken), str(LINT / "nvidia-pod.yaml"), "-o", "json", "--fail-on", "never")
    assert result.code == 3, result  # nothing to fail on, but not everything was read
    document = json.loads(result.out)
    assert document["skipped"][0] == (f"{broken}:18: not valid YAML: did not find expected '-' indicator; not linted")
    names = {finding["object"]["name"] for finding in document["findings"]}
    assert names == {"fine", "gpu-pod"}  # the document before the broken one, and the next file
    assert document["counts"]["files"] == 2
    assert document["counts"]["unreadable"] == 1
    text = run(capsys, "lint", str(broken))
    assert text.code == 3  # warnings only (below --fail-on error), and one document not read
    assert "1 not read (below)" in text.out
    assert f"Skipped: {broken}:18: not valid YAML" in text.out


def test_a_json_syntax_error_is_one_entry_with_line_and_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "kind": "Pod",\n  "metadata": {"name": "x"\n}\n')
    result = run(capsys, "lint", str(bad), "-o", "json")
    assert result.code == 3, result
    assert json.loads(result.out)["skipped"] == [
        f"{bad}:5: not valid JSON (column 1): Expecting ',' delimiter; not linted"
    ]


def test_missing_path_is_a_short_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert_short_error(run(capsys, "lint", str(LINT / "nope.yaml")), "nope.yaml")


@pytest.mark.parametrize(
    ("fail_on", "path", "code"),
    [
        ("error", "cronjob.yaml", 1),  # gpu-limit-missing is an error
        ("error", "vllm-deployment.yaml", 0),  # warnings only
        ("warning", "vllm-deployment.yaml", 1),
        ("info", "vllm-deployment.yaml", 1),
        ("never", "cronjob.yaml", 0),
        ("warning", "clean", 0),
    ],
)
def test_fail_on(capsys: pytest.CaptureFixture[str], fail_on: str, path: str, code: int) -> None:
    assert run(capsys, "lint", str(LINT / path), "--fail-on", fail_on).code == code


def test_bad_fail_on_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "lint", str(LINT / "clean"), "--fail-on", "sometimes").code == 2


def test_text_output_groups_by_file_with_lines(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "lint", str(LINT / "vllm-deployment.yaml"), str(LINT / "cronjob.yaml"))
    assert result.code == 1
    out = result.out
    assert out.index("vllm-deployment.yaml\n") < out.index("cronjob.yaml\n")
    assert f"{LINT / 'vllm-deployment.yaml'}:56" in out
    assert f"{LINT / 'cronjob.yaml'}:26" in out
    assert "Deployment serving/llama-server (line 1)" in out
    assert "Summary: 1 error, 2 warnings, 0 info in 2 objects." in out


def test_yaml_output(capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    result = run(capsys, "lint", str(LINT / "cronjob.yaml"), "-o", "yaml")
    document = yaml.safe_load(result.out)
    assert document["kind"] == "LintReport"
    assert document["findings"][0]["object"]["line"] == 1


@pytest.mark.parametrize(
    ("field", "value", "problem", "line"),
    [
        ("limits", ["nvidia.com/gpu: 1"], "resources.limits is not a mapping", 14),
        ("ports", [{"containerPort": "8000"}], "ports[0].containerPort is not an integer", 12),
        ("command", "python serve.py", "command is not a list", 11),
    ],
)
def test_a_field_of_the_wrong_type_is_an_invalid_manifest_finding(
    field: str, value: object, problem: str, line: int, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """issue 11: `limits:` written as a list is a finding with its line, not a traceback."""
    container: dict[str, object] = {"name": "server", "image": "vllm/vllm-openai:v0.6.3"}
    if field == "limits":
        container["resources"] = {"requests": {"cpu": "4"}, "limits": value}
    else:
        container[field] = value
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "llm"},
        "spec": {"template": {"spec": {"containers": [container]}}},
    }
    path = tmp_path / "llm.yaml"
    path.write_text(yaml.safe_dump(deployment, sort_keys=False))
    result = run(capsys, "lint", str(path), "-o", "json")
    assert result.code == 1, result.err
    [finding] = result.report()["findings"]
    assert finding["code"] == "invalid-manifest"
    assert finding["severity"] == "error"
    assert problem in finding["summary"]
    assert finding["line"] == line, (finding, path.read_text())


def test_an_object_with_only_generate_name_is_named_by_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # kubectl create -f of a Job with generateName (the Kubernetes docs' job example, pi-): no name yet.
    job = tmp_path / "job.yaml"
    job.write_text(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: pi-\nspec:\n  template:\n    spec:\n"
        "      containers:\n      - name: pi\n        image: perl:5.34.0\n"
        '        command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]\n      restartPolicy: Never\n'
    )
    document = lint_json(capsys, str(job))
    assert document["findings"]
    assert {finding["object"]["name"] for finding in document["findings"]} == {"pi-"}
    assert "Job pi- " in run(capsys, "lint", str(job)).out
