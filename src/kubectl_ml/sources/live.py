"""The live cluster, through the official kubernetes client, read as raw JSON.

Why raw JSON: typed ``V1*`` models cost about 10x more on big lists (style-anchors §5.3), so responses
are read unparsed and decoded with ``json.loads``. Lists are paged with ``limit``/``continue``. Every
request is a GET; the plugin never writes.

One way in, the official client's own ``Configuration`` and urllib3 ``RESTClientObject``, imported
without the package's ``__init__``, which loads every API model, pydantic and the OAuth libraries: about
260 ms of imports that would make ``doctor POD`` slower than the three kubectl commands it replaces
(docs/performance.md). Every kind of kubeconfig user becomes a token, a client certificate or basic auth
before the first request, under our deadlines: ``exec`` plugins (gke-gcloud-auth-plugin, aws, kubelogin)
through :mod:`kubectl_ml.sources.exec_credential`, ``auth-provider`` (OIDC; the removed gcp and azure)
through :mod:`kubectl_ml.sources.auth_provider`; ``as``/``as-groups`` become ``Impersonate-*`` headers.

The client is imported here and nowhere else, and only when a live source is created, so ``--help``
stays fast.

Why one module of this size: it is the only place the kubernetes client is imported; paging, the
deadline, the transport and the error mapping share that one import and must not leak it.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlencode

from kubectl_ml.errors import ApiError, ConfigError, ForbiddenError, NotFoundError, UnreachableError
from kubectl_ml.model.object_shapes import object_problem
from kubectl_ml.sources.documents import decode_json
from kubectl_ml.sources.intake import Intake
from kubectl_ml.sources.kinds import KINDS, NO_RESOURCE_TYPE, Kind, is_builtin_group
from kubectl_ml.sources.kubeconfig import cluster_and_user, load_merged, resolve_context

PAGE_SIZE = 500
_CHUNK = 64 * 1024
_MAX_THROTTLE_RETRIES = 2


_T = TypeVar("_T")


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
        # --request-timeout (30 s unless given) bounds connect, each read, and the whole request: a body that
        # drips a few bytes at a time never trips a per-read timeout (issue 11). None (`0`) waits forever,
        # as kubectl does with `--request-timeout 0`: the user asked for it, and Ctrl-C ends the run.
        self._timeout = request_timeout
        self._deadline = float("inf") if request_timeout is None else float(request_timeout)
        self.requests: list[tuple[str, str]] = []
        self.intake = Intake()
        self._groups: dict[str, tuple[str, ...]] | None = None
        cluster, user = cluster_and_user(config, context_entry)
        # Every credential is turned into a token, a client certificate or basic auth here, under our
        # deadlines, and sent by one transport: an exec plugin by our runner (sources.exec_credential),
        # an auth-provider as kubectl would (sources.auth_provider).
        if isinstance(user.get("exec"), dict):
            from kubectl_ml.sources.exec_credential import run_exec_plugin

            user.update(run_exec_plugin(user.pop("exec"), cluster, None, request_timeout))
        if isinstance(user.get("auth-provider"), dict):
            from kubectl_ml.sources.auth_provider import credentials_from_auth_provider

            user.update(credentials_from_auth_provider(user.pop("auth-provider"), self._context_name))
        self._transport = _DirectTransport(cluster, user, self._context_name)
        self._server = self._transport.server

    # -- the Source protocol -------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """The ``source`` member of a report."""
        return {"type": "live", "context": self._context_name}

    def notes(self) -> list[str]:
        """The malformed objects skipped from the API server's answers."""
        return self.intake.notes()

    def default_namespace(self) -> str:
        """The context's namespace, or ``default``."""
        return self._namespace

    def now(self) -> datetime:
        """The clock."""
        return datetime.now(timezone.utc)

    def served_groups(self) -> dict[str, tuple[str, ...]]:
        """The API groups the server serves and their versions, from one discovery request (``/apis``).

        Asked once per run, and only when an operator kind is wanted: built-in groups need no discovery.
        """
        if self._groups is None:
            document = self._get_json("/apis", {})
            groups: dict[str, tuple[str, ...]] = {}
            # An APIGroupList; anything else in its place (a proxy's answer, a broken aggregator) serves nothing.
            for group in _list_of(document.get("groups")):
                if isinstance(group, dict) and isinstance(group.get("name"), str):
                    versions = tuple(
                        str(item.get("version")) for item in _list_of(group.get("versions")) if isinstance(item, dict)
                    )
                    groups[group["name"]] = versions
            self._groups = groups
        return self._groups

    def serves(self, kind: str) -> bool:
        """True when the server serves the kind's group in a version the plugin reads."""
        return bool(self._api_versions(KINDS[kind]))

    def _api_versions(self, spec: Kind) -> list[str]:
        """The kind's versions the server's group serves, the plugin's preferred first.

        Discovery by group says which versions exist, not which resources each has: a group can serve a
        kind at one version and another kind at another (kubeflow.org: the training operator's v1, a
        Notebook CRD's v1beta1), so a 404 on one is tried at the next.
        """
        if is_builtin_group(spec.group):
            return [spec.api_version]
        served = self.served_groups().get(spec.group, ())
        return [f"{spec.group}/{version}" for version in spec.versions if version in served]

    def _no_resource_type(self, spec: Kind) -> NotFoundError:
        return NotFoundError(
            f'the server doesn\'t have a resource type "{spec.plural}" ({spec.group}).',
            f"Its CRD is not installed in context {self._context_name!r}: is {spec.group} installed here?",
            status=404,
            reason=NO_RESOURCE_TYPE,
        )

    def _at_served_version(self, spec: Kind, read: Callable[[str], _T]) -> _T:
        """``read(api_version)`` at the first served version that has the resource."""
        versions = self._api_versions(spec)
        for number, api_version in enumerate(versions):
            try:
                return read(api_version)
            except NotFoundError as error:
                # A missing object names itself in the Status details; a missing resource does not.
                missing_resource = error.reason == "NotFound" and error.details_name is None
                if number + 1 < len(versions) and (missing_resource or not error.reason):
                    continue
                if (missing_resource or not error.reason) and not is_builtin_group(spec.group):
                    raise self._no_resource_type(spec) from error
                raise
        raise self._no_resource_type(spec)

    def get(self, kind: str, namespace: str | None, name: str) -> dict[str, Any]:
        """GET one object."""
        spec = KINDS[kind]

        def read(api_version: str) -> dict[str, Any]:
            path = f"{spec.collection_path(namespace, api_version)}/{quote(name)}"
            item = self._get_json(path, {})
            problem = object_problem(item, spec.kind)
            if problem is not None:
                raise ApiError(
                    f"The API server's answer for {spec.kind} {name} is malformed: {problem}.",
                    "A proxy or webhook between us and the API server may be rewriting answers.",
                )
            item.setdefault("kind", spec.kind)
            item.setdefault("apiVersion", api_version)
            return item

        return self._at_served_version(spec, read)

    def _list_at(
        self,
        spec: Kind,
        api_version: str,
        namespace: str | None,
        label_selector: str | None,
        field_selector: str | None,
    ) -> list[dict[str, Any]]:
        path = spec.collection_path(namespace, api_version)
        query: dict[str, str] = {"limit": str(PAGE_SIZE)}
        if label_selector:
            query["labelSelector"] = label_selector
        if field_selector:
            query["fieldSelector"] = field_selector
        items: list[dict[str, Any]] = []
        tokens: set[str] = set()
        relisted = False
        while True:
            try:
                page = self._get_json(path, query)
            except ApiError as error:
                # 410 Gone: the continue token expired (etcd compacted it). Start over once, as the
                # reflectors of client-go do; a second 410 is an error.
                if error.status != 410 or "continue" not in query or relisted:
                    raise
                relisted = True
                items, tokens = [], set()
                query.pop("continue")
                continue
            page_items = page.get("items")
            if not isinstance(page_items, list | None):
                raise ApiError(f"The API server's list of {spec.plural} is malformed: items is not a list.", None)
            for item in self.intake.admit(page_items or [], spec.kind, path):
                item["kind"] = spec.kind
                item["apiVersion"] = api_version
                items.append(item)
            metadata = page.get("metadata")
            token = metadata.get("continue") if isinstance(metadata, dict) else None
            if not token:
                return items
            if not isinstance(token, str):
                raise ApiError(
                    f"The API server's list of {spec.plural} is malformed: its continue token is not text.", None
                )
            if token in tokens:
                # A server (or proxy) that hands back a token it already gave would page forever.
                raise ApiError(
                    f"The API server returned the same continue token twice while listing {spec.plural}; stopped.",
                    "A proxy between us and the API server may be caching list answers.",
                )
            tokens.add(token)
            query["continue"] = token

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
        return self._at_served_version(
            spec, lambda api_version: self._list_at(spec, api_version, namespace, label_selector, field_selector)
        )

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

    def get_raw(self, path: str, query: Mapping[str, str] | None = None) -> bytes:
        """GET any path of the API server and return the body as it came.

        For what is not a kind: an aggregated API (``/apis/metrics.k8s.io/v1beta1/...``) or a service proxy
        (``/api/v1/namespaces/{ns}/services/{scheme}:{name}:{port}/proxy/...``). Recorded in ``requests``.

        Args:
            path: the absolute path, e.g. ``/apis/metrics.k8s.io/v1beta1/namespaces/ml/pods``.
            query: query parameters, URL-encoded here.

        Returns:
            The body of a 2xx answer.

        Raises:
            ApiError: as for every request (NotFoundError for 404, ForbiddenError for 403, 429 after retries).
            UnreachableError: no answer.
        """
        return self._get(path, dict(query or {}))

    # -- HTTP ----------------------------------------------------------------------------------

    def _get_json(self, path: str, query: Mapping[str, str]) -> dict[str, Any]:
        body = self._get(path, query)
        try:
            document = decode_json(body)
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
            started = time.monotonic()
            try:
                response = self._transport.send(path, query, self._timeout)
                data: bytes = self._read_within(response, started + self._deadline, path)
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

    def _read_within(self, response: _Response, deadline: float, path: str) -> bytes:
        """The whole body, or UnreachableError once ``deadline`` (a monotonic time) has passed."""
        raw = getattr(response, "response", None)
        if raw is None or not hasattr(raw, "read"):
            return response.read()
        # read1 returns what one socket read brings; read(n) would wait for n bytes of a dripping body.
        read = raw.read1 if hasattr(raw, "read1") else raw.read
        chunks: list[bytes] = []
        while True:
            chunk = read(_CHUNK)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            if time.monotonic() > deadline:
                with contextlib.suppress(Exception):
                    raw.release_conn()
                raise UnreachableError(
                    f"The API server did not finish answering GET {path} "
                    f"within {self._deadline:g} s (--request-timeout).",
                    "Raise --request-timeout for a slow cluster, or check what is between you and the API server.",
                    reason=f"the answer did not finish within {self._deadline:g} s",
                )

    def _unreachable(self, error: Exception) -> UnreachableError:
        reason = _reason(error)
        if reason == "timed out":
            # Which timeout ran out, so the user knows what to raise.
            cause = getattr(error, "reason", None) or error
            connecting = "Connect" in type(cause).__name__ or "connect timeout" in str(cause).lower()
            reason = (
                f"timed out: {'no connection' if connecting else 'no answer'} within {self._timeout or 0:g} s"
                " (--request-timeout)"
            )
        if reason.startswith("TLS"):
            hint = f"Check the server URL and certificate-authority of the cluster of context {self._context_name!r}."
        else:
            hint = (
                f"Check that the cluster of context {self._context_name!r} is up and reachable "
                "(VPN, --context), or raise --request-timeout."
            )
        return UnreachableError(f"Cannot reach the API server at {self._server}: {reason}.", hint, reason=reason)

    def _error(self, status: int, path: str, body: bytes | str) -> ApiError:
        message = ""
        reason = ""
        details_name: str | None = None
        try:
            document = decode_json(body)
            message = str(document.get("message") or "")
            reason = str(document.get("reason") or "")
            details = document.get("details")
            details_name = str(details["name"]) if isinstance(details, dict) and details.get("name") else None
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
            error = NotFoundError(message or f"Not found: GET {path}.", None, status=status, reason=reason)
            error.details_name = details_name
            return error
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


