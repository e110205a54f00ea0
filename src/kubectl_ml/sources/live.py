"""The live cluster, through the official kubernetes client, read as raw JSON.

Why raw JSON: typed ``V1*`` models cost about 10x more on big lists (style-anchors §5.3), so responses
are read unparsed (the client's ``param_serialize`` + ``call_api``) and decoded with ``json.loads``.
Lists are paged with ``limit``/``continue``. Every request is a GET; the plugin never writes.
The client is imported here and nowhere else, and only when a live source is created, so ``--help``
stays fast.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from kubectl_ml.errors import ApiError, ConfigError, ForbiddenError, NotFoundError, UnreachableError
from kubectl_ml.sources.kinds import KINDS
from kubectl_ml.sources.kubeconfig import load_merged, resolve_context

PAGE_SIZE = 500
# Without --request-timeout, kubectl waits for answers as long as they take but gives up connecting after
# client-go's dial timeout; without one, a blackholed API server would hang for the OS's ~2 minutes.
CONNECT_TIMEOUT = 30.0
_MAX_THROTTLE_RETRIES = 2


class LiveSource:
    """Reads a cluster through the kubernetes client.

    Attributes:
        requests: every (method, path) sent, in order, for tests, ``--debug`` and the benchmark.
    """

    def __init__(
        self,
        *,
        kubeconfig: str | None,
        context: str | None,
        request_timeout: float | None,
        environ: Mapping[str, str],
    ) -> None:
        config = load_merged(kubeconfig, environ)
        context_entry = resolve_context(config, context)
        self._context_name = str(context_entry.get("name"))
        self._namespace = str((context_entry.get("context") or {}).get("namespace") or "default")
        self._timeout: float | tuple[float, float | None] = (
            request_timeout if request_timeout else (CONNECT_TIMEOUT, None)
        )
        self.requests: list[tuple[str, str]] = []
        from kubernetes import client
        from kubernetes.config.config_exception import ConfigException
        from kubernetes.config.kube_config import load_kube_config_from_dict

        configuration = client.Configuration()
        try:
            load_kube_config_from_dict(
                config, context=self._context_name, client_configuration=configuration, persist_config=False
            )  # type: ignore[no-untyped-call]
        except (ConfigException, ValueError, OSError) as error:
            raise ConfigError(
                f"kubeconfig context {self._context_name!r} cannot be used: {error}",
                "Check the cluster, user and certificate entries of that context.",
            ) from error
        # One quick attempt: an unreachable API server must fail in seconds, not after urllib3's retries.
        configuration.retries = 0
        self._server = str(configuration.host)
        if self._server.startswith("http://"):
            # kubectl sends credentials only over TLS (client-go clientcmd; kubernetes/kubectl#744): a
            # token must not cross the network in clear text. A plain-HTTP server (kubectl proxy) needs none.
            configuration.api_key = {}
            configuration.refresh_api_key_hook = None
        self._api = client.ApiClient(configuration)

    # -- the Source protocol -------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """The ``source`` member of a report."""
        return {"type": "live", "context": self._context_name}

    def default_namespace(self) -> str:
        """The context's namespace, or ``default``."""
        return self._namespace

    def now(self) -> datetime:
        """The clock."""
        return datetime.now(timezone.utc)

    def get(self, kind: str, namespace: str | None, name: str) -> dict[str, Any]:
        """GET one object."""
        spec = KINDS[kind]
        path = f"{spec.collection_path(namespace)}/{quote(name)}"
        item = self._get_json(path, {})
        item.setdefault("kind", spec.kind)
        item.setdefault("apiVersion", spec.api_version)
        return item

    def list(
        self,
        kind: str,
        namespace: str | None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        """LIST a kind, following ``continue`` tokens, with kind/apiVersion stamped on the items."""
        spec = KINDS[kind]
        path = spec.collection_path(namespace)
        query: dict[str, str] = {"limit": str(PAGE_SIZE)}
        if label_selector:
            query["labelSelector"] = label_selector
        if field_selector:
            query["fieldSelector"] = field_selector
        items: list[dict[str, Any]] = []
        while True:
            page = self._get_json(path, query)
            for item in page.get("items") or []:
                item["kind"] = spec.kind
                item["apiVersion"] = spec.api_version
                items.append(item)
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return items
            query["continue"] = token

    def logs(self, namespace: str, pod: str, container: str, *, previous: bool, tail_lines: int) -> str | None:
        """The tail of a container's log; None when the runtime kept none (400/404)."""
        path = f"/api/v1/namespaces/{namespace}/pods/{quote(pod)}/log"
        query = {"container": container, "tailLines": str(tail_lines)}
        if previous:
            query["previous"] = "true"
        try:
            return self._get(path, query).decode("utf-8", errors="replace")
        except NotFoundError:
            return None
        except ApiError as error:
            if error.status == 400:  # "previous terminated container ... not found"
                return None
            raise

    def server_version(self) -> dict[str, Any]:
        """``/version`` of the API server."""
        return self._get_json("/version", {})

    # -- HTTP ----------------------------------------------------------------------------------

    def _get_json(self, path: str, query: Mapping[str, str]) -> dict[str, Any]:
        body = self._get(path, query)
        try:
            document = json.loads(body)
        except ValueError as error:
            raise ApiError(f"The API server sent a response that is not JSON for GET {path}.", None) from error
        if not isinstance(document, dict):
            raise ApiError(f"Unexpected response for GET {path}.", None)
        return document

    def _get(self, path: str, query: Mapping[str, str]) -> bytes:
        import urllib3

        attempt = 0
        while True:
            self.requests.append(("GET", path))
            method, url, headers, _body, _post = self._api.param_serialize(
                method="GET",
                resource_path=path,
                query_params=list(query.items()),
                header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"],
            )
            try:
                response = self._api.call_api(method, url, header_params=headers, _request_timeout=self._timeout)
                data: bytes = response.read()  # type: ignore[no-untyped-call]
            except urllib3.exceptions.HTTPError as error:
                raise self._unreachable(error) from error
            except Exception as error:  # the client raises ApiException for some transport failures
                status = getattr(error, "status", None)
                if status is None:
                    raise
                if not status:  # status 0: the client's wrapper of a TLS failure (rest.py), not an answer
                    raise self._unreachable(error) from error
                raise self._error(int(status), path, getattr(error, "body", b"") or b"") from error
            if 200 <= response.status < 300:
                return data
            if response.status == 429 and attempt < _MAX_THROTTLE_RETRIES:
                attempt += 1
                retry_after = response.headers.get("Retry-After", "1")
                time.sleep(min(float(retry_after) if retry_after.isdigit() else 1.0, 2.0))
                continue
            raise self._error(response.status, path, data)

    def _unreachable(self, error: Exception) -> UnreachableError:
        reason = _reason(error)
        if reason.startswith("TLS"):
            hint = f"Check the server URL and certificate-authority of the cluster of context {self._context_name!r}."
        else:
            hint = (
                f"Check that the cluster of context {self._context_name!r} is up and reachable "
                "(VPN, --context), or raise --request-timeout."
            )
        return UnreachableError(f"Cannot reach the API server at {self._server}: {reason}.", hint)

    def _error(self, status: int, path: str, body: bytes | str) -> ApiError:
        message = ""
        reason = ""
        try:
            document = json.loads(body)
            message = str(document.get("message") or "")
            reason = str(document.get("reason") or "")
        except (ValueError, AttributeError, TypeError):
            pass
        if status == 401:
            return ApiError(
                f"The API server rejected the credentials of context {self._context_name!r} (401 Unauthorized).",
                "Log in again (refresh the token or the cloud CLI login) and retry.",
                status=status,
                reason=reason,
            )
        if status == 403:
            return ForbiddenError(
                message or f"Forbidden: GET {path}.",
                "Ask for read access (get/list) to this resource, or narrow the command with -n.",
                status=status,
                reason=reason,
            )
        if status == 404:
            return NotFoundError(message or f"Not found: GET {path}.", None, status=status, reason=reason)
        if status == 429:
            return ApiError(
                "The API server is throttling requests (429 Too Many Requests).",
                "Retry in a moment; the server's priority and fairness limits are saturated.",
                status=status,
                reason=reason,
            )
        return ApiError(
            f"The API server answered {status} for GET {path}{': ' + message if message else ''}.",
            "Retry; if it persists, the API server or an aggregated API is unhealthy.",
            status=status,
            reason=reason,
        )


_READABLE_REASONS = {
    "Connection refused": "connection refused",
    "timed out": "timed out",
    "Name or service not known": "name or service not known",
    "nodename nor servname": "name or service not known",
    "No route to host": "no route to host",
    "CERTIFICATE_VERIFY_FAILED": "TLS certificate not trusted",
    # An https:// URL answered in plain HTTP (or a proxy in the way).
    "WRONG_VERSION_NUMBER": "TLS handshake failed (the server does not speak TLS on this port)",
    "SSL": "TLS handshake failed",
}


def _reason(error: Exception) -> str:
    """The innermost, most readable cause of a urllib3 failure (OpenSSL's texts are cryptic)."""
    cause: Any = getattr(error, "reason", None) or error
    text = str(cause)
    for needle, readable in _READABLE_REASONS.items():
        if needle in text:
            return readable
    return text.split(": ", 1)[-1][:200]
