"""Usage from a snapshot's ``metrics.om``: the statistics of docs/rightsize.md, evaluated locally as PromQL does.

The file holds the series a Prometheus would (cAdvisor, kube-state-metrics, dcgm-exporter) in OpenMetrics text,
the format ``promtool tsdb create-blocks-from openmetrics`` reads: ``# TYPE``/``# HELP`` lines, samples as
``name{labels} value timestamp`` with the timestamp in Unix seconds, and a final ``# EOF``. The same file
loaded into a real Prometheus gives the same numbers (tests/metrics_file/test_parity.py proves it), because
every step reproduces the Prometheus arithmetic, operation for operation:

- timestamps become whole milliseconds as the OpenMetrics parser makes them (``int64(seconds * 1000)``);
- ``rate()`` is ``extrapolatedRate``: counter resets added back, extrapolation to the range's edges unless the
  first/last sample is further than 1.1 average intervals away (then half an interval), never below zero;
- subquery steps are the multiples of the step since the epoch inside the window;
- ``quantile_over_time`` sorts and interpolates between ranks ``q * (n - 1)``;
- duplicate series of a container (two scrape jobs, two cgroup ids) are reduced with ``max by`` over their
  per-series statistics, for CPU as for memory, as the Prometheus source queries them (docs/rightsize.md writes
  ``sum by`` inside the CPU subquery: a sum counts a container scraped twice twice).

Range boundaries: docs/rightsize.md (and Prometheus 3) hold a range ``[W]`` at ``T`` as ``(T - W, T]``;
Prometheus 2.x includes a sample exactly at ``T - W``. ``closed_ranges=True`` evaluates the 2.x way (the
Debian 12 Prometheus the parity test runs against); the two agree unless a sample or step lies exactly on a
boundary, which happens with synthetic data aligned to whole minutes.

The file is streamed: a line of a series seen before costs one ``rsplit``, one dictionary lookup and two
appends to typed arrays (16 bytes a sample, so a 2,000-container week at 60 s, 8 GB of text, needs about
800 MB). Reading is about 0.7 µs a line and a CPU rate about 1.5 µs a subquery step, in pure Python:
``python -m tests.metrics_file.bench`` measures it.

Why one module of this size: the streaming reader and the evaluator share the typed sample arrays
and the millisecond arithmetic that make the numbers equal Prometheus's; the parity test holds them
to each other as one unit.
"""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from operator import lt
from pathlib import Path
from statistics import fmean, median

from kubectl_ml.errors import SnapshotFormatError, SourceError
from kubectl_ml.model.usage import ContainerUsage, GpuUsage, Stats, UsageData, UsageQuery
from kubectl_ml.sources.prometheus import HISTORY_STEP

CPU_METRIC = "container_cpu_usage_seconds_total"
MEMORY_METRIC = "container_memory_working_set_bytes"
POD_OWNER_METRIC = "kube_pod_owner"
REPLICASET_OWNER_METRIC = "kube_replicaset_owner"
JOB_OWNER_METRIC = "kube_job_owner"
TERMINATED_REASON_METRIC = "kube_pod_container_status_last_terminated_reason"
GPU_UTILIZATION_METRIC = "DCGM_FI_DEV_GPU_UTIL"
GPU_MEMORY_USED_METRIC = "DCGM_FI_DEV_FB_USED"
GPU_MEMORY_FREE_METRIC = "DCGM_FI_DEV_FB_FREE"

# dcgm-exporter's pod labels, most specific first: ``exported_*`` when Prometheus scraped the exporter pod
# without honor_labels (then ``namespace``/``pod`` name the exporter itself), the older exporter's
# ``pod_namespace``/``pod_name``/``container_name``, and the current ``namespace``/``pod``/``container``.
GPU_LABEL_SETS: tuple[tuple[str, str, str], ...] = (
    ("exported_namespace", "exported_pod", "exported_container"),
    ("pod_namespace", "pod_name", "container_name"),
    ("namespace", "pod", "container"),
)
_MEBIBYTE = 1024 * 1024
_MINIMUM_RATE_WINDOW_MS = 300_000
_DEFAULT_SCRAPE_INTERVAL = 60.0
# Past this, a "seconds" timestamp is in the year 5138: the writer used milliseconds, which promtool
# silently accepts as far-future times (rightsize-anchors §8.1). Better to say so than to find no data.
_LARGEST_SECONDS = 1e11
_STAMP_CACHE_LIMIT = 200_000

ContainerKey = tuple[str, str, str]
_Labels = tuple[tuple[str, str], ...]
_Appenders = tuple[Callable[[int], None], Callable[[float], None]]


class _Series:
    """The samples of one series, in file order (sorted and de-duplicated before use)."""

    __slots__ = ("labels", "times", "values")

    def __init__(self, labels: _Labels) -> None:
        self.labels = labels
        self.times: array[int] = array("q")
        self.values: array[float] = array("d")