class _Response(Protocol):
    status: int
    headers: Mapping[str, str]

    def read(self) -> bytes: ...


def _import_transport_modules() -> tuple[Any, Any]:
    """The official client's ``Configuration`` and ``RESTClientObject``, without ``kubernetes/__init__``.

    ``import kubernetes`` runs ``kubernetes/__init__.py``, which imports every API class and model
    (pydantic) and the kubeconfig loader (requests, oauthlib, dateutil): ~260 ms. The transport needs none
    of it, so the packages on the way are registered as plain namespaces before the two modules are
    imported. When the full package is already loaded (the ``exec`` path ran earlier in this process),
    it is used as it is.
    """
    import importlib.util
    import sys
    import types

    if "kubernetes" not in sys.modules:
        for name in ("kubernetes", "kubernetes.client", "kubernetes.utils"):
            spec = importlib.util.find_spec(name)
            if spec is None or spec.submodule_search_locations is None:  # pragma: no cover - broken install
                raise ConfigError("The kubernetes package is not installed correctly.", "Reinstall kubectl-ml.")
            package = types.ModuleType(name)
            package.__path__ = list(spec.submodule_search_locations)
            package.__spec__ = spec
            sys.modules[name] = package
    from kubernetes.client.configuration import Configuration
    from kubernetes.client.rest import RESTClientObject

    return Configuration, RESTClientObject


