"""``auth-provider`` users and impersonation: what kubectl would send, or kubectl's own answer, and never a hang.

The kubernetes client's kubeconfig loader once handled these, without our deadlines (issue 11); now every
user becomes a token, a certificate or basic auth before the first request. A real server on a real
socket checks what arrives.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from kubectl_ml.sources.auth_provider import credentials_from_auth_provider
from tests.live.inprocess import assert_short_error, run
from tests.support.apiserver import ApiServer, write_kubeconfig
from tests.support.objects import pod

POD = pod()


def _jwt(claims: dict[str, Any]) -> str:
    """An unsigned-looking JWT (header.payload.signature, base64url without padding), as an IdP issues."""

    def part(document: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'kid': 'k1'})}.{part(claims)}.c2lnbmF0dXJl"


def _with_user(server: ApiServer, folder: Path, user: dict[str, Any]) -> Path:
    path = server.write_kubeconfig(folder)
    config = yaml.safe_load(path.read_text())
    config["users"][0]["user"] = user
    path.write_text(yaml.safe_dump(config))
    return path


def _oidc(token: str | None) -> dict[str, Any]:
    config = {"client-id": "kubernetes", "idp-issuer-url": "https://dex.example.com", "refresh-token": "r-1"}
    if token is not None:
        config["id-token"] = token
    return {"auth-provider": {"name": "oidc", "config": config}}


def test_a_valid_oidc_id_token_is_sent_as_the_bearer_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = _jwt({"iss": "https://dex.example.com", "sub": "dev", "exp": int(time.time()) + 3600})
    with ApiServer([POD], tls=True, token=token) as server:
        config = _with_user(server, tmp_path, _oidc(token))
        result = run(capsys, "doctor", "trainer-0", "-n", "ml", "--kubeconfig", str(config), "-o", "json")
    assert result.code == 0, result.err
    assert server.requests
    assert all(request.authorized for request in server.requests)


def test_an_expired_oidc_id_token_is_refused_before_any_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _jwt({"sub": "dev", "exp": 1_700_000_000})  # 2023-11-14 22:13:20 UTC
    with ApiServer([POD], tls=True, token=token) as server:
        config = _with_user(server, tmp_path, _oidc(token))
        result = run(capsys, "doctor", "trainer-0", "-n", "ml", "--kubeconfig", str(config))
    assert_short_error(result, "OIDC id-token of context 'fake' expired at 2023-11-14 22:13:20 UTC", "kubectl")
    assert token not in result.err
    assert not server.requests


def test_an_oidc_user_without_an_id_token_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ApiServer([POD], tls=True) as server:
        config = _with_user(server, tmp_path, _oidc(None))
        result = run(capsys, "doctor", "trainer-0", "-n", "ml", "--kubeconfig", str(config))
    assert_short_error(result, "oidc auth provider but holds no id-token")
    assert not server.requests


@pytest.mark.parametrize(
    ("name", "needles"),
    [
        ("gcp", ("The gcp auth plugin has been removed", "gke-gcloud-auth-plugin")),
        ("azure", ("The azure auth plugin has been removed", "kubelogin convert-kubeconfig")),
        ("openstack", ("The openstack auth plugin has been removed", "client-keystone-auth")),
        ("keycloak", ('no Auth Provider found for name "keycloak"',)),
    ],
)
def test_removed_and_unknown_auth_providers_get_kubectls_answer(
    name: str, needles: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A GKE kubeconfig from before 1.26 (gcloud wrote `auth-provider: {name: gcp, config: {cmd-path: gcloud}}`).
    provider = {"name": name, "config": {"cmd-path": "/usr/lib/google-cloud-sdk/bin/gcloud", "expiry-key": "{.x}"}}
    with ApiServer([POD], tls=True) as server:
        config = _with_user(server, tmp_path, {"auth-provider": provider})
        started = time.monotonic()
        result = run(capsys, "doctor", "trainer-0", "-n", "ml", "--kubeconfig", str(config))
    assert time.monotonic() - started < 2
    assert_short_error(result, *needles)
    assert not server.requests


def test_expiry_is_judged_with_client_gos_margin() -> None:
    token = _jwt({"exp": 1_000})
    assert credentials_from_auth_provider(_oidc(token)["auth-provider"], "c", now=989.0) == {"token": token}
    with pytest.raises(Exception, match="expired"):
        credentials_from_auth_provider(_oidc(token)["auth-provider"], "c", now=991.0)
    opaque = "not-a-jwt"  # no exp to judge: the API server decides
    assert credentials_from_auth_provider(_oidc(opaque)["auth-provider"], "c", now=1e12) == {"token": opaque}


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[list[tuple[str, str]]]] = []

    def do_GET(self) -> None:
        self.seen.append([(key, value) for key, value in self.headers.items() if key.startswith("Impersonate-")])
        body = json.dumps(POD).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[type[_Recorder], str]]:
    handler = type("Handler", (_Recorder,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_impersonation_sends_one_header_line_per_group_as_kubectl_does(
    recorder: tuple[type[_Recorder], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The API server reads each Impersonate-Group line as one group; "a,b" would be one group named "a,b".
    handler, url = recorder
    config = write_kubeconfig(tmp_path, url)
    document = yaml.safe_load(config.read_text())
    document["users"][0]["user"] = {
        "as": "jane@example.com",
        "as-groups": ["ml-team", "oncall"],
        "as-user-extra": {"reason": ["incident 42"]},
    }
    config.write_text(yaml.safe_dump(document))
    result = run(capsys, "doctor", "trainer-0", "-n", "ml", "--kubeconfig", str(config), "-o", "json")
    assert result.code == 0, result.err
    assert handler.seen
    assert handler.seen[0] == [
        ("Impersonate-User", "jane@example.com"),
        ("Impersonate-Group", "ml-team"),
        ("Impersonate-Group", "oncall"),
        ("Impersonate-Extra-reason", "incident 42"),
    ]
