"""Usage statistics from Prometheus, computed server-side in a fixed number of instant queries.

docs/rightsize.md defines the statistics; this module asks Prometheus for them in PromQL, with one query set
for the whole selection (one namespace, several through a regex, or every namespace with ``namespace!=""``).
The number of queries never grows with the number of containers: six per call, whatever the size:

1. memory: the request and limit quantiles, the max and the sample count of
   ``container_memory_working_set_bytes`` over raw samples (no subquery, so a one-sample peak is never missed);
2. history: when each container's samples start and end (to 5 minutes); with the counts of query 1 it also
   gives the scrape interval, so the CPU rate window is at least 4x the interval (and at least 5m);
3. CPU: the request and limit quantiles and the max of each container's
   ``rate(container_cpu_usage_seconds_total[R])`` over a ``[W:S]`` subquery;
4. kube-state-metrics: pod owners (gone pods included), ReplicaSet and Job owners, OOM kills;
5. and 6. DCGM exporter: GPU utilisation, then framebuffer use and size, under the exporter's three label
   sets (``namespace``/``pod``/``container``, ``pod_namespace``/``pod_name``/``container_name``, and the
   ``exported_*`` labels of a scrape collision). A container's figures are the mean of its GPUs' median
   utilisation, the highest utilisation, the fullest framebuffer and the largest card.

A container may have several series that differ only in other labels (a second scrape job, a new cgroup ``id``
after a restart): each statistic is computed per series, then the highest is kept (``max by``), for CPU as for
memory. ``sum`` would count a duplicate scrape twice; aggregating inside the CPU subquery would cost 4x.

Each query computes several statistics at once: every part is tagged with a ``stat`` label by
``label_replace(..., "stat", "<name>", "", "")`` and the parts are joined with ``or``. Every query is evaluated
at the same time ``T`` (``time=``), so the statistics describe the same window.

The transport is a seam, :class:`PrometheusHttp`: :class:`RequestsHttp` for a URL (``--prometheus``), and an
implementation through the API server's service proxy for the in-cluster Prometheus. Both hand back the raw
status and body; :class:`PrometheusSource` turns them into data or into one error with a hint.

Why one module of this size: the six queries, the parsing of their answers and the errors with hints
are one contract with one Prometheus; the transport is already a seam (``PrometheusHttp``).
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from kubectl_ml.errors import ApiError, SourceError, UnreachableError, UsageError
from kubectl_ml.model.usage import ContainerUsage, GpuUsage, Stats, UsageData, UsageQuery
from kubectl_ml.sources.documents import decode_json

QUERY_PATH = "/api/v1/query"
MIB = 1024 * 1024
# Fallback when no container has two samples to measure from: Prometheus' and most charts' default.
DEFAULT_SCRAPE_INTERVAL = 60.0
# DESIGN §5: the CPU rate window is at least 4 scrape intervals and never below 5 minutes.
MINIMUM_RATE_WINDOW = 300.0
RATE_WINDOW_INTERVALS = 4
# Seconds to wait for an answer: Prometheus' own --query.timeout default, so a heavy query (CPU quantiles of a
# big namespace over 7 days) fails with Prometheus' message rather than ours.
DEFAULT_TIMEOUT = 120.0
# Resolution of the history (first and last sample) of each container, in seconds.
HISTORY_STEP = 300.0

_CONTAINER_LABELS = "namespace,pod,container"
# Pod-level cgroup series (container="") and the pause container (container="POD") are not workload containers.
_WORKLOAD_CONTAINERS = 'container!="",container!="POD"'
_MEMORY = "container_memory_working_set_bytes"
_CPU = "container_cpu_usage_seconds_total"
_POD_OWNER = "kube_pod_owner"
_REPLICASET_OWNER = "kube_replicaset_owner"
_JOB_OWNER = "kube_job_owner"
_TERMINATED_REASON = "kube_pod_container_status_last_terminated_reason"
_GPU_UTIL = "DCGM_FI_DEV_GPU_UTIL"
_FB_USED = "DCGM_FI_DEV_FB_USED"
_FB_FREE = "DCGM_FI_DEV_FB_FREE"
# The GPU label sets dcgm-exporter produces, in order of precedence: a scrape collision renames the pod's
# labels to exported_* (the plain ones then name the exporter pod), older exporters use pod_namespace/pod_name.
# The plain set excludes series carrying the other two, and the exporter's own container: without a
# collision-free mapping, the exporter's unallocated GPUs carry its own namespace/pod/container target labels.
_GPU_LABEL_SETS = (
    ("exported_namespace", "exported_pod", "exported_container", ""),
    ("pod_namespace", "pod_name", "container_name", ""),
    ("namespace", "pod", "container", 'exported_namespace="",pod_namespace="",container!~".*dcgm-exporter.*"'),
)
_GPU_KEY = "namespace,pod,container,gpu,UUID,stat"


class PrometheusHttp(Protocol):
    """The transport to Prometheus' HTTP API: one GET, answered with the raw status and body.

    Keep implementations thin: return every HTTP answer as it came, error statuses included, so that
    :class:`PrometheusSource` reports the same errors whatever the transport; raise
    :class:`~kubectl_ml.errors.UnreachableError` (or another ``SourceError``) only when no HTTP answer
    arrives: connection refused, DNS, TLS, timeout. Never log credentials.
    """

    def get(self, path: str, params: Mapping[str, str]) -> tuple[int, bytes]:
        """Send ``GET <base><path>?<params>``.

        Args:
            path: the API path under Prometheus' base URL, e.g. ``/api/v1/query``.
            params: query parameters (``query``, ``time``), URL-encoded by the transport.

        Returns:
            The HTTP status code and the body, unparsed.
        """
        ...


@dataclass(frozen=True)
class _Reason:
    needle: str
    readable: str


# Readable causes of connection failures (urllib3's texts nest several exception reprs).
_REASONS = (
    _Reason("Connection refused", "connection refused"),
    _Reason("NameResolutionError", "name or service not known"),
    _Reason("Name or service not known", "name or service not known"),
    _Reason("nodename nor servname", "name or service not known"),
    _Reason("Temporary failure in name resolution", "name or service not known"),
    _Reason("No route to host", "no route to host"),
    _Reason("CERTIFICATE_VERIFY_FAILED", "TLS certificate not trusted"),
    _Reason("WRONG_VERSION_NUMBER", "TLS handshake failed (the server does not speak TLS on this port)"),
    _Reason("SSL", "TLS handshake failed"),
)


def _readable(error: Exception) -> str:
    text = str(error)
    for reason in _REASONS:
        if reason.needle in text:
            return reason.readable
    return text.rsplit(": ", 1)[-1][:200]


def redacted(url: str) -> str:
    """The URL without the password of ``user:password@host``, for messages.

    Args:
        url: a URL as the user gave it.

    Returns:
        The same URL, with ``***`` for the password when it holds one.
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class RequestsHttp:
    """:class:`PrometheusHttp` over ``requests``, for ``--prometheus URL``.

    Args:
        base_url: Prometheus' base URL (``http://`` or ``https://``).
        headers: extra headers for every request (``--prometheus-header``), e.g. ``X-Scope-OrgID``.
        bearer_token: sent as ``Authorization: Bearer``; never logged or shown.
        timeout: seconds to wait for an answer (None: as long as it takes).

    Attributes:
        base_url: the URL as given, without a trailing slash (it may carry a path prefix, e.g. a proxy's
            ``https://host/prometheus``); ``user:password@`` in it is sent as basic auth.
    """

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        bearer_token: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SourceError(
                f"The Prometheus URL {redacted(base_url)!r} is not an http:// or https:// URL.",
                "Give Prometheus' base URL, e.g. --prometheus http://localhost:9090.",
            )
        # Imported here: the module is also the home of the seam, which other transports import.
        import requests

        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._session = requests.Session()
        self._session.headers.update(headers or {})
        if bearer_token:
            self._session.headers["Authorization"] = f"Bearer {bearer_token}"

    def get(self, path: str, params: Mapping[str, str]) -> tuple[int, bytes]:
        """Send ``GET <base_url><path>`` with the headers and token; see :meth:`PrometheusHttp.get`.

        Args:
            path: the API path, e.g. ``/api/v1/query``.
            params: query parameters.

        Returns:
            The HTTP status code and the body.

        Raises:
            UnreachableError: refused, DNS, TLS or timeout.
            SourceError: a URL that ``requests`` cannot use.
        """
        import requests

        where = redacted(self.base_url)
        try:
            response = self._session.get(self.base_url + path, params=dict(params), timeout=self._timeout)
        except requests.exceptions.Timeout as error:
            raise UnreachableError(
                f"Prometheus at {where} did not answer within {self._timeout or 0:g} s.",
                "A heavy query on a big cluster can take long: narrow it with -n or a shorter --window, "
                "or raise --request-timeout (0: wait as long as it takes).",
            ) from error
        except requests.exceptions.ConnectionError as error:
            raise UnreachableError(
                f"Cannot reach Prometheus at {where}: {_readable(error)}.",
                "Check --prometheus (e.g. http://localhost:9090 after "
                "`kubectl port-forward -n monitoring svc/prometheus-operated 9090`).",
            ) from error
        except requests.exceptions.RequestException as error:
            raise SourceError(
                f"Cannot send a request to Prometheus at {where}: {_readable(error)}.",
                "Give Prometheus' base URL, e.g. --prometheus http://localhost:9090.",
            ) from error
        return response.status_code, response.content


