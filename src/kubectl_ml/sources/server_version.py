"""The API server's version over plain HTTPS, without importing the kubernetes client.

``version`` must answer in well under 150 ms of our own time, and ``import kubernetes`` alone costs about
a quarter of a second, so this reads the kubeconfig itself and supports token and client-certificate
users; others (exec plugins) get "not reachable" rather than a slow import.
"""

from __future__ import annotations

import base64
import binascii
import ssl
import tempfile
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from kubectl_ml.errors import KubectlMlError
from kubectl_ml.sources.documents import decode_json
from kubectl_ml.sources.kubeconfig import cluster_and_user, load_merged, resolve_context


def _file_or_data(entry: Mapping[str, object], key: str, folder: Path) -> str | None:
    if isinstance(entry.get(key), str):
        return str(entry[key])
    data = entry.get(f"{key}-data")
    if isinstance(data, str):
        path = folder / key
        path.write_bytes(base64.b64decode(data))
        return str(path)
    return None


def fetch_server_version(kubeconfig: str | None, context: str | None, environ: Mapping[str, str]) -> str | None:
    """``gitVersion`` of the server, or None when it cannot be asked quickly."""
    try:
        config = load_merged(kubeconfig, environ)
        entry = resolve_context(config, context)
    except KubectlMlError:
        return None
    cluster, user = cluster_and_user(config, entry)
    server = str(cluster.get("server") or "")
    if not server:
        return None
    # A CA or key that cannot be read is one more way of "not reachable": version never fails for it.
    with tempfile.TemporaryDirectory() as folder:
        try:
            tls = ssl.create_default_context(cafile=_file_or_data(cluster, "certificate-authority", Path(folder)))
            if cluster.get("insecure-skip-tls-verify"):
                tls.check_hostname = False
                tls.verify_mode = ssl.CERT_NONE
            cert = _file_or_data(user, "client-certificate", Path(folder))
            key = _file_or_data(user, "client-key", Path(folder))
            if cert and key:
                tls.load_cert_chain(cert, key)
            request = urllib.request.Request(server.rstrip("/") + "/version", headers={"Accept": "application/json"})
            token = user.get("token") or (
                Path(user["tokenFile"]).read_text(encoding="utf-8").strip() if user.get("tokenFile") else ""
            )
            if token and server.startswith("https://"):  # as kubectl: credentials only over TLS
                request.add_header("Authorization", f"Bearer {token}")
            with urllib.request.urlopen(request, timeout=2, context=tls) as response:
                document = decode_json(response.read())
            return str(document.get("gitVersion") or "unknown") if isinstance(document, dict) else "unknown"
        except (OSError, ValueError, ssl.SSLError, binascii.Error):
            return None