@dataclass
class _Collected:
    """The series of the wanted metrics and namespaces, grouped the way the PromQL groups them."""

    cpu: dict[ContainerKey, list[_Series]] = field(default_factory=dict)
    memory: dict[ContainerKey, list[_Series]] = field(default_factory=dict)
    oom: dict[ContainerKey, list[_Series]] = field(default_factory=dict)
    # (namespace, pod, owner kind, owner name, owner is controller) and (namespace, kind, name, owner kind, owner name).
    pod_owners: dict[tuple[str, ...], list[_Series]] = field(default_factory=dict)
    controller_owners: dict[tuple[str, ...], list[_Series]] = field(default_factory=dict)
    gpu: dict[ContainerKey, dict[str, list[_Series]]] = field(default_factory=dict)
    metrics_seen: set[str] = field(default_factory=set)
    newest_ms: int | None = None


class MetricsFileSource:
    """Usage statistics from an OpenMetrics file, with Prometheus' semantics (docs/rightsize.md).

    Attributes:
        path: the ``metrics.om`` file.
        closed_ranges: evaluate ranges as Prometheus 2.x does (``[T - W, T]``) instead of ``(T - W, T]``.
    """

    def __init__(self, path: str | Path, *, closed_ranges: bool = False) -> None:
        candidate = Path(path)
        self.path = candidate / "metrics.om" if candidate.is_dir() else candidate
        self.closed_ranges = closed_ranges
        if not self.path.is_file():
            raise SourceError(
                f"Metrics file {self.path} does not exist.",
                "Pass --prometheus URL for usage, or a snapshot folder that holds metrics.om.",
            )

    def describe(self) -> dict[str, object]:
        """The ``source`` member of a report."""
        return {"type": "metrics-file", "path": str(self.path)}

    def usage(self, namespaces: Sequence[str] | None, query: UsageQuery) -> UsageData:
        """Read the file and reduce its samples to per-container statistics.

        Args:
            namespaces: the namespaces to report, or None for all of them.
            query: window, evaluation time (None: the newest sample in the file), quantiles, rate window and
                subquery step.

        Returns:
            The usage per container, the owners kube-state-metrics recorded, and notes on missing metrics.

        Raises:
            SnapshotFormatError: the file is not valid OpenMetrics text (the message names the line).
        """
        wanted = set(namespaces) if namespaces is not None else None
        collected = _read(self.path, wanted)
        data = UsageData(source=self.describe(), confidence="high")
        if collected.newest_ms is None:
            data.notes.append(f"{self.path} holds no samples: no usage to report.")
            return data
        end_ms = _milliseconds(query.end) if query.end is not None else collected.newest_ms
        data.source["time"] = datetime.fromtimestamp(end_ms / 1000, timezone.utc).isoformat().replace("+00:00", "Z")
        evaluator = Evaluator(
            end_ms=end_ms,
            window_ms=_milliseconds(query.window_seconds),
            step_ms=_milliseconds(query.step_seconds),
            rate_window_ms=_milliseconds(query.rate_window_seconds or 0),
            closed=self.closed_ranges,
        )
        _fill(data, collected, evaluator, query)
        data.notes.extend(_missing_metric_notes(collected, self.path))
        return data


# -- reading -------------------------------------------------------------------------------------------


_METRIC_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SAMPLE = re.compile(
    rf"(?P<series>(?P<name>{_METRIC_NAME})[ \t]*(?:\{{(?P<labels>(?:[^\"}}]|\"(?:[^\"\\]|\\.)*\")*)\}})?)"
    r"[ \t]+(?P<value>\S+)(?:[ \t]+(?P<time>[^\s#]\S*))?(?:[ \t]+#.*)?[ \t]*"
)
_LABEL = re.compile(r"[ \t]*([a-zA-Z_][a-zA-Z0-9_]*)[ \t]*=[ \t]*\"((?:[^\"\\]|\\.)*)\"[ \t]*(?:,|$)")
_ESCAPES = re.compile(r"\\(.)")