def parse_headers(values: Iterable[str]) -> dict[str, str]:
    """Parse ``--prometheus-header`` values (``"X-Scope-OrgID: tenant-a"``) into a header dict.

    Args:
        values: ``Name: value`` strings, as given on the command line.

    Returns:
        Header names to values; a later value for the same name wins.

    Raises:
        UsageError: a value without ``:``, an invalid header name, or a line break in a value. The message
            never repeats the value, which may be a credential.
    """
    headers: dict[str, str] = {}
    for value in values:
        name, colon, content = value.partition(":")
        name = name.strip()
        if not colon:
            raise UsageError(
                "A --prometheus-header value has no ':'.", "Write it as 'Name: value', e.g. 'X-Scope-OrgID: tenant-a'."
            )
        if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name):
            raise UsageError(
                f"--prometheus-header {name!r} is not a valid header name.",
                "Write it as 'Name: value', e.g. 'X-Scope-OrgID: tenant-a'.",
            )
        if "\n" in content or "\r" in content:
            raise UsageError(f"The --prometheus-header {name} value holds a line break.", "Give a one-line value.")
        headers[name] = content.strip()
    return headers


def token_from(file: str | None, env: str | None, environ: Mapping[str, str]) -> str | None:
    """Read the bearer token for Prometheus from a file or an environment variable.

    Args:
        file: a file holding the token (surrounding whitespace is dropped), or None.
        env: the name of an environment variable holding the token, or None.
        environ: the environment to read ``env`` from.

    Returns:
        The token, or None when neither source is given.

    Raises:
        UsageError: both sources given, an unreadable or empty file, an unset or empty variable. Messages
            name the file or variable, never the token.
    """
    if file and env:
        raise UsageError("Give --prometheus-token-file or --prometheus-token-env, not both.", None)
    if file:
        try:
            with open(file, encoding="utf-8") as handle:
                token = handle.read().strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else "not readable text"
            raise UsageError(f"Cannot read the Prometheus token file {file}: {reason}.", "Fix the path.") from error
        if not token:
            raise UsageError(f"The Prometheus token file {file} is empty.", "Write the bearer token into it.")
        return token
    if env:
        token = environ.get(env, "").strip()
        if not token:
            raise UsageError(f"The environment variable {env} is not set or empty.", "Export the bearer token in it.")
        return token
    return None


