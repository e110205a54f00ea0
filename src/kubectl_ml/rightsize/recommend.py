"""Usage statistics -> recommended requests and limits, per workload container.

The rule (DESIGN §5): request = the request quantile of usage, limit = the limit quantile x (1 + margin);
computed per pod first, then the maximum over the workload's pods (so one busy replica is not averaged
away); CPU rounded up to whole millicores, memory up to whole MiB. Two safety rules come after: a memory
limit is never below the highest memory sample seen (that limit would have OOM-killed it), and a
container OOM-killed in the window gets a limit above the one it hit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubectl_ml.model.quantity import try_parse_quantity
from kubectl_ml.model.usage import ContainerUsage, Stats
from kubectl_ml.rightsize.settings import RightsizeSettings
from kubectl_ml.rightsize.workloads import Workload

MIB = 1024 * 1024
# Below these, a figure is noise, not a request (and a 0 request means "none" to the scheduler).
MIN_CPU_CORES = 0.001
MIN_MEMORY_BYTES = 4 * MIB
# A GPU this busy at its busiest is doing nothing useful.
IDLE_GPU_UTILIZATION = 5.0


def millicores(cores: float) -> str:
    """Cores rounded up to whole millicores: ``"412m"``."""
    return f"{max(1, math.ceil(round(cores * 1000, 6)))}m"


def mebibytes(num_bytes: float) -> str:
    """Bytes rounded up to whole MiB: ``"1536Mi"``."""
    return f"{max(1, math.ceil(round(num_bytes / MIB, 6)))}Mi"


def history_length(seconds: float) -> str:
    """``6d23h``, ``5h``, ``12m``: how people say a history length."""
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h"
    return f"{rest // 60}m"


@dataclass(frozen=True)
class Recommendation:
    """One workload container's current and recommended resources, and the usage behind them.

    ``current``/``recommended`` have the DESIGN §5 shape ``{"requests": {"cpu", "memory"}, "limits": {...}}``
    with quantity strings (None when unset); ``usage`` has ``cpu``/``memory`` with ``p50``, ``p99`` (the
    request and limit quantiles) and ``max``, in cores and bytes.
    """

    namespace: str
    workload: Workload
    container: str
    current: dict[str, dict[str, str | None]]
    recommended: dict[str, dict[str, str | None]]
    usage: dict[str, Any]
    samples: int
    history_seconds: float
    pods: int
    notes: list[str] = field(default_factory=list)
    gpu: dict[str, Any] | None = None
    init: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of DESIGN §5."""
        document: dict[str, Any] = {
            "namespace": self.namespace,
            "workload": {
                "kind": self.workload.kind,
                "name": self.workload.name,
                **({"role": self.workload.role} if self.workload.role else {}),
            },
            "container": self.container,
            "current": self.current,
            "recommended": self.recommended,
            "usage": self.usage,
            "samples": self.samples,
            "history": history_length(self.history_seconds),
            "notes": list(self.notes),
        }
        if self.gpu is not None:
            document["gpu"] = self.gpu
        return document


def current_resources(container_spec: Mapping[str, Any] | None) -> dict[str, dict[str, str | None]]:
    """The container's requests and limits for cpu and memory, as written in the spec."""
    resources = (container_spec or {}).get("resources") or {}
    return {
        section: {
            name: (str(value) if (value := (resources.get(section) or {}).get(name)) is not None else None)
            for name in ("cpu", "memory")
        }
        for section in ("requests", "limits")
    }


def _highest(values: Iterable[Stats | None]) -> Stats | None:
    """Per pod first, then the maximum over the workload's pods, statistic by statistic."""
    present = [value for value in values if value is not None]
    if not present:
        return None
    return Stats(
        request=max(item.request for item in present),
        limit=max(item.limit for item in present),
        max=max(item.max for item in present),
    )


