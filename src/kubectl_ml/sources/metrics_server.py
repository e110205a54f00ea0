"""Usage from metrics-server: point-in-time samples of ``metrics.k8s.io``, collected for a while.

metrics-server keeps no history. Each PodMetrics holds, per container, the CPU used over its last ``window``
(10 to 30 s, already a rate, in nanocores such as ``"1908735n"``) and the memory working set at its
``timestamp``. This source polls the PodMetrics of the namespaces (one request per namespace, or one for the
whole cluster) every ``interval`` seconds for ``sample_for`` seconds, as the VPA recommender does, keeps each
distinct sample once (metrics-server refreshes every 15 s or so; a poll between two refreshes sees the same
timestamp again) and reduces the samples with PromQL's quantile (docs/rightsize.md), so the recommender sees
the same kind of numbers as from Prometheus, only from much less data: ``confidence`` is ``low``.

The clock and the sleep are injected, so tests sample ten minutes in no time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from kubectl_ml.errors import ApiError, ForbiddenError, NotFoundError, SourceError, UsageError
from kubectl_ml.model.events import parse_time
from kubectl_ml.model.quantity import try_parse_quantity
from kubectl_ml.model.usage import ContainerUsage, Stats, UsageData, UsageQuery
from kubectl_ml.sources.documents import decode_json
from kubectl_ml.sources.metrics_file import quantile, sorted_like_prometheus

METRICS_API = "/apis/metrics.k8s.io/v1beta1"
DEFAULT_INTERVAL = 15.0  # metrics-server's default --metric-resolution: polling faster finds nothing new
DEFAULT_SAMPLE_FOR = 600.0

_NOT_INSTALLED_HINT = (
    "Install metrics-server, or read usage history instead: --prometheus URL, or --snapshot DIR with a metrics.om."
)


@runtime_checkable
class RawGetter(Protocol):
    """What this source needs from the live source: a GET of any API path (:meth:`LiveSource.get_raw`)."""

    def get_raw(self, path: str, query: Mapping[str, str] | None = None) -> bytes:
        """The body of a GET of ``path``; API errors raised as for any request."""
        ...


@dataclass
class _Container:
    """The distinct samples of one container: (time, cores, bytes)."""

    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    memory: list[float] = field(default_factory=list)
    seen: set[float] = field(default_factory=set)


class MetricsServerSource:
    """Samples ``metrics.k8s.io`` PodMetrics for a while and reduces them to usage statistics.

    Args:
        cluster: the live source (anything with :meth:`~kubectl_ml.sources.live.LiveSource.get_raw`).
        sample_for: how long to sample, seconds (``--sample-for``).
        interval: seconds between polls.
        clock: a monotonic clock (``time.monotonic``; tests pass a fake one).
        sleep: waits a number of seconds (``time.sleep``; tests advance their fake clock instead).
        progress: called with a short label before each poll (the CLI shows it on stderr), or None.
    """

    def __init__(
        self,
        cluster: object,
        *,
        sample_for: float = DEFAULT_SAMPLE_FOR,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        if not isinstance(cluster, RawGetter):
            raise UsageError("metrics-server sampling needs a live cluster, not a snapshot.", None)
        if interval <= 0 or sample_for < 0:
            raise UsageError("--sample-for must be at least 0 and the interval above 0.", None)
        self._cluster = cluster
        self._sample_for = sample_for
        self._interval = interval
        self._clock = clock
        self._sleep = sleep
        self._progress = progress

    def describe(self) -> dict[str, object]:
        """The ``source`` member of a report."""
        return {"type": "metrics-server", "sampleFor": _seconds(self._sample_for), "interval": _seconds(self._interval)}

    def usage(self, namespaces: Sequence[str] | None, query: UsageQuery) -> UsageData:
        """Poll PodMetrics every interval for ``sample_for`` seconds, then compute the statistics.

        Args:
            namespaces: the namespaces to sample (one request each per poll), or None for the whole cluster.
            query: the quantiles (the window is what was sampled: metrics-server has no history).

        Returns:
            Usage per container with ``confidence="low"``; no GPU, OOM or owner data (metrics-server has none).

        Raises:
            SourceError: metrics-server is not installed (404) or not answering (503) on the first poll, or
                reading PodMetrics is forbidden. Failures of later polls are skipped and counted in a note.
        """
        paths = (
            [METRICS_API + "/pods"]
            if namespaces is None
            else [f"{METRICS_API}/namespaces/{namespace}/pods" for namespace in dict.fromkeys(namespaces)]
        )
        polls = int(self._sample_for // self._interval) + 1
        containers: dict[tuple[str, str, str], _Container] = {}
        failed: list[str] = []
        started = self._clock()
        for poll in range(polls):
            wait = started + poll * self._interval - self._clock()
            if wait > 0:
                self._sleep(wait)
            if self._progress is not None:
                self._progress(f"metrics-server sample {poll + 1}/{polls}")
            polled_at = self._clock() - started
            for path in paths:
                try:
                    document = self._fetch(path)
                except SourceError as error:
                    if poll == 0:
                        raise  # fail fast: nothing to wait ten minutes for
                    failed.append(error.message)
                    continue
                _collect(document, polled_at, containers)
        data = UsageData(source=self.describe(), confidence="low")
        for key in sorted(containers):
            data.containers[key] = _usage(key, containers[key], query)
        data.notes.append(
            f"metrics-server gives point-in-time samples: {polls} polls over {_seconds(self._sample_for)}, no history "
            "before that, no GPU figures and no OOM kills; low confidence."
        )
        if failed:
            data.notes.append(f"{len(failed)} of {polls * len(paths)} metrics-server requests failed: {failed[-1]}")
        return data

    def _fetch(self, path: str) -> dict[str, Any]:
        try:
            body = self._cluster.get_raw(path)
        except NotFoundError as error:
            raise SourceError(
                f"metrics-server is not installed: the API server does not serve {METRICS_API} (404 for {path}).",
                _NOT_INSTALLED_HINT,
            ) from error
        except ForbiddenError as error:
            raise ForbiddenError(
                error.message,
                "Ask for list on pods.metrics.k8s.io (what `kubectl top pod` needs), or use --prometheus URL.",
                status=error.status,
                reason=error.reason,
            ) from error
        except ApiError as error:
            if error.status == 503:
                raise SourceError(
                    f"metrics-server is registered but not answering (503 for {path}).",
                    "Check the metrics-server pod (kubectl -n kube-system get pods -l k8s-app=metrics-server), "
                    "or use --prometheus URL.",
                ) from error
            raise
        try:
            document = decode_json(body)
        except ValueError as error:
            raise SourceError(f"metrics-server answered {path} with a body that is not JSON.", None) from error
        if not isinstance(document, dict) or not isinstance(document.get("items", []), list):
            raise SourceError(f"metrics-server answered {path} with something that is not a PodMetricsList.", None)
        return document


def _collect(document: Mapping[str, Any], polled_at: float, containers: dict[tuple[str, str, str], _Container]) -> None:
    """Add the samples of one PodMetricsList; a sample already seen (same pod, same timestamp) is skipped."""
    for item in document.get("items") or []:
        if not isinstance(item, dict):
            continue
        metadata = item.get("metadata") or {}
        namespace, pod = str(metadata.get("namespace") or ""), str(metadata.get("name") or "")
        stamp = parse_time(item.get("timestamp"))
        # The sample's own time when metrics-server gives one (the end of its window), else the poll's.
        moment = stamp.timestamp() if stamp is not None else polled_at
        for entry in item.get("containers") or []:
            usage = (entry or {}).get("usage") or {}
            cpu, memory = try_parse_quantity(usage.get("cpu")), try_parse_quantity(usage.get("memory"))
            if not entry.get("name") or cpu is None or memory is None:
                continue
            container = containers.setdefault((namespace, pod, str(entry["name"])), _Container())
            if moment in container.seen:
                continue  # polled again before metrics-server refreshed: the same sample
            container.seen.add(moment)
            container.times.append(moment)
            container.cpu.append(float(cpu))
            container.memory.append(float(memory))


def _usage(key: tuple[str, str, str], container: _Container, query: UsageQuery) -> ContainerUsage:
    return ContainerUsage(
        namespace=key[0],
        pod=key[1],
        container=key[2],
        cpu=_stats(container.cpu, query),
        memory=_stats(container.memory, query),
        samples=len(container.times),
        history_seconds=max(container.times) - min(container.times),
    )


def _stats(values: list[float], query: UsageQuery) -> Stats:
    """The request and limit quantiles (PromQL's interpolation) and the max of the samples."""
    ordered = sorted_like_prometheus(values)
    top = ordered[-1] if ordered[-1] == ordered[-1] else math.nan
    return Stats(
        request=quantile(query.request_quantile, ordered),
        limit=quantile(query.limit_quantile, ordered),
        max=top,
    )


def _seconds(value: float) -> str:
    """``600`` -> ``10m``, ``15`` -> ``15s``, ``5400`` -> ``90m``."""
    whole = round(value)
    if whole and whole % 3600 == 0:
        return f"{whole // 3600}h"
    if whole and whole % 60 == 0:
        return f"{whole // 60}m"
    return f"{value:g}s"