def promql_duration(seconds: float) -> str:
    """A PromQL duration literal for a number of seconds, in the largest unit that divides it.

    Args:
        seconds: a positive duration.

    Returns:
        ``"7d"``, ``"5m"``, ``"90s"``, or ``"1500ms"``.
    """
    milliseconds = round(seconds * 1000)
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if milliseconds % size == 0:
            return f"{milliseconds // size}{unit}"
    return f"{milliseconds}ms"


def _quoted(text: str) -> str:
    """A PromQL string literal (JSON's escapes are a subset of PromQL's)."""
    return json.dumps(text)


def _tag(expression: str, stat: str) -> str:
    return f'label_replace({expression}, "stat", "{stat}", "", "")'


@dataclass(frozen=True)
class _Selection:
    """The namespaces of one query set, as a matcher for whichever label holds the namespace."""

    namespaces: tuple[str, ...] | None

    def matcher(self, label: str = "namespace") -> str:
        if self.namespaces is None:
            return f'{label}!=""'
        if len(self.namespaces) == 1:
            return f"{label}={_quoted(self.namespaces[0])}"
        return f"{label}=~{_quoted('|'.join(re.escape(name) for name in self.namespaces))}"


@dataclass(frozen=True)
class Sample:
    """One element of an instant vector: its labels and value."""

    labels: Mapping[str, str]
    value: float