def _read(path: Path, namespaces: set[str] | None) -> _Collected:
    """Stream an OpenMetrics file and keep the samples of the series the statistics need.

    Args:
        path: the file.
        namespaces: keep series of these namespaces only (None: all).

    Returns:
        The series, grouped, and the newest timestamp of the whole file (every series counts for it, so the
        evaluation time does not depend on the namespaces asked for).

    Raises:
        SnapshotFormatError: a line is not OpenMetrics text, a timestamp is missing or in milliseconds, or the
            file does not end with ``# EOF`` (a truncated copy).
    """
    collected = _Collected()
    # Raw series text ("name{labels}") -> appenders, or () for series that are not needed. Only the first
    # line of a series is parsed; the next 10,000 lines of it cost a dictionary lookup.
    known: dict[str, _Appenders | tuple[()]] = {}
    identities: dict[tuple[str, _Labels], _Series] = {}
    stamps: dict[str, int] = {}
    newest = -(1 << 62)
    end_seen = 0
    number = 0
    try:
        with open(path, encoding="utf-8") as stream:
            for number, line in enumerate(stream, 1):
                try:
                    head, value_text, time_text = line.rsplit(" ", 2)
                    appenders = known[head]
                except (ValueError, KeyError):  # a comment, # EOF, or the first line of a series
                    sample = _slow_line(line, number, end_seen, collected, known, identities, namespaces)
                    if sample is None:
                        if not end_seen and line.rstrip() == "# EOF":
                            end_seen = number
                            known.clear()  # whatever follows goes through _slow_line, which rejects it
                        continue
                    appenders, value_text, time_text = sample
                milliseconds = stamps.get(time_text)
                if milliseconds is None:
                    milliseconds = _stamp(time_text)
                    if len(stamps) >= _STAMP_CACHE_LIMIT:
                        stamps.clear()  # per-target scrape offsets make many distinct texts; bound the cache
                    stamps[time_text] = milliseconds
                    # Every distinct timestamp text passes here at least once: the newest is among them.
                    if milliseconds > newest:
                        newest = milliseconds
                value = float(value_text)  # checked for series that are not kept, too: promtool reads them all
                if appenders:
                    appenders[0](milliseconds)
                    appenders[1](value)
    except UnicodeDecodeError as error:
        raise SnapshotFormatError(
            f"Metrics file {path}, line {_undecodable_line(path)}: not UTF-8 text ({error.reason}).",
            "Re-export the file as OpenMetrics text (UTF-8).",
        ) from error
    except ValueError as error:
        raise SnapshotFormatError(
            f"Metrics file {path}, line {number}: {_reason(error)}.",
            'Fix or re-export the file: OpenMetrics text, `name{label="value"} value timestamp` with the '
            "timestamp in Unix seconds, ending with `# EOF`.",
        ) from error
    except OSError as error:
        raise SourceError(f"Cannot read metrics file {path}: {error.strerror or error}.", None) from error
    if number and not end_seen:
        raise SnapshotFormatError(
            f"Metrics file {path}, line {number}: the file ends without `# EOF` (truncated?).",
            "Re-copy or re-export the file; OpenMetrics text ends with a `# EOF` line.",
        )
    if newest > -(1 << 62):
        collected.newest_ms = newest
    return collected


