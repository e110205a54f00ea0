"""Write small OpenMetrics files for the metrics-file tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

Samples = Sequence[tuple[float, float]]


def series_line(name: str, labels: Mapping[str, str], value: float | str, seconds: float | str) -> str:
    body = ",".join(f'{key}="{text}"' for key, text in labels.items())
    return f"{name}{{{body}}} {value} {seconds}"


def write_om(folder: Path, families: Iterable[tuple[str, Mapping[str, str], Samples]], *, eof: bool = True) -> Path:
    """One ``metrics.om`` in ``folder``: each (name, labels, [(seconds, value), ...]) as a series."""
    lines: list[str] = []
    for name, labels, samples in families:
        lines.extend(series_line(name, labels, _number(value), _number(seconds)) for seconds, value in samples)
    if eof:
        lines.append("# EOF")
    path = folder / "metrics.om"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def cadvisor(namespace: str, pod: str, container: str, **extra: str) -> dict[str, str]:
    return {"namespace": namespace, "pod": pod, "container": container, "job": "kubelet", **extra}


def every(start: float, step: float, values: Sequence[float]) -> list[tuple[float, float]]:
    """Samples at start, start + step, ... with the given values."""
    return [(start + index * step, value) for index, value in enumerate(values)]
