"""Secrets never leave the cluster through us: doctor output and snapshot files are redacted (issue 11)."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from kubectl_ml.model.redaction import MARK, Redactor, redact_object
from kubectl_ml.sources.snapshot_writer import write_snapshot
from tests.live.inprocess import run
from tests.support.apiserver import ApiServer

# Throw-away credentials in the providers' documented shapes (AWS's documentation example key).
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
HF = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


@pytest.mark.parametrize(
    ("line", "hidden", "kept"),
    [
        (f"Authorization: Bearer {JWT}", JWT, "Authorization: Bearer"),
        (f"export AWS_SECRET_ACCESS_KEY={AWS_SECRET}", AWS_SECRET, "AWS_SECRET_ACCESS_KEY="),
        (f"HF_TOKEN={HF}", HF, "HF_TOKEN="),
        (f"loading with token {HF}", HF, "loading with token"),
        ("--hf-token abcdef123 --port 8000", "abcdef123", "--port 8000"),
        ('{"password": "p@ss", "user": "ml"}', "p@ss", '"user": "ml"'),
        ("git clone https://ml:s3cr3t@github.com/org/repo", "s3cr3t", "https://ml:"),
        ("AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE", "used"),
    ],
)
def test_secret_values_are_hidden_and_their_names_kept(line: str, hidden: str, kept: str) -> None:
    redactor = Redactor()
    redacted = redactor.text(line)
    assert hidden not in redacted
    assert kept in redacted
    assert MARK in redacted
    assert redactor.count >= 1


@pytest.mark.parametrize(
    "line",
    [
        "max_total_tokens: 2048, max_batch_prefill_tokens: 4096",
        "--tokenizer gpt2 --max-model-len 8192",
        "the token expired",
        "ghcr.io/acme/server@sha256:55c1324f20a1a39fd10e23293766247ce58c9b49fb2796c8c41284db696989af",
        'secret "hf-token" not found',
        "couldn't find key HF_TOKEN in Secret ml-serving/hf",
        "DB_PASSWORD: ${DB_PASSWORD}",
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB",
    ],
)
def test_what_only_looks_near_a_secret_is_left_alone(line: str) -> None:
    redactor = Redactor()
    assert redactor.text(line) == line
    assert redactor.count == 0


def test_a_manifest_copy_in_last_applied_configuration_is_redacted_too() -> None:
    manifest = {"spec": {"containers": [{"name": "c", "env": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "x/y"}]}]}}
    pod = {
        "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(manifest)}},
        "spec": {
            "containers": [{"name": "c", "args": ["--api-key", "k-123"], "env": [{"name": "MODEL", "value": "m"}]}]
        },
    }
    redactor = Redactor()
    out = redact_object(pod, redactor)
    annotation = json.loads(out["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert annotation["spec"]["containers"][0]["env"][0]["value"] == MARK
    assert out["spec"]["containers"][0]["args"] == ["--api-key", MARK]
    assert out["spec"]["containers"][0]["env"] == [{"name": "MODEL", "value": "m"}]
    assert redactor.count == 2


def _crashed_pod() -> dict[str, Any]:
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"name": "trainer-0", "namespace": "ml", "uid": "u-1"},
        "spec": {
            "containers": [
                {
                    "name": "trainer",
                    "image": "ghcr.io/acme/trainer:1.0",
                    "args": [f"--hf-token={HF}"],
                    "env": [{"name": "AWS_SECRET_ACCESS_KEY", "value": AWS_SECRET}],
                }
            ],
            "nodeName": "node-1",
        },
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "trainer",
                    "restartCount": 3,
                    "ready": False,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}},
                    "lastState": {
                        "terminated": {
                            "exitCode": 1,
                            "reason": "Error",
                            "containerID": "containerd://4f1c0a9d2b7e8c3a6d5f0e1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d",
                        }
                    },
                }
            ],
        },
    }


LOG = f"connecting with Authorization: Bearer {JWT}\nRuntimeError: login failed for token={HF}\n"


def test_doctor_output_is_redacted_by_default_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logs = {("ml", "trainer-0", "trainer", True): LOG}
    with ApiServer([_crashed_pod()], logs, tls=True) as server:
        config = str(server.write_kubeconfig(tmp_path))
        text = run(capsys, "doctor", "trainer-0", "-n", "ml", "--kubeconfig", config)
        document = run(capsys, "doctor", "trainer-0", "-n", "ml", "--kubeconfig", config, "-o", "json")
        plain = run(capsys, "doctor", "trainer-0", "-n", "ml", "--kubeconfig", config, "-o", "json", "--no-redact")
    for result in (text, document):
        assert result.code == 1, result.err
        assert JWT not in result.out
        assert HF not in result.out
        assert MARK in result.out
    assert any(
        line.startswith("redacted ") and "secret-looking values" in line for line in document.report()["skipped"]
    )
    assert HF in plain.out
    assert not any(line.startswith("redacted") for line in plain.report()["skipped"])


def test_snapshot_files_are_redacted_private_and_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logs = {("ml", "trainer-0", "trainer", True): LOG, ("ml", "trainer-0", "trainer", False): LOG}
    folder = tmp_path / "saved"
    with ApiServer([_crashed_pod()], logs, tls=True) as server:
        result = run(
            capsys, "snapshot", str(folder), "-n", "ml", "--kubeconfig", str(server.write_kubeconfig(tmp_path))
        )
    assert result.code == 0, result.err
    files = [path for path in folder.rglob("*") if path.is_file()]
    written = "".join(path.read_text() for path in files)
    for secret in (JWT, HF, AWS_SECRET):
        assert secret not in written
    assert "AWS_SECRET_ACCESS_KEY" in written  # the name stays: the user sees where the value was
    assert "redacted" in result.err
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files)
    folders = [folder, *(path for path in folder.rglob("*") if path.is_dir())]
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o700 for path in folders)


def test_an_interrupted_snapshot_leaves_no_half_folder(tmp_path: Path) -> None:
    class Interrupting:
        calls = 0

        def list(self, kind: str, namespace: str | None, **_: Any) -> list[dict[str, Any]]:
            self.calls += 1
            if self.calls > 2:
                raise KeyboardInterrupt
            return []

        def serves(self, kind: str) -> bool:
            return False

    folder = tmp_path / "saved"
    with pytest.raises(KeyboardInterrupt):
        write_snapshot(Interrupting(), folder, ["ml"], with_logs=False)  # type: ignore[arg-type]
    assert not folder.exists()
    assert list(tmp_path.iterdir()) == []