def _undecodable_line(path: Path) -> int:
    """The number of the first line that is not UTF-8 (text mode decodes ahead, in blocks, so it cannot say)."""
    with open(path, "rb") as stream:
        for number, raw in enumerate(stream, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 0


def _reason(error: ValueError) -> str:
    """A readable cause for a ValueError raised while reading a line."""
    text = str(error)
    prefix = "could not convert string to float: "
    if text.startswith(prefix):
        return f"the value {text[len(prefix) :].strip()} is not a number"
    return text


def _stamp(text: str) -> int:
    """Milliseconds from a timestamp in seconds, as the OpenMetrics parser computes them (truncated)."""
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError(f"the timestamp {text.strip()!r} is not a number") from None
    if not math.isfinite(seconds):
        raise ValueError(f"the timestamp {text.strip()!r} is not a finite number")
    if abs(seconds) >= _LARGEST_SECONDS:
        raise ValueError(f"the timestamp {text.strip()} looks like milliseconds; OpenMetrics timestamps are seconds")
    return int(seconds * 1000.0)


def _slow_line(
    line: str,
    number: int,
    end_seen: int,
    collected: _Collected,
    known: dict[str, _Appenders | tuple[()]],
    identities: dict[tuple[str, _Labels], _Series],
    namespaces: set[str] | None,
) -> tuple[_Appenders | tuple[()], str, str] | None:
    """A line the fast path does not know: a comment, ``# EOF``, or the first sample of a series.

    Returns:
        None for a line without a sample; else the series' appenders (``()`` when it is not needed), the value
        text and the timestamp text.
    """
    text = line.rstrip("\r\n")
    if end_seen:
        if text.strip():
            raise ValueError(f"content after `# EOF` (line {end_seen})")
        return None
    if not text.strip() or text.startswith("#"):
        return None  # blank lines, # TYPE / # HELP / # UNIT / # EOF and plain comments
    match = _SAMPLE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a sample line: {text[:120]!r}")
    if match.group("time") is None:
        raise ValueError("the sample has no timestamp (a metrics history needs one on every sample)")
    name = match.group("name")
    labels = _parse_labels(match.group("labels") or "")
    appenders: _Appenders | tuple[()] = ()
    series = _classify(name, labels, namespaces, collected)
    if series is not None:
        identity = (name, tuple(sorted(labels.items())))
        existing = identities.get(identity)
        if existing is None:
            existing = identities[identity] = _Series((("__name__", name), *identity[1]))
            series.append(existing)
        appenders = (existing.times.append, existing.values.append)
    head, value, time = match.group("series"), match.group("value"), match.group("time")
    parts = line.rsplit(" ", 2)
    if len(parts) == 3 and parts[0] == head and parts[1] == value and parts[2].strip() == time:
        known[head] = appenders  # the fast path splits this series' next lines exactly so
    return appenders, value, time


def _parse_labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    position = 0
    text = text.rstrip().rstrip(",") if text.rstrip().endswith(",") else text
    while position < len(text):
        match = _LABEL.match(text, position)
        if match is None:
            raise ValueError(f"malformed labels at {text[position : position + 60]!r}")
        labels[match.group(1)] = _ESCAPES.sub(_unescape, match.group(2))
        position = match.end()
    return labels


def _unescape(match: re.Match[str]) -> str:
    character = match.group(1)
    return "\n" if character == "n" else character


def _classify(
    name: str, labels: dict[str, str], namespaces: set[str] | None, collected: _Collected
) -> list[_Series] | None:
    """The group a new series belongs to (the ``by`` labels of its query), or None when it is not needed."""
    if name in (CPU_METRIC, MEMORY_METRIC):
        collected.metrics_seen.add(name)
        container = labels.get("container", "")
        namespace, pod = labels.get("namespace", ""), labels.get("pod", "")
        # container="" is the pod's cgroup and "POD" the pause container: both would double-count.
        if container in ("", "POD") or not pod or not _wanted(namespace, namespaces):
            return None
        table = collected.cpu if name == CPU_METRIC else collected.memory
        return table.setdefault((namespace, pod, container), [])
    if name == TERMINATED_REASON_METRIC:
        collected.metrics_seen.add(name)
        namespace = labels.get("namespace", "")
        if labels.get("reason") != "OOMKilled" or not _wanted(namespace, namespaces):
            return None
        key = (namespace, labels.get("pod", ""), labels.get("container", ""))
        return collected.oom.setdefault(key, [])
    if name == POD_OWNER_METRIC:
        collected.metrics_seen.add(name)
        namespace = labels.get("namespace", "")
        if not _wanted(namespace, namespaces):
            return None
        pod_key = (
            namespace,
            labels.get("pod", ""),
            labels.get("owner_kind", ""),
            labels.get("owner_name", ""),
            labels.get("owner_is_controller", ""),
        )
        return collected.pod_owners.setdefault(pod_key, [])
    if name in (REPLICASET_OWNER_METRIC, JOB_OWNER_METRIC):
        collected.metrics_seen.add(name)
        namespace = labels.get("namespace", "")
        if not _wanted(namespace, namespaces):
            return None
        kind, label = ("ReplicaSet", "replicaset") if name == REPLICASET_OWNER_METRIC else ("Job", "job_name")
        owner_key = (namespace, kind, labels.get(label, ""), labels.get("owner_kind", ""), labels.get("owner_name", ""))
        return collected.controller_owners.setdefault(owner_key, [])
    if name in (GPU_UTILIZATION_METRIC, GPU_MEMORY_USED_METRIC, GPU_MEMORY_FREE_METRIC):
        collected.metrics_seen.add(name)
        container_key = gpu_container(labels)
        if container_key is None or not _wanted(container_key[0], namespaces):
            return None
        return collected.gpu.setdefault(container_key, {}).setdefault(name, [])
    return None


def _wanted(namespace: str, namespaces: set[str] | None) -> bool:
    return bool(namespace) and (namespaces is None or namespace in namespaces)


def gpu_container(labels: dict[str, str]) -> ContainerKey | None:
    """The (namespace, pod, container) a dcgm-exporter series belongs to, under any of its label sets.

    ``exported_*`` first, then ``pod_namespace``/``pod_name``/``container_name``, then the plain labels, but
    not on a series that carries either of the other sets' namespace label nor on the exporter's own container
    (a GPU no pod holds, which the scrape labelled with the exporter pod's target labels).

    Args:
        labels: the series' labels.

    Returns:
        The container, or None for a GPU that no container used.
    """
    for namespace_label, pod_label, container_label in GPU_LABEL_SETS:
        pod = labels.get(pod_label)
        if not pod:
            continue
        if pod_label == "pod" and (
            labels.get("exported_namespace")
            or labels.get("pod_namespace")
            or "dcgm-exporter" in labels.get("container", "")
        ):
            return None
        container = labels.get(container_label, "")
        return (labels.get(namespace_label, ""), pod, container) if container else None
    return None


# -- PromQL arithmetic ---------------------------------------------------------------------------------


def _milliseconds(seconds: float) -> int:
    """Seconds to whole milliseconds as Prometheus parses ``time=`` and durations (rounded to the ms)."""
    whole = math.trunc(seconds)
    fraction = seconds - whole
    return int(whole) * 1000 + int(math.copysign(math.floor(abs(fraction) * 1000 + 0.5), fraction))


def quantile(q: float, ordered: Sequence[float]) -> float:
    """PromQL's ``quantile``: linear interpolation between the ranks around ``q * (n - 1)``.

    Args:
        q: the quantile, 0 to 1 (below 0 is -Inf, above 1 is +Inf, as in PromQL).
        ordered: the values, sorted ascending (NaN first, as Prometheus sorts them).

    Returns:
        The quantile, NaN for no values.
    """
    count = len(ordered)
    if count == 0:
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    rank = q * (count - 1)
    lower = max(0, math.floor(rank))
    upper = min(count - 1, lower + 1)
    weight = rank - math.floor(rank)
    return ordered[lower] * (1 - weight) + ordered[upper] * weight


def sorted_like_prometheus(values: Iterable[float]) -> list[float]:
    """Values sorted ascending with NaN first, the order Prometheus' quantile sorts them in."""
    ordered = sorted(values)
    total = sum(ordered)  # NaN when a NaN (or +Inf and -Inf) is present: only then is the order in doubt
    if total != total:
        nans = [value for value in ordered if value != value]  # NaN is the only value unequal to itself
        ordered = nans + sorted(value for value in ordered if value == value)
    return ordered


def _maximum(values: Sequence[float]) -> float:
    """``max_over_time`` and ``max by``: the largest value, NaN only when every value is NaN.

    Prometheus keeps the first value and replaces it by a larger one or when it is NaN; Python's ``max`` does
    the same unless the first value is NaN, the one case left to the loop.
    """
    if not values:
        return math.nan
    top = max(values)
    if top == top:
        return top
    return max((value for value in values if value == value), default=math.nan)


def extrapolated_rate(
    times: Sequence[int],
    values: Sequence[float],
    first: int,
    stop: int,
    range_start_ms: int,
    range_end_ms: int,
    range_seconds: float,
) -> float:
    """Prometheus' ``rate()`` of the samples ``first..stop-1`` in a range (``extrapolatedRate``).

    Args:
        times: sample times in milliseconds, ascending.
        values: the counter's values.
        first: index of the first sample in the range.
        stop: index after the last sample in the range (at least two samples).
        range_start_ms: the range's start (evaluation time minus the range).
        range_end_ms: the evaluation time.
        range_seconds: the range in seconds (the divisor of a rate).

    Returns:
        The per-second rate, with counter resets added back and Prometheus' extrapolation.
    """
    increase = _increase(values, first, stop)
    return _extrapolate(
        increase,
        values[first],
        times[first],
        times[stop - 1],
        stop - first,
        range_start_ms,
        range_end_ms,
        range_seconds,
    )


def _increase(values: Sequence[float], first: int, stop: int) -> float:
    """The counter's increase over samples ``first..stop-1``: last - first, plus the value before each reset."""
    previous = values[first]
    result = values[stop - 1] - previous
    for index in range(first + 1, stop):
        current = values[index]
        if current < previous:
            result += previous
        previous = current
    return result


def _extrapolate(
    result: float,
    first_value: float,
    first_ms: int,
    last_ms: int,
    count: int,
    range_start_ms: int,
    range_end_ms: int,
    range_seconds: float,
) -> float:
    # Operation for operation as promql/functions.go (2.4x): the same float64 steps give the same bits.
    duration_to_start = (first_ms - range_start_ms) / 1000
    duration_to_end = (range_end_ms - last_ms) / 1000
    sampled_interval = (last_ms - first_ms) / 1000
    average_interval = sampled_interval / (count - 1)
    if result > 0 and first_value >= 0:
        # A counter cannot go below zero: do not extrapolate past the point where it would reach it.
        duration_to_zero = sampled_interval * (first_value / result)
        if duration_to_zero < duration_to_start:
            duration_to_start = duration_to_zero
    threshold = average_interval * 1.1
    extrapolate_to = sampled_interval
    if duration_to_start < threshold:
        extrapolate_to += duration_to_start
    else:
        extrapolate_to += average_interval / 2
    if duration_to_end < threshold:
        extrapolate_to += duration_to_end
    else:
        extrapolate_to += average_interval / 2
    factor = extrapolate_to / sampled_interval
    factor /= range_seconds
    return result * factor


def _factor(
    to_start_ms: int, to_end_ms: int, sampled_ms: int, count: int, range_seconds: float
) -> tuple[float, float, float]:
    """:func:`_extrapolate`'s factor for one layout of samples in a range, without the zero-point limit.

    Returns:
        The seconds from the range's start to the first sample, the sampled interval, and the factor, computed by
        the same operations as :func:`_extrapolate`, so ``increase * factor`` is the same float.
    """
    to_start = to_start_ms / 1000
    to_end = to_end_ms / 1000
    sampled = sampled_ms / 1000
    average = sampled / (count - 1)
    threshold = average * 1.1
    extrapolated = sampled
    extrapolated += to_start if to_start < threshold else average / 2
    extrapolated += to_end if to_end < threshold else average / 2
    factor = extrapolated / sampled
    factor /= range_seconds
    return to_start, sampled, factor


def _duration_seconds(milliseconds: int) -> float:
    """Go's ``time.Duration.Seconds()`` for a whole number of milliseconds."""
    seconds, remainder = divmod(milliseconds, 1000)
    return seconds + (remainder * 1_000_000) / 1e9


@dataclass(frozen=True)
class Evaluator:
    """Evaluates the statistics of docs/rightsize.md at one time, over one window.

    Attributes:
        end_ms: the evaluation time T, Unix milliseconds.
        window_ms: the window W.
        step_ms: the subquery step S.
        rate_window_ms: the CPU rate window R.
        closed: ranges include their start (Prometheus 2.x) instead of excluding it.
    """

    end_ms: int
    window_ms: int
    step_ms: int
    rate_window_ms: int
    closed: bool = False

    @property
    def start_ms(self) -> int:
        """T - W."""
        return self.end_ms - self.window_ms

    def steps(self) -> range:
        """The subquery's evaluation times: multiples of the step since the epoch inside the window."""
        start = self.start_ms
        first = (start // self.step_ms) * self.step_ms
        if first < start or (first == start and not self.closed):
            first += self.step_ms
        return range(first, self.end_ms + 1, self.step_ms)

    def window(self, times: Sequence[int]) -> tuple[int, int]:
        """The index range of the samples of a ``[W]`` range at T."""
        low = bisect_left(times, self.start_ms) if self.closed else bisect_right(times, self.start_ms)
        return low, bisect_right(times, self.end_ms)

    def rates(self, times: Sequence[int], values: Sequence[float]) -> list[float | None]:
        """``rate(series[R])`` at every subquery step (None where the range holds fewer than two samples)."""
        steps = self.steps()
        result: list[float | None] = [None] * len(steps)
        count = len(times)
        if count < 2:
            return result
        range_ms = self.rate_window_ms
        range_seconds = _duration_seconds(range_ms)
        resets = [index for index, dropped in enumerate(map(lt, values[1:], values[:-1]), 1) if dropped]
        # Steps before the second sample or long after the last hold fewer than two samples: skip them.
        first_step = max(0, -(-(times[1] - steps.start) // steps.step))
        last_step = min(len(steps), (times[-1] + range_ms - steps.start) // steps.step + 1)
        find_low = bisect_left if self.closed else bisect_right
        step_start, step = steps.start, steps.step
        resets_count = len(resets)
        factors: dict[tuple[int, int, int, int], tuple[float, float, float]] = {}
        low = high = 0
        for position in range(first_step, last_step):
            end = step_start + position * step
            start = end - range_ms
            low = find_low(times, start, low)
            high = bisect_right(times, end, high)
            count = high - low
            if count < 2:
                continue
            first_value = values[low]
            if resets_count:
                reset = bisect_right(resets, low)
                if reset < resets_count and resets[reset] < high:
                    increase = _increase(values, low, high)
                else:
                    increase = values[high - 1] - first_value
            else:
                increase = values[high - 1] - first_value
            # The extrapolation factor depends only on where the samples sit in the range: regular scrapes repeat
            # a few layouts, so it is computed once per layout (by _extrapolate's operations, in its order).
            first_ms, last_ms = times[low], times[high - 1]
            layout = (first_ms - start, end - last_ms, last_ms - first_ms, count)
            known = factors.get(layout)
            if known is None:
                known = factors[layout] = _factor(*layout, range_seconds)
            to_start, sampled, factor = known
            if increase > 0 and first_value >= 0 and sampled * (first_value / increase) < to_start:
                # Extrapolating to the range's start would take the counter below zero: the exact, rarer path.
                result[position] = _extrapolate(
                    increase, first_value, first_ms, last_ms, count, start, end, range_seconds
                )
            else:
                result[position] = increase * factor
        return result

    def cpu(self, group: list[_Series], request_quantile: float, limit_quantile: float) -> Stats | None:
        """Per series ``quantile_over_time(q, rate(cpu[R])[W:S])`` and ``max_over_time``, then ``max by``.

        As the Prometheus source queries it, and as for memory: the statistics of each of a container's series,
        then the highest. docs/rightsize.md writes ``sum by`` inside the subquery; a sum counts a container
        scraped by two jobs twice, and aggregating inside the subquery runs at every step (4x slower).
        """
        requests: list[float] = []
        limits: list[float] = []
        maxima: list[float] = []
        for series in sorted(group, key=lambda item: item.labels):  # the order of Prometheus' series
            present = sorted_like_prometheus(
                rate for rate in self.rates(series.times, series.values) if rate is not None
            )
            if not present:
                continue
            requests.append(quantile(request_quantile, present))
            limits.append(quantile(limit_quantile, present))
            maxima.append(present[-1] if present[-1] == present[-1] else math.nan)
        if not requests:
            return None
        return Stats(request=_maximum(requests), limit=_maximum(limits), max=_maximum(maxima))

    def memory(
        self, group: list[_Series], request_quantile: float, limit_quantile: float
    ) -> tuple[Stats | None, int, float]:
        """Per-series ``quantile_over_time``/``max_over_time`` over raw samples, then ``max by``.

        Returns:
            The statistics (None without samples in the window), the sample count (``max by`` of
            ``count_over_time``) and the history (:meth:`history`).
        """
        requests: list[float] = []
        limits: list[float] = []
        maxima: list[float] = []
        samples = 0
        for series in sorted(group, key=lambda item: item.labels):
            low, high = self.window(series.times)
            if high <= low:
                continue
            ordered = sorted_like_prometheus(series.values[low:high])
            requests.append(quantile(request_quantile, ordered))
            limits.append(quantile(limit_quantile, ordered))
            maxima.append(ordered[-1] if ordered[-1] == ordered[-1] else math.nan)
            samples = max(samples, high - low)
        if not requests:
            return None, 0, 0.0
        stats = Stats(request=_maximum(requests), limit=_maximum(limits), max=_maximum(maxima))
        return stats, samples, self.history(group)

    def history(self, group: list[_Series]) -> float:
        """How long the container was seen, measured in steps of H, as the Prometheus source measures it.

        H is the subquery step, at least ``HISTORY_STEP`` (5 minutes). The history runs from the first to the
        last multiple of H in the window whose ``[H]`` range holds a sample of one of the series: ``min_over_time``
        and ``max_over_time`` of ``timestamp(count_over_time(memory[H]))`` over ``[W:H]``. That is the time
        between the first and the last sample to within H (``timestamp()`` of the samples themselves, in a
        subquery, costs Prometheus a CPU subquery's time again at every step).
        """
        step = max(self.step_ms, _milliseconds(HISTORY_STEP))
        steps = replace(self, step_ms=step).steps()
        if not steps:
            return 0.0
        first_step, last_step = steps[0], steps[-1]
        first: int | None = None
        last: int | None = None
        for series in group:
            times = series.times
            # The earliest step that sees a sample: the first step itself sees back to first_step - H.
            index = bisect_left(times, first_step - step) if self.closed else bisect_right(times, first_step - step)
            if index < len(times) and times[index] <= last_step:
                seen = max(first_step, -(-times[index] // step) * step)
                first = seen if first is None else min(first, seen)
            # The latest step that sees a sample: the one that follows the last sample up to the last step (with
            # closed ranges, a sample on a step is also seen from the next one).
            index = bisect_right(times, last_step) - 1
            if index >= 0:
                moment = times[index]
                following = -(-moment // step) * step
                if self.closed and moment % step == 0:
                    following += step
                seen = min(following, last_step)
                if seen >= first_step:
                    last = seen if last is None else max(last, seen)
        if first is None or last is None:
            return 0.0
        return max(last - first, 0) / 1000

    def maximum(self, group: list[_Series]) -> float | None:
        """``max by (...) (max_over_time(series[W]))``, None when no series has a sample in the window."""
        maxima = []
        for series in group:
            low, high = self.window(series.times)
            if high > low:
                maxima.append(_maximum(series.values[low:high]))
        return _maximum(maxima) if maxima else None

    def last(self, series: _Series) -> float | None:
        """``last_over_time(series[W])``: the newest sample in the window."""
        low, high = self.window(series.times)
        return series.values[high - 1] if high > low else None

    def gpu(self, metrics: dict[str, list[_Series]]) -> GpuUsage | None:
        """DCGM figures of one container, per GPU first (``max by`` over a GPU's duplicate series), then combined.

        Per GPU (its ``gpu`` and ``UUID`` labels): the P50 and max of ``DCGM_FI_DEV_GPU_UTIL``, the max of
        ``DCGM_FI_DEV_FB_USED`` and the card size, ``last_over_time`` of FB_USED + FB_FREE of the same series.
        Across the container's GPUs: the mean of the P50s, the highest max, the fullest and the largest card.
        """
        medians: dict[str, float] = {}
        peaks: dict[str, float] = {}
        used: dict[str, float] = {}
        totals: dict[str, float] = {}
        for series in metrics.get(GPU_UTILIZATION_METRIC, []):
            low, high = self.window(series.times)
            if high > low:
                ordered = sorted_like_prometheus(series.values[low:high])
                _keep_max(medians, series.labels, quantile(0.5, ordered))
                _keep_max(peaks, series.labels, ordered[-1] if ordered[-1] == ordered[-1] else math.nan)
        if not medians:
            return None
        for series in metrics.get(GPU_MEMORY_USED_METRIC, []):
            highest = self.maximum([series])
            if highest is not None:
                _keep_max(used, series.labels, highest)
        free_series = {_without_name(series.labels): series for series in metrics.get(GPU_MEMORY_FREE_METRIC, [])}
        for series in metrics.get(GPU_MEMORY_USED_METRIC, []):
            free = free_series.get(_without_name(series.labels))
            last_used, last_free = self.last(series), self.last(free) if free is not None else None
            if last_used is not None and last_free is not None:
                _keep_max(totals, series.labels, last_used + last_free)
        return GpuUsage(
            utilization_p50=fmean(medians.values()),
            utilization_max=max(peaks.values(), default=0.0),
            memory_used_max=max(used.values(), default=0.0) * _MEBIBYTE,
            memory_total=max(totals.values()) * _MEBIBYTE if totals else None,
            gpus=len(set(medians) | set(peaks) | set(used)),
        )


def _gpu_id(labels: _Labels) -> str:
    """A GPU's identity within a container: its UUID, else its index."""
    found = dict(labels)
    return found.get("UUID") or found.get("gpu", "")


def _keep_max(table: dict[str, float], labels: _Labels, value: float) -> None:
    """``max by (gpu, UUID)``: the largest value of a GPU's series (NaN replaced, as PromQL's max does)."""
    key = _gpu_id(labels)
    current = table.get(key)
    if current is None or value > current or current != current:
        table[key] = value


def _without_name(labels: _Labels) -> _Labels:
    return tuple(pair for pair in labels if pair[0] != "__name__")


def default_rate_window_ms(spans: Iterable[tuple[int, float]]) -> int:
    """The CPU rate window when none is asked for: 4x the scrape interval, at least 5 minutes (DESIGN §5).

    The scrape interval is the median over containers of history / (samples - 1), rounded to whole seconds,
    as the Prometheus source measures it (60 s without data), so both choose the same window.

    Args:
        spans: (samples, history seconds) of each container's memory series.

    Returns:
        The window in milliseconds.
    """
    intervals = [history / (samples - 1) for samples, history in spans if samples >= 2 and history > 0]
    interval = float(max(round(median(intervals)), 1)) if intervals else _DEFAULT_SCRAPE_INTERVAL
    return max(math.ceil(4 * interval), _MINIMUM_RATE_WINDOW_MS // 1000) * 1000


# -- assembling UsageData --------------------------------------------------------------------------------


def _prepare(series: _Series) -> None:
    """Sort a series by time if the file did not, keeping the first sample of a repeated timestamp."""
    times = series.times
    if all(map(lt, times[:-1], times[1:])):
        return
    pairs: dict[int, float] = {}
    for moment, value in zip(times, series.values, strict=True):
        pairs.setdefault(moment, value)
    ordered = sorted(pairs)
    series.times = array("q", ordered)
    series.values = array("d", (pairs[moment] for moment in ordered))


def _fill(data: UsageData, collected: _Collected, evaluator: Evaluator, query: UsageQuery) -> None:
    for groups in (collected.cpu, collected.memory, collected.oom, collected.pod_owners, collected.controller_owners):
        for group in groups.values():
            for series in group:
                _prepare(series)
    for gpu_metrics in collected.gpu.values():
        for group in gpu_metrics.values():
            for series in group:
                _prepare(series)
    keys = sorted(set(collected.cpu) | set(collected.memory) | set(collected.gpu))
    memory = {
        key: evaluator.memory(collected.memory.get(key, []), query.request_quantile, query.limit_quantile)
        for key in keys
    }
    if query.rate_window_seconds is None:
        spans = ((samples, history) for _stats, samples, history in memory.values())
        evaluator = replace(evaluator, rate_window_ms=default_rate_window_ms(spans))
    for key in keys:
        cpu = evaluator.cpu(collected.cpu.get(key, []), query.request_quantile, query.limit_quantile)
        memory_stats, samples, history = memory[key]
        gpu = evaluator.gpu(collected.gpu[key]) if key in collected.gpu else None
        if cpu is None and memory_stats is None and gpu is None:
            continue  # every sample lies outside the window
        oom = evaluator.maximum(collected.oom.get(key, []))
        data.containers[key] = ContainerUsage(
            namespace=key[0],
            pod=key[1],
            container=key[2],
            cpu=cpu,
            memory=memory_stats,
            samples=samples,
            history_seconds=history,
            oom_killed=oom is not None and oom > 0,
            gpu=gpu,
        )
    data.pod_owners.update(_pod_owners(evaluator, collected.pod_owners))
    data.controller_owners.update(_controller_owners(evaluator, collected.controller_owners))


def _pod_owners(
    evaluator: Evaluator, table: dict[tuple[str, ...], list[_Series]]
) -> dict[tuple[str, str], tuple[str, str]]:
    """Each pod's owner from ``kube_pod_owner`` series with a sample in the window, pods that are gone included.

    kube-state-metrics writes one series per ownerReference, and ``<none>`` for a bare pod: the controller
    wins, then any real owner, then ``<none>`` (kept: it says the pod had no owner). Ties go to the first in
    name order.
    """
    ranked: dict[tuple[str, str], tuple[int, str, str]] = {}
    for key in sorted(table):
        namespace, pod, kind, name, controller = key
        if evaluator.maximum(table[key]) is None:
            continue
        rank = 2 if controller == "true" else int(kind not in ("", "<none>"))
        if (namespace, pod) not in ranked or rank > ranked[(namespace, pod)][0]:
            ranked[(namespace, pod)] = (rank, kind, name)
    return {subject: (kind, name) for subject, (_rank, kind, name) in ranked.items()}


def _controller_owners(
    evaluator: Evaluator, table: dict[tuple[str, ...], list[_Series]]
) -> dict[tuple[str, str, str], tuple[str, str]]:
    """ReplicaSet and Job owners (``kube_replicaset_owner``, ``kube_job_owner``) with a sample in the window."""
    owners: dict[tuple[str, str, str], tuple[str, str]] = {}
    for key in sorted(table):
        namespace, kind, name, owner_kind, owner_name = key
        if owner_kind in ("", "<none>") or evaluator.maximum(table[key]) is None:
            continue
        owners.setdefault((namespace, kind, name), (owner_kind, owner_name))
    return owners


def _missing_metric_notes(collected: _Collected, path: Path) -> list[str]:
    notes = []
    if CPU_METRIC not in collected.metrics_seen:
        notes.append(f"{path.name} has no {CPU_METRIC} (cAdvisor): no CPU usage.")
    if MEMORY_METRIC not in collected.metrics_seen:
        notes.append(f"{path.name} has no {MEMORY_METRIC} (cAdvisor): no memory usage.")
    if POD_OWNER_METRIC not in collected.metrics_seen:
        notes.append(
            f"{path.name} has no {POD_OWNER_METRIC} (kube-state-metrics): pods that no longer exist cannot be "
            "mapped to their workloads."
        )
    return notes
