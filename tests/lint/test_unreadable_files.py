"""One bad file never hides the rest (issue 12, item 1): each is one entry in ``skipped``, the rest is linted.

Exit code: 1 when findings reach ``--fail-on``, else 3 when a file (or a document of one) was not read,
else 0. ``lint`` and ``gpu -f`` read manifests with one loader (``sources.manifests.read_manifest_set``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kubectl_ml.sources.manifests import load_manifests, read_manifest_set
from tests.conftest import FIXTURES
from tests.live.inprocess import run

LINT = FIXTURES / "lint"

# The first lines of templates/deployment.yaml as `helm create mychart` (Helm 3) writes it.
HELM_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "mychart.fullname" . }}
  labels:
    {{- include "mychart.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "mychart.selectorLabels" . | nindent 6 }}
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
"""

# Argo Workflows' hello-world with a parameter (examples/arguments-parameters.yaml): braces, not Helm.
ARGO_WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: arguments-parameters-
spec:
  entrypoint: print-message
  arguments:
    parameters:
    - name: message
      value: hello world
  templates:
  - name: print-message
    inputs:
      parameters:
      - name: message
    container:
      image: busybox
      command: [echo]
      args: ["{{inputs.parameters.message}}"]
"""


def _lint(capsys: pytest.CaptureFixture[str], *paths: str) -> tuple[int, dict]:
    result = run(capsys, "lint", *paths, "-o", "json", "--fail-on", "never")
    return result.code, json.loads(result.out)


def test_a_helm_chart_is_named_with_the_command_that_renders_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    chart = tmp_path / "mychart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: mychart\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("replicaCount: 1\nimage:\n  repository: nginx\n  tag: ''\n")
    (chart / "templates" / "deployment.yaml").write_text(HELM_DEPLOYMENT)
    shutil.copy(LINT / "nvidia-pod.yaml", tmp_path / "pod.yaml")
    code, report = _lint(capsys, str(tmp_path))
    assert code == 3
    template = chart / "templates" / "deployment.yaml"
    assert report["skipped"] == [
        f"{template}: a Helm template ({{{{ }}}} placeholders), not a manifest yet; not linted "
        f"(helm template {chart.resolve()} | kubectl ml lint -)"
    ]
    assert {finding["object"]["name"] for finding in report["findings"]} == {"gpu-pod"}
    assert report["counts"]["files"] == 4  # Chart.yaml and values.yaml hold no object: read, nothing found


def test_a_helm_template_outside_a_chart_is_named_too(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    loose = tmp_path / "deployment.yaml"
    loose.write_text(HELM_DEPLOYMENT)
    code, report = _lint(capsys, str(loose))
    assert code == 3
    assert report["skipped"][0].endswith("(helm template CHART | kubectl ml lint -)")


def test_braces_of_other_tools_are_not_helm(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    workflow = tmp_path / "workflow.yaml"
    workflow.write_text(ARGO_WORKFLOW)
    _code, report = _lint(capsys, str(workflow))
    assert not any("Helm" in line for line in report["skipped"]), report["skipped"]
    assert report["counts"]["unreadable"] == 0
    assert report["counts"]["objects"] == 1


def test_an_alias_bomb_in_one_file_leaves_the_others_linted(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    bomb.write_text("\n".join(levels) + "\n")
    shutil.copy(LINT / "nvidia-pod.yaml", tmp_path / "pod.yaml")
    code, report = _lint(capsys, str(tmp_path))
    assert code == 3
    assert report["skipped"] == [
        f"{bomb}: expands to more than 5,000,000 values (through YAML aliases); refused; not linted"
    ]
    assert report["findings"]


def test_json_with_tabs_in_a_yaml_file_is_read_alike_by_lint_and_gpu(tmp_path: Path) -> None:
    # YAML forbids tabs for indentation; JSON allows them. A .yaml file that is tab-indented JSON (as
    # `jq --tab` writes it) is read as JSON by both commands.
    document = json.loads((LINT / "list.json").read_text())
    tabbed = tmp_path / "list.yaml"
    tabbed.write_text(json.dumps(document, indent="\t"))
    found = read_manifest_set([str(tabbed)])
    assert found.unreadable == []
    assert [item.object["metadata"]["name"] for item in found.objects] == [
        item["metadata"]["name"] for item in load_manifests([str(tabbed)])
    ]
    assert found.objects


def test_a_tab_in_yaml_is_the_parsers_words_and_gpu_f_stops_on_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    tabbed = tmp_path / "pod.yaml"
    tabbed.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n")
    code, report = _lint(capsys, str(tabbed))
    assert code == 3
    (note,) = report["skipped"]
    # libyaml's words ("found character that cannot start any token") name no character: we do.
    assert note.startswith(f"{tabbed}:4: not valid YAML: found character")
    assert note.endswith("(a tab: YAML indents with spaces, never tabs); not linted")
    gpu = run(capsys, "gpu", "-f", str(tabbed), "--snapshot", str(FIXTURES / "demo"))
    assert gpu.code == 3
    assert "pod.yaml is not valid YAML (line 4): found character" in gpu.err
    assert "(a tab: YAML indents with spaces, never tabs)" in gpu.err


def test_findings_at_fail_on_win_over_an_unread_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("kind: [\n")
    shutil.copy(LINT / "cronjob.yaml", tmp_path / "cronjob.yaml")  # gpu-limit-missing: an error
    assert run(capsys, "lint", str(tmp_path)).code == 1
    assert run(capsys, "lint", str(tmp_path), "--fail-on", "never").code == 3
    assert run(capsys, "lint", str(tmp_path / "cronjob.yaml"), "--fail-on", "never").code == 0
