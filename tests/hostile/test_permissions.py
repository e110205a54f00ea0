"""Paths the plugin may not read or write: one clean line naming the path and the reason, or a partial answer.

Each case denies one path (mode 000, or a folder without write permission) and runs the real CLI in a
subprocess. As root (CI runs as root) permission bits bind only without CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH, so the subprocess runs under util-linux's ``setpriv`` with both dropped from its
bounding set; as any other user the bits bind anyway.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES
from tests.support.apiserver import ApiServer
from tests.support.fixtures import CLUSTER

_DROP = "--bounding-set=-dac_override,-dac_read_search"


@pytest.fixture(scope="module")
def unprivileged(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The command prefix under which permission bits bind (empty when not root)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("running as root without util-linux's setpriv: permissions cannot be denied to the plugin")
    probe = tmp_path_factory.mktemp("probe") / "secret"
    probe.write_text("x")
    probe.chmod(0)
    denied = subprocess.run([setpriv, _DROP, "--", "cat", str(probe)], capture_output=True, check=False)
    assert denied.returncode != 0, "setpriv did not take CAP_DAC_OVERRIDE away: the cases below could not fail"
    return [setpriv, _DROP, "--"]


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(unprivileged: list[str], tmp_path: Path) -> Callable[..., Ran]:
    def run(*args: str, environment: dict[str, str] | None = None) -> Ran:
        command = [*unprivileged, sys.executable, "-m", "kubectl_ml", *args]
        env = {key: value for key, value in os.environ.items() if key != "KUBECONFIG"}
        env.update({"HOME": str(tmp_path), **(environment or {})})
        done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False)
        return Ran(done.returncode, done.stdout, done.stderr)

    return run


def _short_error(result: Ran, *needles: str, code: int = 3) -> None:
    assert result.code == code, result
    lines = result.err.strip().splitlines()
    assert 1 <= len(lines) <= 2, result.err
    assert lines[0].startswith("error: "), result.err
    assert "Traceback" not in result.err
    for needle in needles:
        assert needle in result.err, result.err


def _deny(path: Path) -> Path:
    path.chmod(0)
    return path


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    target = tmp_path / "snapshot"
    shutil.copytree(FIXTURES / "demo", target)
    return target


@pytest.fixture
def server() -> Iterator[ApiServer]:
    with ApiServer.from_snapshot(CLUSTER, tls=True) as served:
        yield served


# -- snapshots -------------------------------------------------------------------------------------


def test_a_snapshot_folder_that_cannot_be_read_is_exit_3(snapshot: Path, cli: Callable[..., Ran]) -> None:
    _deny(snapshot)
    _short_error(cli("doctor", "-A", "--snapshot", str(snapshot)), f"Snapshot folder {snapshot} cannot be read")


def test_a_snapshot_inside_a_folder_that_cannot_be_entered_is_exit_3(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    outer = tmp_path / "outer"
    shutil.copytree(FIXTURES / "demo", outer / "inner")
    _deny(outer)
    _short_error(cli("gpu", "--snapshot", str(outer / "inner")), "cannot be read: Permission denied", "ls -ld")


@pytest.mark.parametrize(
    ("denied", "note"),
    [
        ("ml-serving/pods.json", "ml-serving/pods.json cannot be read (Permission denied); what it holds"),
        ("kube-system", "folder kube-system cannot be read (Permission denied); what it holds"),
        ("ml-serving/reranker-fdqnbfmb7h-28rt7/reranker-previous.txt", "reranker-previous.txt cannot be read"),
    ],
)
def test_a_file_or_folder_of_a_snapshot_that_cannot_be_read_gives_a_partial_answer(
    denied: str, note: str, snapshot: Path, cli: Callable[..., Ran]
) -> None:
    # As RBAC hiding a namespace: the rest is judged, and what was not read is named (never a false green).
    _deny(snapshot / denied)
    result = cli("doctor", "-A", "--snapshot", str(snapshot), "-o", "json")
    assert result.code in (0, 1), result.err
    report = json.loads(result.out)
    assert any(note in line for line in report["skipped"]), report["skipped"]
    assert report["findings"]
    text = cli("doctor", "-A", "--snapshot", str(snapshot))
    assert note in text.out
    assert "No problems found" not in text.out


# -- manifests -------------------------------------------------------------------------------------


def test_a_manifest_that_cannot_be_read_is_one_entry_and_the_rest_is_linted(
    tmp_path: Path, cli: Callable[..., Ran]
) -> None:
    manifest = tmp_path / "job.yaml"
    shutil.copy(FIXTURES / "lint" / "cronjob.yaml", manifest)
    _deny(manifest)
    result = cli("lint", str(manifest), str(FIXTURES / "lint" / "nvidia-pod.yaml"), "-o", "json", "--fail-on", "never")
    assert result.code == 3, result
    report = json.loads(result.out)
    assert report["skipped"] == [f"{manifest}: cannot be read (Permission denied); not linted"]
    assert {finding["object"]["name"] for finding in report["findings"]} == {"gpu-pod"}
    # gpu -f reads one workload: unreadable, it is the error.
    _short_error(cli("gpu", "-f", str(manifest), "--snapshot", str(FIXTURES / "demo")), "Permission denied")


def test_a_folder_of_manifests_with_a_folder_that_cannot_be_listed_is_not_half_linted(
    tmp_path: Path, cli: Callable[..., Ran]
) -> None:
    # Path.rglob passes over such a folder without a word: the rest would have looked like everything.
    (tmp_path / "manifests" / "team-b").mkdir(parents=True)
    shutil.copy(FIXTURES / "lint" / "cronjob.yaml", tmp_path / "manifests" / "a.yaml")
    shutil.copy(FIXTURES / "lint" / "cronjob.yaml", tmp_path / "manifests" / "team-b" / "b.yaml")
    _deny(tmp_path / "manifests" / "team-b")
    result = cli("lint", "manifests", "-o", "json", "--fail-on", "never")
    assert result.code == 3, result
    report = json.loads(result.out)
    assert report["skipped"] == ["manifests/team-b/: folder cannot be listed (Permission denied); not linted"]
    assert report["counts"]["files"] == 1
    assert report["findings"]
    inside = cli("lint", "manifests/team-b/b.yaml", "-o", "json")
    assert inside.code == 3, inside
    assert json.loads(inside.out)["skipped"] == [
        "manifests/team-b/b.yaml: cannot be read (Permission denied); not linted"
    ]


# -- kubeconfig and the files it names -------------------------------------------------------------


def _kubeconfig(server: ApiServer, tmp_path: Path, change: Callable[[dict[str, object]], None]) -> Path:
    path = server.write_kubeconfig(tmp_path / "kube")
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_kubeconfig_that_cannot_be_read_is_exit_3(server: ApiServer, tmp_path: Path, cli: Callable[..., Ran]) -> None:
    config = _deny(server.write_kubeconfig(tmp_path / "kube"))
    _short_error(cli("doctor", "-A", "--kubeconfig", str(config)), f"kubeconfig {config} cannot be read")
    # One unreadable file of KUBECONFIG stops the run as it stops kubectl: its contexts are unknown.
    good = server.write_kubeconfig(tmp_path / "good")
    merged = cli("doctor", "-A", environment={"KUBECONFIG": f"{good}:{config}"})
    _short_error(merged, f"kubeconfig {config} cannot be read: Permission denied")


@pytest.mark.parametrize("key", ["certificate-authority", "client-certificate", "tokenFile"])
def test_a_file_the_kubeconfig_names_that_cannot_be_read_is_named(
    key: str, server: ApiServer, tmp_path: Path, cli: Callable[..., Ran]
) -> None:
    # The CA file read "Cannot reach the API server: [Errno 13] Permission denied": a network error.
    authority = server.certificate_authority
    assert authority is not None
    denied = tmp_path / f"{key}.pem"
    denied.write_bytes(authority if key != "tokenFile" else b"kubectl-ml-test-token")

    def change(document: dict[str, object]) -> None:
        cluster = document["clusters"][0]["cluster"]  # type: ignore[index]
        user = document["users"][0]["user"]  # type: ignore[index]
        if key == "certificate-authority":
            cluster.pop("certificate-authority-data")
            cluster[key] = str(denied)
        elif key == "client-certificate":
            user.update({"client-certificate": str(denied), "client-key": str(denied)})
        else:
            user.pop("token")
            user["tokenFile"] = str(denied)

    config = _kubeconfig(server, tmp_path, change)
    _deny(denied)
    result = cli("doctor", "trainer-0", "--kubeconfig", str(config))
    _short_error(result, key, f"{denied} cannot be read: Permission denied")
    assert "Cannot reach" not in result.err
    assert not server.requests


def test_an_exec_plugin_that_may_not_be_run_is_exit_3(
    server: ApiServer, tmp_path: Path, cli: Callable[..., Ran]
) -> None:
    plugin = tmp_path / "get-token"
    token = json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "status": {"token": "x"}})
    plugin.write_text(f"#!/bin/sh\necho '{token}'\n")
    plugin.chmod(0o644)  # not executable

    def change(document: dict[str, object]) -> None:
        user = document["users"][0]["user"]  # type: ignore[index]
        user.pop("token")
        user["exec"] = {"apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin)}

    config = _kubeconfig(server, tmp_path, change)
    _short_error(cli("doctor", "trainer-0", "--kubeconfig", str(config)), "cannot be run: Permission denied")
    assert not server.requests


# -- writing ---------------------------------------------------------------------------------------


def test_a_snapshot_into_a_folder_we_may_not_write_is_exit_3_and_leaves_nothing(
    server: ApiServer, tmp_path: Path, cli: Callable[..., Ran]
) -> None:
    config = server.write_kubeconfig(tmp_path / "kube")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    _short_error(cli("snapshot", str(locked / "incident"), "--kubeconfig", str(config)), "Permission denied")
    assert list(locked.iterdir()) == []


def test_new_into_a_folder_we_may_not_write_is_a_clean_error(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    result = cli(
        "new", "job", "bert", "--image", "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime", "-f", "locked/job.yaml"
    )
    _short_error(result, "cannot write locked/job.yaml: Permission denied", code=2)


def test_a_prometheus_token_file_that_cannot_be_read_is_named(tmp_path: Path, cli: Callable[..., Ran]) -> None:
    token = tmp_path / "prometheus-token"
    token.write_text("secret-token")
    _deny(token)
    result = cli(
        "rightsize", "-A", "--snapshot", str(FIXTURES / "demo"),
        "--prometheus", "http://127.0.0.1:9", "--prometheus-token-file", str(token),
    )  # fmt: skip
    _short_error(result, "Prometheus token file", "Permission denied", code=2)
    assert "secret-token" not in result.err


def test_the_demo_snapshot_is_readable_as_shipped() -> None:
    # The cases above copy it; a mode in the repository that hid a file would make them vacuous.
    for path in (FIXTURES / "demo").rglob("*"):
        assert path.stat().st_mode & 0o444 == 0o444, path
