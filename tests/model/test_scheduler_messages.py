"""Every FailedScheduling wording of doctor-anchors §4.1, verbatim, through the parser.

Each row: the message, the total node count the envelope states (None for the ≤1.8 envelope, which does
not state it), and the expected reasons as (count, category, resource, taint key, taint value, claim).
Strings marked "template" fill the reference's ``<...>`` parts; every other byte is the reference's.
"""

from __future__ import annotations

import pytest

from kubectl_ml.model.scheduler_messages import (
    classify_reason,
    constraint_excludes_every_node,
    parse_scheduling_message,
)

Reason = tuple[int | None, str, str | None, str | None, str | None, str | None]


def _reason(count: int | None, category: str, **extra: str) -> Reason:
    return (
        count,
        category,
        extra.get("resource"),
        extra.get("taint_key"),
        extra.get("taint_value"),
        extra.get("claim"),
    )


MESSAGES: list[tuple[str, str, int | None, list[Reason], str | None]] = [
    # -- envelopes, by era ---------------------------------------------------------------------
    (
        "legacy-predicates-double-colon",
        "No nodes are available that match all of the following predicates:: Insufficient cpu (3), "
        "PodToleratesNodeTaints (1).",
        None,
        [_reason(3, "insufficient", resource="cpu"), _reason(1, "taint")],
        None,
    ),
    (
        "control-plane-taint-double-period-v1.26",
        "0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..",
        1,
        [_reason(1, "taint", taint_key="node-role.kubernetes.io/control-plane", taint_value="")],
        "0/1 nodes are available: 1 Preemption is not helpful for scheduling",
    ),
    (
        "two-system-taints-v1.33",
        "0/2 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/2 nodes are available: "
        "2 Preemption is not helpful for scheduling.",
        2,
        [
            _reason(1, "taint", taint_key="node-role.kubernetes.io/control-plane", taint_value=""),
            _reason(1, "taint", taint_key="node.kubernetes.io/unreachable", taint_value=""),
        ],
        "0/2 nodes are available: 2 Preemption is not helpful for scheduling",
    ),
    (
        "taint-with-value-and-insufficient-cpu",
        "0/3 nodes are available: 1 node(s) had untolerated taint {machine-check-exception: memory}, "
        "2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod.",
        3,
        [
            _reason(1, "taint", taint_key="machine-check-exception", taint_value="memory"),
            _reason(2, "insufficient", resource="cpu"),
        ],
        "0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod",
    ),
    (
        "hidden-taint-dra-no-new-claims",
        "0/1 nodes are available: 1 node(s) had untolerated taint(s). no new claims to deallocate, "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
        1,
        [_reason(1, "taint")],
        "0/1 nodes are available: 1 Preemption is not helpful for scheduling",
    ),
    (
        "hidden-taint-and-anti-affinity",
        "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match pod anti-affinity "
        "rules. no new claims to deallocate, preemption: 0/3 nodes are available: 1 Preemption is not helpful "
        "for scheduling, 2 No preemption victims found for incoming pod.",
        3,
        [_reason(1, "taint"), _reason(2, "pod-affinity")],
        "0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod",
    ),
    (
        "unbound-immediate-pvc-2020",
        "0/4 nodes are available: 4 pod has unbound immediate PersistentVolumeClaims.",
        4,
        [_reason(4, "pvc-unbound")],
        None,
    ),
    (
        "insufficient-gpu-with-preemption",
        "0/1 nodes are available: 1 Insufficient nvidia.com/gpu. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod.",
        1,
        [_reason(1, "insufficient", resource="nvidia.com/gpu")],
        "0/1 nodes are available: 1 No preemption victims found for incoming pod",
    ),
    (
        "prefilter-pvc-not-found",  # template: PreFilter branch of FitError, claim name filled in
        '0/3 nodes are available: persistentvolumeclaim "model-cache" not found.',
        3,
        [_reason(None, "pvc-not-found", claim="model-cache")],
        None,
    ),
    # -- per-node reasons inside the 1.9+ envelope (template: counts filled in) --------------------
    (
        "taints-1.17",
        "0/3 nodes are available: 3 node(s) had taints that the pod didn't tolerate.",
        3,
        [_reason(3, "taint")],
        None,
    ),
    (
        "taint-1.18-master",
        "0/1 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't "
        "tolerate.",
        1,
        [_reason(1, "taint", taint_key="node-role.kubernetes.io/master", taint_value="")],
        None,
    ),
    (
        "taint-1.18-gpu-with-insufficient",
        "0/4 nodes are available: 2 Insufficient nvidia.com/gpu, 2 node(s) had taint {nvidia.com/gpu: present}, "
        "that the pod didn't tolerate.",
        4,
        [
            _reason(2, "insufficient", resource="nvidia.com/gpu"),
            _reason(2, "taint", taint_key="nvidia.com/gpu", taint_value="present"),
        ],
        None,
    ),
    (
        "untolerated-taint-aks-sku",
        "0/3 nodes are available: 1 node(s) had untolerated taint {sku: gpu}, 2 Insufficient nvidia.com/gpu. "
        "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod.",
        3,
        [
            _reason(1, "taint", taint_key="sku", taint_value="gpu"),
            _reason(2, "insufficient", resource="nvidia.com/gpu"),
        ],
        "0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod",
    ),
    (
        "node-selector-old-wording",
        "0/3 nodes are available: 3 node(s) didn't match node selector.",
        3,
        [_reason(3, "selector")],
        None,
    ),
    (
        "node-affinity-selector-new-wording",
        "0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector. preemption: "
        "0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
        4,
        [_reason(4, "selector")],
        "0/4 nodes are available: 4 Preemption is not helpful for scheduling",
    ),
    (
        "volume-node-affinity-conflict-old",
        "0/3 nodes are available: 3 node(s) had volume node affinity conflict.",
        3,
        [_reason(3, "volume-affinity")],
        None,
    ),
    (
        "persistentvolume-node-affinity-1.33",
        "0/3 nodes are available: 3 node(s) didn't match PersistentVolume's node affinity.",
        3,
        [_reason(3, "volume-affinity")],
        None,
    ),
    (
        "insufficient-several-resources",
        "0/5 nodes are available: 1 Insufficient memory, 1 node(s) were unschedulable, 3 Insufficient cpu.",
        5,
        [
            _reason(1, "insufficient", resource="memory"),
            _reason(1, "unschedulable"),
            _reason(3, "insufficient", resource="cpu"),
        ],
        None,
    ),
    (
        "misspelled-extended-resource",
        "0/3 nodes are available: 3 Insufficient nvidia.com/gpus.",
        3,
        [_reason(3, "insufficient", resource="nvidia.com/gpus")],
        None,
    ),
    (
        "mig-profile",
        "0/2 nodes are available: 2 Insufficient nvidia.com/mig-1g.5gb.",
        2,
        [_reason(2, "insufficient", resource="nvidia.com/mig-1g.5gb")],
        None,
    ),
]