class _DirectTransport:
    """Tokens, client certificates and basic auth over the client's urllib3 transport."""

    def __init__(self, cluster: Mapping[str, Any], user: Mapping[str, Any], context: str) -> None:
        configuration_class, rest_client_class = _import_transport_modules()
        configuration = configuration_class()
        self.server = str(cluster.get("server") or "")
        if not self.server:
            raise ConfigError(f"Context {context!r} names a cluster without a server URL.", "Fix the kubeconfig.")
        if "://" not in self.server:
            # client-go's DefaultServerURL: a bare host:port is HTTPS when TLS is configured, else HTTP.
            secure = any(
                cluster.get(key)
                for key in ("certificate-authority", "certificate-authority-data", "insecure-skip-tls-verify")
            ) or any(user.get(key) for key in ("client-certificate", "client-certificate-data"))
            self.server = ("https://" if secure else "http://") + self.server
        elif not self.server.startswith(("http://", "https://")):
            raise ConfigError(
                f"Context {context!r} names a server URL that is neither http:// nor https://: {self.server}.",
                "Fix the kubeconfig.",
            )
        configuration.host = self.server.rstrip("/")
        configuration.verify_ssl = not cluster.get("insecure-skip-tls-verify")
        if not configuration.verify_ssl:
            _quiet_insecure_warnings()
        configuration.tls_server_name = cluster.get("tls-server-name")
        configuration.proxy = cluster.get("proxy-url")
        if cluster.get("certificate-authority-data"):
            configuration.ca_cert_data = _decode(cluster["certificate-authority-data"], "certificate-authority-data")
        elif cluster.get("certificate-authority"):
            configuration.ssl_ca_cert = _existing(cluster["certificate-authority"], "certificate-authority")
        configuration.cert_file = _file_or_data(user, "client-certificate")
        configuration.key_file = _file_or_data(user, "client-key")
        # One quick attempt: an unreachable API server must fail in seconds, not after urllib3's retries.
        configuration.retries = 0
        self._headers = {"Accept": "application/json"}
        # kubectl sends credentials only over TLS (client-go clientcmd; kubernetes/kubectl#744): a token must
        # not cross the network in clear text. A plain-HTTP server (kubectl proxy) needs none.
        if self.server.startswith("https://"):
            token = user.get("token") or _read_token_file(user.get("tokenFile"))
            if token:
                self._headers["Authorization"] = f"Bearer {_header_safe(token, context)}"
            elif user.get("username"):
                pair = f"{user.get('username')}:{user.get('password') or ''}".encode()
                self._headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        # Impersonate-Group and Impersonate-Extra-* repeat, one header line per value (the API server
        # does not split a comma-joined one).
        self._repeated_headers = _impersonation(user, context)
        self._rest = rest_client_class(configuration)

    def send(self, path: str, query: Mapping[str, str], timeout: Any) -> _Response:
        url = f"{self.server.rstrip('/')}{path}"
        if query:
            url += "?" + urlencode(list(query.items()))
        headers: Any = dict(self._headers)
        if self._repeated_headers:
            from urllib3 import HTTPHeaderDict

            headers = HTTPHeaderDict(self._headers)
            for key, value in self._repeated_headers:
                headers.add(key, value)
        response: _Response = self._rest.request("GET", url, headers=headers, _request_timeout=timeout)
        return response


