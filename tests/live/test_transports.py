"""Both ways into the cluster: the direct transport (tokens, certificates, exec plugins) and the client's loader.

The direct transport imports the official client's ``Configuration`` and REST client without the package's
``__init__`` (docs/performance.md); an ``exec`` credential plugin is run by ``sources.exec_credential``
and its token served by the direct transport; other auth providers go through the client's own loader.
Every way must reach the same server with the same token and produce the same report.
"""

from __future__ import annotations

import base64
import stat
import sys
from pathlib import Path

import pytest
import yaml

from kubectl_ml.sources import live
from tests.live.inprocess import run
from tests.support.apiserver import DEFAULT_TOKEN, ApiServer


def _exec_kubeconfig(apiserver: ApiServer, tmp_path: Path) -> Path:
    """The server's kubeconfig with its token user replaced by an exec plugin that prints the token."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    plugin = tmp_path / "fake-auth-plugin"
    credential = (
        '{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", '
        f'"status": {{"token": "{DEFAULT_TOKEN}"}}}}'
    )
    plugin.write_text(f"#!{sys.executable}\nprint({credential!r})\n")
    plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR)
    path = apiserver.write_kubeconfig(tmp_path / "kube")
    document = yaml.safe_load(path.read_text())
    document["users"][0]["user"] = {
        "exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin), "interactiveMode": "Never"}
    }
    path.write_text(yaml.safe_dump(document))
    return path


def test_token_users_take_the_direct_transport(apiserver: ApiServer, tmp_path: Path) -> None:
    path = apiserver.write_kubeconfig(tmp_path / "kube")
    source = live.LiveSource(kubeconfig=str(path), context=None, request_timeout=None, environ={})
    assert isinstance(source._transport, live._DirectTransport)
    assert source.get("Pod", "ml-training", "trainer-0")["metadata"]["name"] == "trainer-0"


def test_exec_plugin_users_get_their_credential_from_our_runner_and_the_same_report(
    capsys: pytest.CaptureFixture[str], apiserver: ApiServer, tmp_path: Path
) -> None:
    direct = run(
        capsys,
        "doctor",
        "-n",
        "ml-training",
        "--kubeconfig",
        str(apiserver.write_kubeconfig(tmp_path / "a")),
        "-o",
        "json",
    )
    config = _exec_kubeconfig(apiserver, tmp_path / "b")
    source = live.LiveSource(kubeconfig=str(config), context=None, request_timeout=None, environ={})
    assert isinstance(source._transport, live._DirectTransport)  # the plugin's token, run under our deadline
    through_exec = run(capsys, "doctor", "-n", "ml-training", "--kubeconfig", str(config), "-o", "json")
    assert through_exec.code == direct.code, through_exec.err
    assert through_exec.report()["findings"] == direct.report()["findings"]


def test_client_certificate_data_is_written_to_private_files(apiserver: ApiServer, tmp_path: Path) -> None:
    path = apiserver.write_kubeconfig(tmp_path / "kube")
    document = yaml.safe_load(path.read_text())
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    encoded = base64.b64encode(pem.encode()).decode()
    document["users"][0]["user"] = {
        "client-certificate-data": encoded,
        "client-key-data": encoded,
        "token": DEFAULT_TOKEN,
    }
    user = document["users"][0]["user"]
    written = live._file_or_data(user, "client-certificate")
    assert written is not None
    assert Path(written).read_text() == pem
    assert stat.S_IMODE(Path(written).stat().st_mode) == 0o600