@pytest.mark.parametrize(
    ("message", "total", "reasons", "preemption"),
    [
        pytest.param(message, total, reasons, preemption, id=name)
        for name, message, total, reasons, preemption in MESSAGES
    ],
)
def test_parse_every_wording(message: str, total: int | None, reasons: list[Reason], preemption: str | None) -> None:
    parsed = parse_scheduling_message(message)
    assert parsed is not None
    assert parsed.raw == message
    assert parsed.total_nodes == total
    got = [
        (reason.count, reason.category, reason.resource, reason.taint_key, reason.taint_value, reason.claim)
        for reason in parsed.reasons
    ]
    assert got == reasons
    assert parsed.preemption == preemption


def test_preemption_reasons_are_not_per_node_reasons() -> None:
    parsed = parse_scheduling_message(
        "0/3 nodes are available: 1 node(s) had untolerated taint {machine-check-exception: memory}, 2 Insufficient "
        "cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption "
        "victims found for incoming pod."
    )
    assert parsed is not None
    assert "preemption" not in parsed.categories()
    assert parsed.categories() == {"taint", "insufficient"}


def test_reason_text_keeps_the_scheduler_words() -> None:
    parsed = parse_scheduling_message("0/3 nodes are available: 3 node(s) had taints that the pod didn't tolerate.")
    assert parsed is not None
    assert parsed.reasons[0].text == "node(s) had taints that the pod didn't tolerate"


