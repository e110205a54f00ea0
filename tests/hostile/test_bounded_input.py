"""Hostile and broken input is refused at the edge, naming the file, quickly and in little memory (issue 11)."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import pytest

from kubectl_ml.sources.documents import MAX_DEPTH, MAX_MANIFEST_BYTES
from tests.conftest import FIXTURES
from tests.live.inprocess import assert_short_error, run

# The classic "billion laughs": nine levels of nine aliases, 526 bytes describing 9**9 strings.
BOMB = """apiVersion: v1
kind: Pod
metadata:
  name: bomb
  labels:
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
spec:
  containers: [{name: c, image: "busybox:1.36"}]
"""


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("command", ["lint", "gpu"])
def test_a_yaml_alias_bomb_is_refused_in_well_under_a_second(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    before = _peak_mib()
    started = time.perf_counter()
    cluster = str(FIXTURES / "gpu" / "aks-untainted")
    args = [command, str(path)] if command == "lint" else [command, "-f", str(path), "--snapshot", cluster]
    result = run(capsys, *args)
    assert time.perf_counter() - started < 1.0
    assert _peak_mib() - before < 200
    if command == "lint":  # one entry among the files linted (issue 12), the run still exit 3
        assert result.code == 3, result
        assert f"Skipped: {path}: expands to more than 5,000,000 values (through YAML aliases)" in result.out
    else:
        assert_short_error(result, str(path), "expands to more than")


def test_a_manifest_over_the_size_cap_is_refused_before_it_is_parsed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w") as handle:
        handle.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge}\ndata:\n")
        line = "  k{}: " + "x" * 1000 + "\n"
        for number in range(MAX_MANIFEST_BYTES // 1000 + 10):
            handle.write(line.format(number))
    started = time.perf_counter()
    result = run(capsys, "lint", str(path))
    assert time.perf_counter() - started < 1.0
    assert result.code == 3, result
    assert f"Skipped: {path}: is larger than the 32 MiB allowed (" in result.out
    assert "bytes); refused; not linted" in result.out


def test_deeply_nested_json_is_read_or_refused_never_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ml").mkdir()
    deep: object = {}
    for _ in range(MAX_DEPTH * 4):
        deep = {"x": deep}
    pod = {"metadata": {"name": "p", "namespace": "ml", "annotations": {"a": "b"}}, "spec": {"affinity": deep}}
    (tmp_path / "ml" / "pods.json").write_text(json.dumps({"kind": "PodList", "items": [pod]}))
    result = run(capsys, "doctor", "-n", "ml", "--snapshot", str(tmp_path), "-o", "json")
    assert result.code in (0, 1), result.err
    (tmp_path / "ml" / "pods.json").write_text("[" * 5000 + "]" * 5000)
    assert_short_error(run(capsys, "doctor", "-n", "ml", "--snapshot", str(tmp_path)), "pods.json", "nests too deep")


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"apiVersion: v1\nkind: Config\ncurrent-context: [a]\n", "current-context must be a string"),
        (b"apiVersion: v1\nkind: Config\nclusters: 5\n", "clusters must be a list"),
        (b"apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user: token\n", "users[0].user must be a mapping"),
        (b"apiVersion: v1\nkind: Config\ncurrent-context: \xff\xfe\nclusters: 5\n", "clusters must be a list"),
        (b"apiVersion: v1\nkind: Config\nclusters: [\n", "not valid YAML"),
        # Found by tests/hostile/test_fuzz_live.py: a NUL byte gave a three-line error, a number as the
        # CA data a TypeError, an exec plugin without a command a crash inside the client.
        (b"apiVersion: v1\x00\n", "unacceptable character #x0000"),
        (
            b"clusters:\n- name: c\n  cluster: {server: 'https://x', certificate-authority-data: -1}\n",
            "clusters[0].cluster.certificate-authority-data must be a string, not a number",
        ),
        (b"users:\n- name: u\n  user: {exec: {command: 5}}\n", "users[0].user.exec.command must be a non-empty"),
        (b"users:\n- name: u\n  user: {exec: {command: x, args: a}}\n", "exec.args must be a list of strings"),
        (
            b"clusters:\n- name: c\n  cluster: {server: 'https://x', insecure-skip-tls-verify: 'no'}\n",
            "insecure-skip-tls-verify must be true or false, not a string",
        ),
    ],
)
def test_a_broken_kubeconfig_is_one_clean_error(
    content: bytes, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config"
    path.write_bytes(content)
    result = run(capsys, "doctor", "-n", "ml", "--kubeconfig", str(path))
    assert_short_error(result, needle)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["rightsize", "-n", "ml-serving", "--window", "99999999999w"], "--window 99999999999w is too long"),
        (["rightsize", "-n", "ml-serving", "--min-history", "9999d"], "--min-history 9999d is too long"),
        (
            ["doctor", "-n", "ml-training", "--request-timeout", "99999999999w"],
            "--request-timeout 99999999999w is too long",
        ),
    ],
)
def test_durations_past_any_sense_are_usage_errors(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """issue 11: `--window 99999999999w` was a MemoryError (exit 4)."""
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    result = run(capsys, *args, "--kubeconfig", str(kubeconfig))
    assert result.code == 2, result
    assert needle in result.err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_full_disk_on_stdout_is_one_line_and_exit_3() -> None:
    """issue 11: writing the report to a full disk was an internal error (exit 4)."""
    import subprocess
    import sys

    plugin = Path(sys.executable).parent / "kubectl-ml"
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [str(plugin), "doctor", "-A", "--snapshot", str(FIXTURES / "demo"), "-o", "json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip() == "error: cannot write the output: No space left on device."