@dataclass
class _GpuFigures:
    """The per-GPU statistics of one container, merged from the two GPU queries."""

    utilization_p50: dict[str, float] = field(default_factory=dict)
    utilization_max: dict[str, float] = field(default_factory=dict)
    used_max: dict[str, float] = field(default_factory=dict)
    total: dict[str, float] = field(default_factory=dict)


@dataclass
class _Collected:
    """Statistics by container key as the queries return them, before they become ContainerUsage."""

    memory: dict[tuple[str, str, str], dict[str, float]] = field(default_factory=dict)
    cpu: dict[tuple[str, str, str], dict[str, float]] = field(default_factory=dict)
    history: dict[tuple[str, str, str], dict[str, float]] = field(default_factory=dict)
    oom: set[tuple[str, str, str]] = field(default_factory=set)
    gpu: dict[tuple[str, str, str], _GpuFigures] = field(default_factory=dict)
    # Which namespaces each metric had series in, for the notes on missing metrics.
    seen: dict[str, set[str]] = field(default_factory=dict)

    def saw(self, metric: str, namespace: str) -> None:
        self.seen.setdefault(metric, set()).add(namespace)


def _key(labels: Mapping[str, str]) -> tuple[str, str, str]:
    return labels.get("namespace", ""), labels.get("pod", ""), labels.get("container", "")


