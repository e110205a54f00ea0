"""Run a kubeconfig's ``exec`` credential plugin (``aws eks get-token``, ``gke-gcloud-auth-plugin``, kubelogin).

Ours, not the kubernetes client's loader, for what that loader cannot do (issue 11): it waits for the
plugin without a deadline (a plugin that hangs hangs the run, and is left orphaned), it swallows every
exception, Ctrl-C included, and goes on unauthenticated after logging ``ERROR:root:``. Here the plugin
runs in its own process group under the request deadline and is killed with it; Ctrl-C kills it and
ends the run; a plugin that fails is exit 3 with the first line of what it said on stderr.

The protocol is client-go's (client.authentication.k8s.io v1 and v1beta1): ``KUBERNETES_EXEC_INFO`` in
the environment, an ``ExecCredential`` on stdout whose ``status`` has a ``token`` or a
``clientCertificateData``/``clientKeyData`` pair. A relative command with a path separator is relative
to the kubeconfig's folder; one without is looked up on PATH.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kubectl_ml.errors import ConfigError
from kubectl_ml.sources.documents import decode_json

# How long a plugin may take when --request-timeout does not say: cloud CLIs refreshing a login can take
# several seconds; a minute is beyond any that works.
DEFAULT_PLUGIN_DEADLINE = 60.0


def _command(exec_config: Mapping[str, Any], folder: Path | None) -> list[str]:
    command = exec_config.get("command")
    if not isinstance(command, str) or not command:
        raise ConfigError("The kubeconfig's exec credential plugin has no command.", "Fix users[].user.exec.command.")
    if os.sep in command and not os.path.isabs(command) and folder is not None:
        command = str(folder / command)
    args = exec_config.get("args") or []
    if not isinstance(args, list) or not all(isinstance(item, str) for item in args):
        raise ConfigError("The kubeconfig's exec credential plugin args must be a list of strings.", None)
    return [command, *args]


def _environment(exec_config: Mapping[str, Any], cluster: Mapping[str, Any]) -> dict[str, str]:
    environment = dict(os.environ)
    for item in exec_config.get("env") or []:
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            environment[item["name"]] = str(item.get("value") or "")
    api_version = str(exec_config.get("apiVersion") or "client.authentication.k8s.io/v1")
    info: dict[str, Any] = {"apiVersion": api_version, "kind": "ExecCredential", "spec": {"interactive": False}}
    if exec_config.get("provideClusterInfo"):
        info["spec"]["cluster"] = {
            key: value
            for key, value in {
                "server": cluster.get("server"),
                "tls-server-name": cluster.get("tls-server-name"),
                "insecure-skip-tls-verify": cluster.get("insecure-skip-tls-verify"),
                "certificate-authority-data": cluster.get("certificate-authority-data"),
            }.items()
            if value
        }
    environment["KUBERNETES_EXEC_INFO"] = json.dumps(info)
    return environment


def _kill(process: subprocess.Popen[str]) -> None:
    """End the plugin and whatever it started (a cloud CLI runs helpers of its own)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()
    process.wait()


def run_exec_plugin(
    exec_config: Mapping[str, Any], cluster: Mapping[str, Any], folder: Path | None, deadline: float | None
) -> dict[str, str]:
    """The user fields the plugin's credential gives: ``token``, or ``client-certificate-data``/``-key-data``.

    Args:
        exec_config: the kubeconfig user's ``exec`` entry.
        cluster: the context's cluster entry (for ``provideClusterInfo``).
        folder: the kubeconfig's folder, for a relative command.
        deadline: seconds the plugin may take (None: DEFAULT_PLUGIN_DEADLINE).

    Raises:
        ConfigError: the plugin is missing, fails, hangs past the deadline, or prints no credential.
    """
    command = _command(exec_config, folder)
    limit = deadline or DEFAULT_PLUGIN_DEADLINE
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_environment(exec_config, cluster),
            text=True,
            start_new_session=True,
        )
    except OSError as error:
        hint = exec_config.get("installHint")
        raise ConfigError(
            f"The kubeconfig's exec credential plugin {command[0]} cannot be run: {error.strerror or error}.",
            str(hint).strip().splitlines()[0] if hint else "Install it, or fix users[].user.exec.command.",
        ) from error
    ends = time.monotonic() + limit
    try:
        while True:
            try:
                # Short waits, so that Ctrl-C (raised by the CLI's handler in this thread) is seen at once.
                stdout, stderr = process.communicate(timeout=min(0.2, max(ends - time.monotonic(), 0.01)))
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() >= ends:
                    _kill(process)
                    raise ConfigError(
                        f"The kubeconfig's exec credential plugin {command[0]} did not answer within {limit:g}s; "
                        "it was stopped.",
                        "Run it by hand to see what it waits for (a login prompt, a network call), or raise "
                        "--request-timeout.",
                    ) from None
    except BaseException:
        if process.poll() is None:
            _kill(process)
        raise
    if process.returncode != 0:
        said = next((line.strip() for line in (stderr or "").splitlines() if line.strip()), "")
        raise ConfigError(
            f"The kubeconfig's exec credential plugin {command[0]} failed (exit {process.returncode})"
            + (f": {said[:300]}" if said else "."),
            "Run it by hand (a login may have expired), then retry.",
        )
    return _credential(stdout, command[0])


def _credential(stdout: str, command: str) -> dict[str, str]:
    try:
        document = decode_json(stdout)
    except ValueError as error:
        raise ConfigError(f"The exec credential plugin {command} printed no ExecCredential JSON.", None) from error
    status = document.get("status") if isinstance(document, dict) else None
    if not isinstance(status, dict):
        raise ConfigError(f"The exec credential plugin {command} printed an ExecCredential without a status.", None)
    token = status.get("token")
    if isinstance(token, str) and token:
        return {"token": token}
    certificate, key = status.get("clientCertificateData"), status.get("clientKeyData")
    if isinstance(certificate, str) and isinstance(key, str) and certificate and key:
        return {
            "client-certificate-data": base64.b64encode(certificate.encode()).decode(),
            "client-key-data": base64.b64encode(key.encode()).decode(),
        }
    raise ConfigError(
        f"The exec credential plugin {command} gave neither a token nor a client certificate and key.", None
    )