_TEMPORARY: list[str] = []


def _impersonation(user: Mapping[str, Any], context: str) -> list[tuple[str, str]]:
    """The ``Impersonate-*`` headers of ``as``, ``as-uid``, ``as-groups``, ``as-user-extra``, as kubectl sends them."""
    headers: list[tuple[str, str]] = []
    if user.get("as"):
        headers.append(("Impersonate-User", _header_text(str(user["as"]), "as", context)))
    if user.get("as-uid"):
        headers.append(("Impersonate-Uid", _header_text(str(user["as-uid"]), "as-uid", context)))
    for group in user.get("as-groups") or []:
        headers.append(("Impersonate-Group", _header_text(str(group), "as-groups", context)))
    extra = user.get("as-user-extra")
    for key, values in extra.items() if isinstance(extra, Mapping) else []:
        for value in values if isinstance(values, list) else [values]:
            name = f"Impersonate-Extra-{quote(str(key), safe='')}"
            headers.append((name, _header_text(str(value), "as-user-extra", context)))
    return headers


def _list_of(value: Any) -> list[Any]:
    """``value`` when it is a list, else nothing (a field of the wrong type in an API answer)."""
    return value if isinstance(value, list) else []


def _header_safe(token: str, context: str) -> str:
    """The token, when an HTTP header can carry it (visible ASCII); never echoed in the error."""
    if all(" " < character < "\x7f" for character in token):
        return token
    raise ConfigError(
        f"The token of context {context!r} holds characters an HTTP header cannot carry "
        "(a space, a control character or non-ASCII text).",
        "Copy the token again (a stray newline or quote often comes with it), or log in again.",
    )