class PrometheusSource:
    """Usage statistics from a Prometheus server (docs/rightsize.md), through a :class:`PrometheusHttp`.

    Args:
        http: the transport.
        description: the report's ``source`` member, e.g. ``{"type": "prometheus", "url": URL}``; its
            ``url`` (or ``service``) names the server in error messages.
        progress: called with a short label before each query (the CLI shows it on stderr), or None.
    """

    def __init__(
        self,
        http: PrometheusHttp,
        *,
        description: Mapping[str, object],
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self._http = http
        self._description = dict(description)
        where = description.get("url") or description.get("service")
        self._where = f"Prometheus at {redacted(str(where))}" if where else "Prometheus"
        self._progress = progress
        self._queries = 0

    def usage(self, namespaces: list[str] | None, query: UsageQuery) -> UsageData:
        """Usage statistics of every container of the namespaces over the window.

        Args:
            namespaces: the namespaces to read; None for all of them (one query set with ``namespace!=""``).
            query: window, quantiles, evaluation time and CPU rate window.

        Returns:
            Statistics per container, owners, notes on missing metrics, and the number of queries sent.

        Raises:
            SourceError: Prometheus unreachable, a URL that is not Prometheus' API, 401/403, 5xx, a body that is
                not JSON, or a query Prometheus rejected. A metric with no series is not an error: it becomes a
                note.
        """
        self._queries = 0
        data = UsageData(source=dict(self._description))
        if namespaces is not None and not namespaces:
            return data
        selection = _Selection(tuple(dict.fromkeys(namespaces)) if namespaces is not None else None)
        # One evaluation time for every query (milliseconds, as Prometheus keeps them), so all statistics
        # describe the same window.
        end = round(query.end if query.end is not None else time.time(), 3)
        collected = _Collected()
        self._read_memory(selection, query, end, collected)
        self._read_history(selection, query, end, collected)
        window = query.rate_window_seconds or rate_window(scrape_interval(_spans(collected)))
        self._read_cpu(selection, query, end, window, collected)
        self._read_kube_state(selection, query, end, collected, data)
        self._read_gpu(selection, query, end, collected)
        data.containers = _containers(collected)
        data.notes.extend(_notes(selection, collected, data))
        data.queries = self._queries
        return data

    # -- the queries -------------------------------------------------------------------------------------

    def _read_memory(self, selection: _Selection, query: UsageQuery, end: float, collected: _Collected) -> None:
        series = f"{_MEMORY}{{{selection.matcher()},{_WORKLOAD_CONTAINERS}}}[{promql_duration(query.window_seconds)}]"
        parts = {
            "request": f"quantile_over_time({query.request_quantile!r}, {series})",
            "limit": f"quantile_over_time({query.limit_quantile!r}, {series})",
            "max": f"max_over_time({series})",
            "samples": f"count_over_time({series})",
        }
        # Statistics per series, then the highest of a container's series (duplicates, restarts).
        expression = " or ".join(_tag(f"max by ({_CONTAINER_LABELS}) ({part})", stat) for stat, part in parts.items())
        for sample in self._query(expression, end, "memory"):
            collected.memory.setdefault(_key(sample.labels), {})[sample.labels.get("stat", "")] = sample.value
            collected.saw(_MEMORY, sample.labels.get("namespace", ""))

    def _read_history(self, selection: _Selection, query: UsageQuery, end: float, collected: _Collected) -> None:
        # timestamp() of a selector inside a subquery re-reads every series at every step (25x the time of a CPU
        # subquery, measured), so the history is measured in steps of H (5 minutes): from the first to the last
        # step (multiples of H in the window) that has a sample in the H before it; timestamp() of a function's
        # result is the step's time. That is the time between the first and the last sample to within H (or a
        # scrape interval, if longer); 1-minute steps would cost 3x as much for a figure compared with hours.
        step = promql_duration(max(query.step_seconds, HISTORY_STEP))
        present = f"timestamp(count_over_time({_MEMORY}{{{selection.matcher()},{_WORKLOAD_CONTAINERS}}}[{step}]))"
        window = f"[{promql_duration(query.window_seconds)}:{step}]"
        first = f"min by ({_CONTAINER_LABELS}) (min_over_time({present}{window}))"
        last = f"max by ({_CONTAINER_LABELS}) (max_over_time({present}{window}))"
        for sample in self._query(f"{_tag(first, 'first')} or {_tag(last, 'last')}", end, "history"):
            collected.history.setdefault(_key(sample.labels), {})[sample.labels.get("stat", "")] = sample.value

    def _read_cpu(
        self, selection: _Selection, query: UsageQuery, end: float, rate_seconds: float, collected: _Collected
    ) -> None:
        rate = f"rate({_CPU}{{{selection.matcher()},{_WORKLOAD_CONTAINERS}}}[{promql_duration(rate_seconds)}])"
        series = f"{rate}[{promql_duration(query.window_seconds)}:{promql_duration(query.step_seconds)}]"
        parts = {
            "request": f"quantile_over_time({query.request_quantile!r}, {series})",
            "limit": f"quantile_over_time({query.limit_quantile!r}, {series})",
            "max": f"max_over_time({series})",
        }
        # As for memory: statistics per series, then the highest of a container's series. Aggregating inside
        # the subquery instead would run at every step (4x slower, measured), and sum would count a duplicate
        # scrape twice.
        expression = " or ".join(_tag(f"max by ({_CONTAINER_LABELS}) ({part})", stat) for stat, part in parts.items())
        for sample in self._query(expression, end, "cpu"):
            collected.cpu.setdefault(_key(sample.labels), {})[sample.labels.get("stat", "")] = sample.value
            collected.saw(_CPU, sample.labels.get("namespace", ""))

    def _read_kube_state(
        self, selection: _Selection, query: UsageQuery, end: float, collected: _Collected, data: UsageData
    ) -> None:
        window = promql_duration(query.window_seconds)
        namespace = selection.matcher()

        def part(metric: str, labels: str, extra: str = "") -> str:
            return f"max by ({labels}) (max_over_time({metric}{{{namespace}{extra}}}[{window}]))"

        expression = " or ".join(
            (
                _tag(part(_POD_OWNER, "namespace,pod,owner_kind,owner_name,owner_is_controller"), "pod_owner"),
                _tag(part(_REPLICASET_OWNER, "namespace,replicaset,owner_kind,owner_name"), "replicaset_owner"),
                _tag(part(_JOB_OWNER, "namespace,job_name,owner_kind,owner_name"), "job_owner"),
                _tag(part(_TERMINATED_REASON, _CONTAINER_LABELS, ',reason="OOMKilled"'), "oom"),
            )
        )
        owners: dict[tuple[str, str], tuple[int, str, str]] = {}
        for sample in self._query(expression, end, "owners"):
            labels = sample.labels
            space, stat = labels.get("namespace", ""), labels.get("stat", "")
            kind, name = labels.get("owner_kind", ""), labels.get("owner_name", "")
            if stat == "pod_owner":
                collected.saw(_POD_OWNER, space)
                # kube-state-metrics has one series per ownerReference, and <none> for a bare pod: prefer the
                # controller, then any real owner (an orphaned or adopted pod had both in the window).
                rank = 2 if labels.get("owner_is_controller") == "true" else int(kind not in ("", "<none>"))
                key = (space, labels.get("pod", ""))
                if key not in owners or rank > owners[key][0]:
                    owners[key] = (rank, kind, name)
            elif stat == "replicaset_owner":
                collected.saw(_REPLICASET_OWNER, space)
                if kind not in ("", "<none>"):
                    data.controller_owners[(space, "ReplicaSet", labels.get("replicaset", ""))] = (kind, name)
            elif stat == "job_owner":
                collected.saw(_JOB_OWNER, space)
                if kind not in ("", "<none>"):
                    data.controller_owners[(space, "Job", labels.get("job_name", ""))] = (kind, name)
            elif stat == "oom" and sample.value > 0:
                collected.oom.add(_key(labels))
        data.pod_owners = {key: (kind, name) for key, (_rank, kind, name) in owners.items()}

    def _read_gpu(self, selection: _Selection, query: UsageQuery, end: float, collected: _Collected) -> None:
        window = promql_duration(query.window_seconds)
        utilization: dict[str, Callable[[str], str]] = {
            "p50": lambda matchers: f"quantile_over_time(0.5, {_GPU_UTIL}{{{matchers}}}[{window}])",
            "max": lambda matchers: f"max_over_time({_GPU_UTIL}{{{matchers}}}[{window}])",
        }
        # The card's framebuffer is FB_USED + FB_FREE at one scrape (both MiB); the last in the window will do.
        framebuffer: dict[str, Callable[[str], str]] = {
            "used": lambda matchers: f"max_over_time({_FB_USED}{{{matchers}}}[{window}])",
            "total": lambda matchers: (
                f"last_over_time({_FB_USED}{{{matchers}}}[{window}])"
                f" + last_over_time({_FB_FREE}{{{matchers}}}[{window}])"
            ),
        }
        for label, parts in (("gpu", utilization), ("gpu memory", framebuffer)):
            for sample in self._query(_gpu_expression(selection, parts), end, label):
                key = _key(sample.labels)
                if not key[2]:
                    continue  # a GPU mapped to a pod but to no container: nothing to size
                gpu = sample.labels.get("UUID") or sample.labels.get("gpu", "")
                figures = collected.gpu.setdefault(key, _GpuFigures())
                stat = sample.labels.get("stat", "")
                target = {
                    "p50": figures.utilization_p50,
                    "max": figures.utilization_max,
                    "used": figures.used_max,
                    "total": figures.total,
                }[stat]
                target[gpu] = sample.value
                metric = {"p50": _GPU_UTIL, "max": _GPU_UTIL, "used": _FB_USED, "total": _FB_FREE}[stat]
                collected.saw(metric, key[0])

    # -- one query ---------------------------------------------------------------------------------------

    def _query(self, expression: str, end: float, label: str) -> list[Sample]:
        if self._progress is not None:
            self._progress(label)
        self._queries += 1
        status, body = self._http.get(QUERY_PATH, {"query": expression, "time": f"{end:.3f}"})
        if status in (401, 403):
            raise self._status_error(status, body)
        document = self._document(status, body)
        if document.get("status") == "error":
            error_type = str(document.get("errorType") or "error")
            raise ApiError(
                f"{self._where} rejected the {label} query ({error_type}): {document.get('error') or 'no reason'}.",
                "A query too heavy for the server (timeout, too many samples) gets lighter with -n or a "
                "shorter --window.",
                status=status,
                reason=error_type,
            )
        if status >= 400:
            raise self._status_error(status, body)
        payload = document.get("data")
        if not isinstance(payload, dict) or payload.get("resultType") != "vector":
            raise SourceError(f"{self._where} answered the {label} query with no instant vector.", _URL_HINT)
        samples = []
        for element in payload.get("result") or []:
            try:
                labels = {str(name): str(value) for name, value in (element.get("metric") or {}).items()}
                value = float(element["value"][1])
            except (AttributeError, IndexError, KeyError, TypeError, ValueError) as error:
                raise SourceError(
                    f"{self._where} answered the {label} query with a malformed sample.", _URL_HINT
                ) from error
            if not math.isnan(value):
                samples.append(Sample(labels, value))
        return samples

    def _document(self, status: int, body: bytes) -> dict[str, Any]:
        """The JSON answer, or the error that says why there is none."""
        try:
            document = decode_json(body)
        except (ValueError, UnicodeDecodeError):
            document = None
        if isinstance(document, dict) and document.get("status") in ("success", "error"):
            return document
        if status >= 400 and status != 404:
            raise self._status_error(status, body)
        if status == 404 or body.lstrip()[:1] == b"<":
            what = "404 Not Found" if status == 404 else "an HTML page"
            raise SourceError(f"{self._where} answered {what} at {QUERY_PATH}: this is not Prometheus' API.", _URL_HINT)
        if document is None:
            raise SourceError(f"{self._where} answered {QUERY_PATH} with a body that is not JSON.", _URL_HINT)
        raise SourceError(f"{self._where} answered {QUERY_PATH} with JSON that is not Prometheus' API.", _URL_HINT)

    def _status_error(self, status: int, body: bytes) -> ApiError:
        phrase = _phrase(status)
        detail = _detail(body)
        if detail.lower() == phrase.lower():
            detail = ""
        suffix = f": {detail}" if detail else ""
        if status in (401, 403):
            return ApiError(
                f"{self._where} refused the request ({status} {phrase}){suffix}.",
                "Pass a bearer token (--prometheus-token-file, --prometheus-token-env) or a header "
                "(--prometheus-header 'Authorization: ...'); Mimir and Cortex also need "
                "--prometheus-header 'X-Scope-OrgID: <tenant>'.",
                status=status,
                reason=phrase,
            )
        if status >= 500:
            return ApiError(
                f"{self._where} failed ({status} {phrase}){suffix}.",
                "Retry in a moment; if it persists, the server (or a proxy in front of it) is unhealthy or the "
                "query too heavy: narrow it with -n or a shorter --window.",
                status=status,
                reason=phrase,
            )
        return ApiError(
            f"{self._where} answered {status} {phrase} at {QUERY_PATH}{suffix}.",
            _URL_HINT,
            status=status,
            reason=phrase,
        )


_URL_HINT = "Give Prometheus' base URL (e.g. http://prometheus.monitoring:9090), without /graph or /api/v1."


def _detail(body: bytes) -> str:
    """What an error body says, in one short line: Prometheus' ``error``, or plain text; never an HTML page."""
    try:
        document = decode_json(body)
    except (ValueError, UnicodeDecodeError):
        document = None
    if isinstance(document, dict):
        return " ".join(str(document.get("error") or document.get("message") or "").split())[:200]
    text = body.decode("utf-8", "replace")
    return "" if text.lstrip()[:1] == "<" else " ".join(text.split())[:200]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown Status"


def _gpu_expression(selection: _Selection, parts: Mapping[str, Callable[[str], str]]) -> str:
    """One statistic per GPU under each label set, relabelled to namespace/pod/container and joined.

    ``or`` keeps the first label set's element when two sets describe the same GPU of the same container.
    """
    expressions = []
    for namespace_label, pod_label, container_label, extra in _GPU_LABEL_SETS:
        matchers = f'{selection.matcher(namespace_label)},{pod_label}!=""' + (f",{extra}" if extra else "")
        tagged = " or ".join(_tag(render(matchers), stat) for stat, render in parts.items())
        if namespace_label != "namespace":
            for target, source in (("namespace", namespace_label), ("pod", pod_label), ("container", container_label)):
                tagged = f'label_replace({tagged}, "{target}", "$1", "{source}", "(.*)")'
        expressions.append(f"max by ({_GPU_KEY}) ({tagged})")
    return " or ".join(expressions)


def scrape_interval(spans: Iterable[tuple[float, float]]) -> float:
    """The typical time between two samples of a container, as every usage source measures it.

    Args:
        spans: (memory samples, history seconds) of each container.

    Returns:
        The median over containers with two samples or more of history / (samples - 1), rounded to whole
        seconds; 60 s without any.
    """
    intervals = [history / (samples - 1) for samples, history in spans if samples >= 2 and history > 0]
    if not intervals:
        return DEFAULT_SCRAPE_INTERVAL
    return float(max(round(statistics.median(intervals)), 1))


def rate_window(interval: float) -> float:
    """The CPU rate window for a scrape interval: 4 intervals, at least 5 minutes (DESIGN §5), whole seconds.

    Args:
        interval: the scrape interval, seconds.

    Returns:
        The window, seconds.
    """
    return float(max(math.ceil(RATE_WINDOW_INTERVALS * interval), MINIMUM_RATE_WINDOW))


def _spans(collected: _Collected) -> list[tuple[float, float]]:
    spans = []
    for key, figures in collected.memory.items():
        span = collected.history.get(key, {})
        if "first" in span and "last" in span:
            spans.append((figures.get("samples", 0.0), span["last"] - span["first"]))
    return spans


def _stats(figures: Mapping[str, float] | None) -> Stats | None:
    if not figures or not all(name in figures for name in ("request", "limit", "max")):
        return None
    return Stats(request=figures["request"], limit=figures["limit"], max=figures["max"])


def _gpu_usage(figures: _GpuFigures | None) -> GpuUsage | None:
    """A container's GPU figures from its GPUs' own.

    The mean of the GPUs' median utilisation, the highest utilisation, the fullest framebuffer and the largest
    card (bytes), and how many GPUs reported.
    """
    if figures is None or not figures.utilization_p50:
        return None
    gpus = set(figures.utilization_p50) | set(figures.utilization_max) | set(figures.used_max)
    return GpuUsage(
        utilization_p50=statistics.fmean(figures.utilization_p50.values()),
        utilization_max=max(figures.utilization_max.values(), default=0.0),
        memory_used_max=max(figures.used_max.values(), default=0.0) * MIB,
        memory_total=max(figures.total.values()) * MIB if figures.total else None,
        gpus=len(gpus),
    )


def _containers(collected: _Collected) -> dict[tuple[str, str, str], ContainerUsage]:
    keys = (
        set(collected.memory)
        | set(collected.cpu)
        | {key for key in collected.gpu if collected.gpu[key].utilization_p50}
    )
    containers = {}
    for key in sorted(keys):
        memory = collected.memory.get(key, {})
        span = collected.history.get(key, {})
        history = span["last"] - span["first"] if "first" in span and "last" in span else 0.0
        containers[key] = ContainerUsage(
            namespace=key[0],
            pod=key[1],
            container=key[2],
            cpu=_stats(collected.cpu.get(key)),
            memory=_stats(memory),
            samples=int(memory.get("samples", 0)),
            history_seconds=max(history, 0.0),
            oom_killed=key in collected.oom,
            gpu=_gpu_usage(collected.gpu.get(key)),
        )
    return containers


def _listed(namespaces: Iterable[str]) -> str:
    names = sorted(namespaces)
    shown = ", ".join(names[:5])
    return shown if len(names) <= 5 else f"{shown} and {len(names) - 5} more namespaces"


def _notes(selection: _Selection, collected: _Collected, data: UsageData) -> list[str]:
    """One sentence per metric that has no series where it should: what is missing and what it costs."""
    seen = collected.seen
    memory, cpu = seen.get(_MEMORY, set()), seen.get(_CPU, set())
    with_usage = memory | cpu
    notes = []
    requested: Sequence[str] = selection.namespaces or ()
    empty = [name for name in requested if name not in with_usage]
    if empty:
        notes.append(
            f"No container usage in {_listed(empty)} over the window: {_MEMORY} and {_CPU} have no series there "
            "(nothing ran, or cAdvisor is not scraped)."
        )
    elif selection.namespaces is None and not with_usage:
        notes.append(f"No container usage over the window: {_MEMORY} and {_CPU} have no series (is cAdvisor scraped?).")

    def missing(metric: str, among: set[str], cost: str) -> None:
        lacking = among - seen.get(metric, set())
        if not lacking:
            return
        where = "" if not seen.get(metric) else f" for {_listed(lacking)}"
        notes.append(f"{metric} missing{where}: {cost}.")

    missing(_CPU, memory, "no CPU figures")
    missing(_MEMORY, cpu, "no memory figures, samples or history")
    missing(
        _POD_OWNER,
        with_usage,
        "pods that no longer exist are grouped by name only, and OOM kills are unknown "
        "(is kube-state-metrics scraped?)",
    )
    with_replicasets = {space for (space, _pod), (kind, _name) in data.pod_owners.items() if kind == "ReplicaSet"}
    missing(
        _REPLICASET_OWNER, with_replicasets, "ReplicaSets that no longer exist are matched to Deployments by name only"
    )
    with_jobs = {space for (space, _pod), (kind, _name) in data.pod_owners.items() if kind == "Job"}
    missing(_JOB_OWNER, with_jobs, "Jobs that no longer exist are matched to CronJobs by name only")
    if with_usage and not seen.get(_GPU_UTIL):
        # Only when absent from the whole selection: a namespace without GPU series simply used no GPU.
        notes.append(
            f"{_GPU_UTIL} missing: no GPU figures (they need NVIDIA's DCGM exporter; nothing is lost if no "
            "container uses a GPU)."
        )
    missing(_FB_USED, seen.get(_GPU_UTIL, set()), "no GPU memory figures")
    missing(_FB_FREE, seen.get(_FB_USED, set()), "GPU memory sizes unknown")
    return notes
