"""Parse every historical wording of the scheduler's FailedScheduling message.

Envelopes (doctor-anchors §4.1):

* ≤1.8: ``No nodes are available that match all of the following predicates:: Insufficient cpu (3),
  PodToleratesNodeTaints (1).``
* 1.9+: ``0/5 nodes are available: 2 Insufficient nvidia.com/gpu, 3 node(s) had untolerated taint
  {k: v}.`` optionally followed by `` preemption: 0/5 nodes are available: ...`` (with the DRA
  ``no new claims to deallocate,`` before it), sometimes with a double period;
* a PreFilter rejection: ``0/5 nodes are available: persistentvolumeclaim "data" not found.``
* Volcano's gang scheduler (v1.10+): ``3/3 tasks in gang unschedulable: pod group is not ready, 3 Pending,
  3 minAvailable; Pending: 3 Unschedulable. Origin reason is pytorch-ddp-master-0: 0/4 nodes are
  unavailable: 4 Insufficient nvidia.com/gpu.`` (gang.go, unschedule_info.go): the origin reason is read
  as the scheduler's own envelope; without one (older releases), the gang text alone is kept as the raw
  message and parses to nothing, as it names no node reason.

Per-node reasons changed wording several times (taints in four forms, selectors in two, volume
affinity in two); :func:`classify_reason` maps them all to one category.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Volcano: "... Origin reason is <task>: <FitErrors>" (or "Origin reason is: <JobFitErrors>"), and its
# FitErrors say "0/4 nodes are unavailable:" where kube-scheduler says "available".
_VOLCANO_ORIGIN = re.compile(r"\bOrigin reason is(?: [^:]+)?:\s*(.*)$", re.DOTALL)
_VOLCANO_UNAVAILABLE = re.compile(r"^\s*(\d+/\d+) nodes are unavailable:")
_MODERN = re.compile(r"^\s*(\d+)/(\d+) nodes are available:\s*(.*)$", re.DOTALL)
_LEGACY = re.compile(r"^\s*No nodes are available that match all of the following predicates::?\s*(.*)$")
_PREEMPTION_SPLIT = re.compile(r"\.?\s*(?:no new claims to deallocate,\s*)?preemption:\s*", re.IGNORECASE)
_REASON_SPLIT = re.compile(r",\s+(?=\d+ )")
_COUNTED = re.compile(r"^(\d+)\s+(.*)$")
_LEGACY_COUNTED = re.compile(r"^(.*?)\s+\((\d+)\)$")
_TAINT_BRACES = re.compile(r"\{([^:}]*):\s*([^}]*)\}")
_INSUFFICIENT = re.compile(r"^Insufficient\s+(\S+)$")
_PVC_NOT_FOUND = re.compile(r'persistentvolumeclaim "([^"]+)" not found')

_LEGACY_PREDICATES = {
    "PodToleratesNodeTaints": "taint",
    "PodToleratesNodeNoExecuteTaints": "taint",
    "MatchNodeSelector": "selector",
    "CheckNodeUnschedulable": "unschedulable",
    "NodeUnschedulable": "unschedulable",
    "PodFitsHostPorts": "ports",
    "MatchInterPodAffinity": "pod-affinity",
    # openshift/origin#19506: `0/3 nodes are available: 1 ExistingPodsAntiAffinityRulesNotMatch, ...`
    "ExistingPodsAntiAffinityRulesNotMatch": "pod-affinity",
    "CheckNodeMemoryPressure": "node-pressure",
    "CheckNodeDiskPressure": "node-pressure",
    "CheckNodePIDPressure": "node-pressure",
    "NoVolumeZoneConflict": "volume-affinity",
    "NoVolumeNodeConflict": "volume-affinity",
    "CheckVolumeBinding": "pvc-unbound",
    "HostName": "node-name",
    "NodeUnderMemoryPressure": "node-pressure",
    "NodeUnderDiskPressure": "node-pressure",
}


@dataclass(frozen=True)
class SchedulingReason:
    """One per-node reason (or a PreFilter message), classified.

    Attributes:
        count: how many nodes gave this reason (None for a PreFilter message).
        text: the reason as the scheduler wrote it.
        category: ``insufficient``, ``taint``, ``selector``, ``node-name``, ``pod-affinity``,
            ``unschedulable``, ``too-many-pods``, ``pvc-unbound``, ``pvc-not-found``, ``volume-affinity``,
            ``storage``, ``ports``, ``topology``, ``node-pressure``, ``preemption`` or ``other``.
        resource: for ``insufficient``, the resource name (``nvidia.com/gpu``).
        taint_key, taint_value: for ``taint``, when the wording still shows them (1.18 to 1.34).
        claim: for ``pvc-not-found``, the claim's name.
    """

    count: int | None
    text: str
    category: str
    resource: str | None = None
    taint_key: str | None = None
    taint_value: str | None = None
    claim: str | None = None


@dataclass(frozen=True)
class SchedulingMessage:
    """A parsed FailedScheduling message."""

    raw: str
    total_nodes: int | None
    reasons: tuple[SchedulingReason, ...] = field(default_factory=tuple)
    preemption: str | None = None

    def categories(self) -> set[str]:
        """The set of reason categories present."""
        return {reason.category for reason in self.reasons}


# Reasons no amount of free capacity can change: the pod's own constraints, and node states it
# cannot tolerate. Capacity (insufficient, too-many-pods, storage) and pressure can change.
CONSTRAINT_CATEGORIES = frozenset(
    {"selector", "node-name", "pod-affinity", "topology", "ports", "volume-affinity", "taint", "unschedulable"}
)


def constraint_excludes_every_node(message: SchedulingMessage) -> bool:
    """True when the message's constraints, not capacity, keep the pod off every node.

    With the node count (``0/10 nodes are available: 10 node(s) didn't match node selector, 4
    Insufficient cpu.``): the constraint counts add up to every node. Since 1.19 the scheduler stops at a
    node's first failing filter, so counts add up to the total and an ``Insufficient`` count means
    nodes that passed every constraint before it; older schedulers counted every failing predicate, so
    a node can appear under a constraint and under ``Insufficient``, and the constraint wins. Without a
    count (the pre-1.10 ``No nodes are available that match all of the following predicates::
    Insufficient cpu (9), MatchNodeSelector (18).``): one constraint counts at least as many nodes as
    any capacity reason.
    """
    constraint = [reason.count for reason in message.reasons if reason.category in CONSTRAINT_CATEGORIES]
    counted = [count for count in constraint if count is not None]
    if not counted:
        return False
    if message.total_nodes:
        return sum(counted) >= message.total_nodes
    others = [
        reason.count
        for reason in message.reasons
        if reason.category not in CONSTRAINT_CATEGORIES and reason.count is not None
    ]
    return max(counted) >= max(others, default=0)


def classify_reason(text: str, count: int | None = None) -> SchedulingReason:
    """Classify one per-node reason string of any Kubernetes version."""
    clean = text.strip().rstrip(".").strip()
    lower = clean.lower()
    insufficient = _INSUFFICIENT.match(clean)
    if insufficient:
        return SchedulingReason(count, clean, "insufficient", resource=insufficient.group(1))
    if "taint" in lower:
        braces = _TAINT_BRACES.search(clean)
        if braces:
            return SchedulingReason(
                count, clean, "taint", taint_key=braces.group(1).strip(), taint_value=braces.group(2).strip()
            )
        return SchedulingReason(count, clean, "taint")
    if clean in _LEGACY_PREDICATES:
        return SchedulingReason(count, clean, _LEGACY_PREDICATES[clean])
    claim = _PVC_NOT_FOUND.search(clean)
    if claim:
        return SchedulingReason(count, clean, "pvc-not-found", claim=claim.group(1))
    table = (
        ("didn't match the requested node name", "node-name"),
        ("node selector", "selector"),
        ("node affinity/selector", "selector"),
        ("persistentvolume's node affinity", "volume-affinity"),
        ("volume node affinity conflict", "volume-affinity"),
        ("pod affinity", "pod-affinity"),
        ("pod anti-affinity", "pod-affinity"),
        # `node(s) didn't satisfy existing pods anti-affinity rules` (kubernetes-sigs/kubespray#4101)
        ("anti-affinity", "pod-affinity"),
        ("were unschedulable", "unschedulable"),
        ("too many pods", "too-many-pods"),
        ("unbound immediate persistentvolumeclaims", "pvc-unbound"),
        ("available persistent volumes to bind", "pvc-unbound"),
        ("bound to non-existent pv", "pvc-unbound"),
        ("enough free storage", "storage"),
        ("free ports", "ports"),
        ("topology spread", "topology"),
        ("preemption", "preemption"),
        ("had condition", "node-pressure"),
    )
    for needle, category in table:
        if needle in lower:
            return SchedulingReason(count, clean, category)
    return SchedulingReason(count, clean, "other")


def _split_reasons(body: str) -> list[SchedulingReason]:
    reasons: list[SchedulingReason] = []
    for part in _REASON_SPLIT.split(body.strip().rstrip(".")):
        part = part.strip()
        if not part:
            continue
        counted = _COUNTED.match(part)
        if counted:
            reasons.append(classify_reason(counted.group(2), int(counted.group(1))))
        else:
            reasons.append(classify_reason(part))
    return reasons


def parse_scheduling_message(message: str) -> SchedulingMessage | None:
    """Parse a FailedScheduling / PodScheduled message; None when it is not one of the known envelopes."""
    text = message.strip()
    origin = _VOLCANO_ORIGIN.search(text)
    if origin:
        text = origin.group(1)
    text = _VOLCANO_UNAVAILABLE.sub(r"\1 nodes are available:", text, count=1)
    legacy = _LEGACY.match(text)
    if legacy:
        reasons = []
        for part in legacy.group(1).strip().rstrip(".").split(", "):
            counted = _LEGACY_COUNTED.match(part.strip())
            if counted:
                reasons.append(classify_reason(counted.group(1), int(counted.group(2))))
            elif part.strip():
                reasons.append(classify_reason(part))
        return SchedulingMessage(raw=message, total_nodes=None, reasons=tuple(reasons))
    modern = _MODERN.match(text)
    if not modern:
        # No envelope: the pre-1.18 bare PreFilter form (`pod has unbound immediate PersistentVolumeClaims`),
        # or a per-node reason pasted alone (`1 node(s) had untolerated taint {...}`). Read it when one of
        # its reasons is known; otherwise it is not a scheduler message this parser can read.
        bare = tuple(_split_reasons(text))
        if bare and any(reason.category != "other" for reason in bare):
            return SchedulingMessage(raw=message, total_nodes=None, reasons=bare)
        return None
    body = modern.group(3)
    preemption: str | None = None
    split = _PREEMPTION_SPLIT.search(body)
    if split:
        preemption = body[split.end() :].strip().rstrip(".") or None
        body = body[: split.start()]
    return SchedulingMessage(
        raw=message,
        total_nodes=int(modern.group(2)),
        reasons=tuple(_split_reasons(body)),
        preemption=preemption,
    )