@pytest.mark.parametrize(
    "message",
    [
        "",
        "Successfully assigned ml-training/trainer-0 to gke-ml-prod-gpu-l4-pool-5f2a9c1e-7xkq",
        "pod didn't trigger scale-up (it wouldn't fit if a new node is added)",
        "Scheduling is blocked due to non-empty scheduling gates",
    ],
)
def test_other_messages_are_not_parsed(message: str) -> None:
    assert parse_scheduling_message(message) is None


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Insufficient ephemeral-storage", "insufficient"),
        ("Too many pods", "too-many-pods"),
        ("node(s) didn't match the requested node name", "node-name"),
        ("node(s) didn't match pod affinity rules", "pod-affinity"),
        ("node(s) didn't match pod anti-affinity rules", "pod-affinity"),
        ("node(s) didn't match pod affinity/anti-affinity", "pod-affinity"),
        ("node(s) were unschedulable", "unschedulable"),
        ("pod has unbound immediate PersistentVolumeClaims", "pvc-unbound"),
        ("node(s) didn't find available persistent volumes to bind", "pvc-unbound"),
        ("node(s) had volume node affinity conflict", "volume-affinity"),
        ("node(s) didn't match PersistentVolume's node affinity", "volume-affinity"),
        ("node(s) did not have enough free storage", "storage"),
        ("node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)", "pvc-unbound"),
        ("node(s) didn't match pod topology spread constraints", "topology"),
        ("node(s) didn't have free ports for the requested pod ports", "ports"),
        ("MatchNodeSelector", "selector"),
        # kubernetes-sigs/kubespray#4101, openshift/origin#19506
        ("node(s) didn't satisfy existing pods anti-affinity rules", "pod-affinity"),
        ("ExistingPodsAntiAffinityRulesNotMatch", "pod-affinity"),
        ("PodToleratesNodeTaints", "taint"),
        ("CheckNodeUnschedulable", "unschedulable"),
        ("something a future scheduler says", "other"),
    ],
)
def test_classify_every_per_node_reason(text: str, category: str) -> None:
    assert classify_reason(text).category == category


def test_insufficient_names_the_resource() -> None:
    reason = classify_reason("Insufficient nvidia.com/gpu.shared", 2)
    assert (reason.count, reason.category, reason.resource) == (2, "insufficient", "nvidia.com/gpu.shared")


def test_volcano_gang_message_is_read_through_its_origin_reason() -> None:
    # volcano gang.go "%v/%v tasks in gang unschedulable: %v" + job_info.go FitError() (v1.10+: ". Origin reason
    # is <task>: <FitErrors>") + unschedule_info.go "0/%d nodes are unavailable: ..." (STATUS-NOTES.md §7).
    message = (
        "3/3 tasks in gang unschedulable: pod group is not ready, 3 Pending, 3 minAvailable; Pending: 3 Unschedulable. "
        "Origin reason is pytorch-ddp-master-0: 0/4 nodes are unavailable: 4 Insufficient nvidia.com/gpu."
    )
    parsed = parse_scheduling_message(message)
    assert parsed is not None
    assert parsed.total_nodes == 4
    assert parsed.categories() == {"insufficient"}
    assert parsed.raw == message


def test_volcano_gang_message_without_an_origin_names_no_node_reason() -> None:
    # volcano#2416 (v1.4+ form): the gang's state only.
    message = (
        "1/1 tasks in gang unschedulable: pod group is not ready, 1 Pending, 1 minAvailable; Pending: 1 Undetermined"
    )
    assert parse_scheduling_message(message) is None


@pytest.mark.parametrize(
    ("message", "category"),
    [
        # The pre-1.18 PreFilter form, without the "0/N nodes are available:" envelope (issue 10).
        ("pod has unbound immediate PersistentVolumeClaims", "pvc-unbound"),
        # A per-node reason pasted alone.
        ("1 node(s) had untolerated taint {nvidia.com/gpu: present}", "taint"),
    ],
)
def test_bare_reasons_without_the_envelope_are_read(message: str, category: str) -> None:
    parsed = parse_scheduling_message(message)
    assert parsed is not None
    assert parsed.total_nodes is None
    assert category in parsed.categories()


@pytest.mark.parametrize(
    ("message", "excluded"),
    [
        # kubernetes/kubernetes#49896 (1.12, every predicate counted): the selector excludes all 10 nodes.
        ("0/10 nodes are available: 10 node(s) didn't match node selector, 4 Insufficient cpu.", True),
        # argoproj/argo-workflows#190 (pre-1.10, no node count): MatchNodeSelector counts the most nodes.
        (
            "No nodes are available that match all of the following predicates:: Insufficient cpu (9), "
            "Insufficient memory (15), MatchNodeSelector (18).",
            True,
        ),
        # kubevirt/kubevirt#7780: anti-affinity on 1 node and the selector on all 3.
        (
            "0/3 nodes are available: 1 node(s) didn't match pod anti-affinity rules, 3 node(s) didn't match Pod's "
            "node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
            True,
        ),
        # NVIDIA/k8s-device-plugin#283: 3 GPU nodes match the selector but have no GPU free: capacity.
        ("0/6 nodes are available: 3 node(s) didn't match node selector, 6 Insufficient nvidia.com/gpu.", False),
        ("0/1 nodes are available: 1 Insufficient nvidia.com/gpu.", False),
    ],
)
def test_a_constraint_covering_every_node_outweighs_insufficient(message: str, excluded: bool) -> None:
    parsed = parse_scheduling_message(message)
    assert parsed is not None
    assert constraint_excludes_every_node(parsed) is excluded