def _header_text(value: str, field: str, context: str) -> str:
    """An impersonation value, when an HTTP header can carry it (ASCII text, inner spaces allowed)."""
    if value == value.strip() and all(" " <= character < "\x7f" for character in value):
        return value
    raise ConfigError(
        f"The {field} of context {context!r} holds characters an HTTP header cannot carry: {value!r}.",
        "Fix it in the kubeconfig (ASCII text, no leading or trailing space).",
    )


def _decode(data: str, what: str) -> str:
    try:
        return base64.b64decode(data).decode()
    except (ValueError, UnicodeDecodeError) as error:
        raise ConfigError(f"The kubeconfig's {what} is not valid base64.", "Fix the kubeconfig.") from error


def _existing(path: str, what: str) -> str:
    """``path`` when it is a file we can read: urllib3 opens it later, when an error would read as a network one."""
    try:
        with open(path, "rb"):
            pass
    except FileNotFoundError as error:
        raise ConfigError(
            f"The kubeconfig's {what} file {path} does not exist.", "Fix the path in the kubeconfig."
        ) from error
    except OSError as error:
        raise ConfigError(
            f"The kubeconfig's {what} file {path} cannot be read: {error.strerror or error}.",
            f"Check its permissions (ls -l {path}), or fix the path in the kubeconfig.",
        ) from error
    return path


def _file_or_data(user: Mapping[str, Any], key: str) -> str | None:
    """A file path for ``key`` (urllib3 wants files): the named file, or ``<key>-data`` written to a 0600 temp file."""
    if user.get(f"{key}-data"):
        handle, path = tempfile.mkstemp(prefix="kubectl-ml-", suffix=".pem")
        with os.fdopen(handle, "w") as stream:  # mkstemp creates the file readable by its owner only
            stream.write(_decode(user[f"{key}-data"], f"{key}-data"))
        if not _TEMPORARY:
            atexit.register(_remove_temporary)
        _TEMPORARY.append(path)
        return path
    if user.get(key):
        return _existing(str(user[key]), key)
    return None


def _remove_temporary() -> None:
    for path in _TEMPORARY:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _read_token_file(path: object) -> str | None:
    if not path:
        return None
    try:
        with open(str(path), encoding="utf-8") as stream:
            return stream.read().strip() or None
    except OSError as error:
        raise ConfigError(
            f"The kubeconfig's tokenFile {path} cannot be read: {error.strerror or error}.",
            "Check its permissions, or fix the path in the kubeconfig.",
        ) from error


_READABLE_REASONS = {
    # A body cut short: urllib3 prints the IncompleteRead twice (`('Connection broken: IncompleteRead(...)',
    # IncompleteRead(...))`).
    "IncompleteRead": "the connection closed before the whole answer arrived",
    "Connection reset by peer": "the connection was reset",
    "RemoteDisconnected": "the server closed the connection without answering",
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


def _quiet_insecure_warnings() -> None:
    """Say once that TLS is not verified, instead of urllib3's warning on every request (16 in one scan).

    The kubeconfig asked for it (``insecure-skip-tls-verify: true``), as kubectl allows; kubectl says
    nothing at all, we say it once on stderr.
    """
    import sys
    import warnings

    import urllib3

    warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
    print(
        "warning: the kubeconfig turns TLS verification off (insecure-skip-tls-verify); the API server's "
        "identity is not checked",
        file=sys.stderr,
    )


def _reason(error: Exception) -> str:
    """The innermost, most readable cause of a urllib3 failure (OpenSSL's texts are cryptic)."""
    cause: Any = getattr(error, "reason", None) or error
    text = str(cause)
    for needle, readable in _READABLE_REASONS.items():
        if needle in text:
            return readable
    return text.split(": ", 1)[-1][:200]