def _gpu_summary(usages: list[ContainerUsage], notes: list[str]) -> dict[str, Any] | None:
    gpus = [usage.gpu for usage in usages if usage.gpu is not None]
    if not gpus:
        return None
    utilization_max = max(item.utilization_max for item in gpus)
    memory_max = max(item.memory_used_max for item in gpus)
    totals = [item.memory_total for item in gpus if item.memory_total]
    summary: dict[str, Any] = {
        "utilization": {"p50": max(item.utilization_p50 for item in gpus), "max": utilization_max},
        "memory": {"max": memory_max, "total": max(totals) if totals else None},
        "idle": utilization_max < IDLE_GPU_UTILIZATION,
    }
    if summary["idle"]:
        notes.append(
            f"GPU idle: utilization never above {utilization_max:.0f}% in the window; release it "
            "(remove the GPU limit) or consolidate onto a shared/MIG GPU."
        )
    elif totals and memory_max < 0.5 * max(totals):
        notes.append(
            f"GPU memory peaked at {memory_max / 2**30:.1f}GiB of {max(totals) / 2**30:.0f}GiB: a smaller "
            "GPU or a MIG slice may do."
        )
    return summary


def recommend(
    workload: Workload,
    container: str,
    container_spec: Mapping[str, Any] | None,
    usages: list[ContainerUsage],
    settings: RightsizeSettings,
) -> Recommendation:
    """The recommendation for one container of one workload from the usage of its pods (current and gone)."""
    current = current_resources(container_spec)
    notes: list[str] = []
    cpu = _highest(usage.cpu for usage in usages)
    memory = _highest(usage.memory for usage in usages)
    samples = max((usage.samples for usage in usages), default=0)
    history = max((usage.history_seconds for usage in usages), default=0.0)
    recommended: dict[str, dict[str, str | None]] = {
        "requests": {"cpu": None, "memory": None},
        "limits": {"cpu": None, "memory": None},
    }
    margin = 1 + settings.limit_margin
    if cpu is not None:
        recommended["requests"]["cpu"] = millicores(max(cpu.request, MIN_CPU_CORES))
        recommended["limits"]["cpu"] = millicores(max(cpu.limit * margin, cpu.request, MIN_CPU_CORES))
    if memory is not None:
        limit = max(memory.limit * margin, memory.request, MIN_MEMORY_BYTES)
        if limit < memory.max:
            # A limit below a sample that happened would have OOM-killed the container then.
            notes.append(f"memory limit raised to the highest sample seen ({mebibytes(memory.max)}).")
            limit = memory.max
        old_limit = try_parse_quantity(current["limits"]["memory"])
        if any(usage.oom_killed for usage in usages):
            if old_limit is not None:
                limit = max(limit, float(old_limit) * settings.oom_bump)
            at = f" at its {current['limits']['memory']} limit" if old_limit is not None else ""
            notes.append(f"OOMKilled in the window{at}: the new limit is above it.")
        recommended["requests"]["memory"] = mebibytes(max(memory.request, MIN_MEMORY_BYTES))
        recommended["limits"]["memory"] = mebibytes(limit)
    if cpu is None and memory is None:
        notes.append("no usage data in the window: kept as it is.")
        recommended = {section: dict(values) for section, values in current.items()}
    elif history < settings.min_history_seconds:
        notes.append(
            f"only {history_length(history)} of history "
            f"(less than {history_length(settings.min_history_seconds)}): low confidence."
        )
    elif samples < settings.min_samples:
        notes.append(f"only {samples} samples: low confidence.")
    gpu = _gpu_summary(usages, notes)
    usage_figures = {
        "cpu": {"p50": cpu.request, "p99": cpu.limit, "max": cpu.max} if cpu else None,
        "memory": {"p50": memory.request, "p99": memory.limit, "max": memory.max} if memory else None,
    }
    return Recommendation(
        namespace=workload.namespace,
        workload=workload,
        container=container,
        current=current,
        recommended=recommended,
        usage=usage_figures,
        samples=samples,
        history_seconds=history,
        pods=len({usage.pod for usage in usages}),
        notes=notes,
        gpu=gpu,
    )
