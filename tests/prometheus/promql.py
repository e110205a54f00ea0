"""PromQL's arithmetic, written out from Prometheus' own rules, to compute expected numbers independently.

The tests compare what the source gets from a real Prometheus with these numbers, computed from the generated
samples in Python: ``quantile_over_time`` (promql/quantile.go: rank = q x (n - 1), linear between neighbours),
``rate`` (promql/functions.go ``extrapolatedRate``: counter resets added back, extrapolation to the range
edges, at most half an average interval beyond the first/last sample, never below zero), and subquery steps
(multiples of the step since the epoch inside ``[T - W, T]``). The generated samples never sit on a range
edge, so the closed ranges of Prometheus 2.x and the left-open ranges of 3.x select the same samples.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tests.support.prometheus import History, Series

CPU = "container_cpu_usage_seconds_total"
MEMORY = "container_memory_working_set_bytes"


def quantile(q: float, values: Sequence[float]) -> float:
    """``quantile_over_time`` of a list of values."""
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    lower = max(0, math.floor(rank))
    upper = min(len(ordered) - 1, lower + 1)
    weight = rank - math.floor(rank)
    return ordered[lower] * (1 - weight) + ordered[upper] * weight


def rate(samples: Sequence[tuple[int, float]], range_start: float, range_end: float) -> float | None:
    """``rate()`` of a counter's samples inside ``[range_start, range_end]``; None with fewer than two."""
    if len(samples) < 2:
        return None
    first_time, first_value = samples[0]
    last_time, last_value = samples[-1]
    result = last_value - first_value
    previous = 0.0
    for _moment, value in samples:
        if value < previous:
            result += previous
        previous = value
    to_start = first_time - range_start
    to_end = range_end - last_time
    sampled = last_time - first_time
    average = sampled / (len(samples) - 1)
    if result > 0 and first_value >= 0:
        to_zero = sampled * (first_value / result)
        if to_zero < to_start:
            to_start = to_zero
    threshold = average * 1.1
    interval = sampled
    interval += to_start if to_start < threshold else average / 2
    interval += to_end if to_end < threshold else average / 2
    return result * (interval / sampled) / (range_end - range_start)


def steps(end: float, window: float, step: float) -> list[float]:
    """A subquery's evaluation times: multiples of ``step`` in ``[end - window, end]``."""
    first = math.ceil((end - window) / step) * step
    return [first + index * step for index in range(int((end - first) // step) + 1)]


@dataclass(frozen=True)
class Expected:
    """The statistics of one resource of one container, as docs/rightsize.md defines them."""

    request: float
    limit: float
    max: float


def container_series(history: History, name: str, namespace: str, pod: str, container: str) -> list[Series]:
    """Every series of a container (duplicates under other jobs included)."""
    return [
        item for item in history.find(name, namespace=namespace, pod=pod) if item.labels.get("container") == container
    ]


def cpu(
    history: History,
    key: tuple[str, str, str],
    *,
    end: float,
    window: float,
    rate_window: float,
    request: float = 0.5,
    limit: float = 0.99,
    step: float = 60,
) -> Expected:
    """``quantile_over_time(q, rate(cpu[R])[W:S])`` and its max per series, then the max over the series."""
    per_series = []
    for item in container_series(history, CPU, *key):
        values = []
        for moment in steps(end, window, step):
            value = rate(item.samples(moment - rate_window, moment), moment - rate_window, moment)
            if value is not None:
                values.append(value)
        if values:
            per_series.append(values)
    return Expected(
        max(quantile(request, values) for values in per_series),
        max(quantile(limit, values) for values in per_series),
        max(max(values) for values in per_series),
    )


@dataclass(frozen=True)
class ExpectedMemory:
    """Memory statistics plus the sample count and history of a container.

    Attributes:
        stats: request, limit and max.
        samples: raw samples in the window.
        span: time between the first and the last sample in the window.
        history: the same measured in steps (see :func:`stepped_history`).
    """

    stats: Expected
    samples: int
    span: float
    history: float


def stepped_history(series: Sequence[Series], *, end: float, window: float, step: float) -> float:
    """From the first to the last step (multiples of ``step`` in the window) with a sample in the step before it.

    ``max_over_time(timestamp(count_over_time(m[H]))[W:H]) - min_over_time(...)`` over a container's series.
    """
    present = [
        moment for moment in steps(end, window, step) if any(item.samples(moment - step, moment) for item in series)
    ]
    return present[-1] - present[0] if present else 0.0


def memory(
    history: History,
    key: tuple[str, str, str],
    *,
    end: float,
    window: float,
    request: float = 0.5,
    limit: float = 0.99,
    history_step: float = 300,
) -> ExpectedMemory:
    """Per-series quantiles, max and count of raw samples in the window, then the max over duplicate series."""
    series = container_series(history, MEMORY, *key)
    per_series = [item.samples(end - window, end) for item in series]
    per_series = [samples for samples in per_series if samples]
    values = [[value for _moment, value in samples] for samples in per_series]
    return ExpectedMemory(
        Expected(
            max(quantile(request, items) for items in values),
            max(quantile(limit, items) for items in values),
            max(max(items) for items in values),
        ),
        max(len(items) for items in values),
        max(samples[-1][0] for samples in per_series) - min(samples[0][0] for samples in per_series),
        stepped_history(series, end=end, window=window, step=history_step),
    )
