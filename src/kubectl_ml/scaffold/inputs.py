"""What ``new`` accepts: names the API server takes, and sizes a node can hold (issue 11).

Checked before anything is written, with exit 2 and the rule that was broken: a manifest that ``kubectl
apply`` would refuse (a name with capitals, a 70-character Job name whose pods' ``job-name`` label cannot
hold it) or that no cluster can run (``--gpus 99999999999999999999``) is worse than no manifest.
"""

from __future__ import annotations

import re
from fractions import Fraction

from kubectl_ml.errors import UsageError
from kubectl_ml.model.quantity import try_parse_quantity

# RFC 1123 label: namespaces, and names that become label values (a Job's pods carry job-name=<name>).
_DNS_1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
# RFC 1123 subdomain: PersistentVolumeClaims and most other object names.
_DNS_1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
LABEL_LENGTH = 63
SUBDOMAIN_LENGTH = 253
# Sizes beyond any node: the largest GPU servers have 16 GPUs, the largest CPU servers some hundreds of
# cores and tens of TiB; a pod asking for more is a typo.
MAX_GPUS = 64
MAX_WORKERS = 10_000
MAX_REPLICAS = 1_000
MAX_CPU = Fraction(1024)
MAX_MEMORY = Fraction(64 * 2**40)
_RULE = "lowercase letters, digits and '-', starting and ending with a letter or digit"


def check_label_name(value: str, what: str, flag: str, kind: str = "") -> None:
    """Raise UsageError unless ``value`` is an RFC 1123 label (at most 63 characters); ``kind`` names it."""
    of = f" for a {kind}" if kind else ""
    if not value:
        raise UsageError(f"{what} is empty", f"Give {flag} a name: {_RULE}.")
    if not _DNS_1123_LABEL.fullmatch(value):
        raise UsageError(f"invalid {what} {value!r}{of}", f"Use {_RULE} (RFC 1123).")
    if len(value) > LABEL_LENGTH:
        raise UsageError(
            f"{what} {value!r} is {len(value)} characters", f"Use at most {LABEL_LENGTH} (it is used as a label)."
        )


def check_subdomain_name(value: str, what: str) -> None:
    """Raise UsageError unless ``value`` is an RFC 1123 subdomain (at most 253 characters)."""
    if not value or len(value) > SUBDOMAIN_LENGTH or not _DNS_1123_SUBDOMAIN.fullmatch(value):
        raise UsageError(
            f"invalid {what} {value!r}",
            f"Use {_RULE}, dots between parts, at most {SUBDOMAIN_LENGTH} characters (RFC 1123).",
        )


def check_count(value: int, flag: str, low: int, high: int, unit: str) -> None:
    """Raise UsageError unless ``low <= value <= high``."""
    if not low <= value <= high:
        raise UsageError(f"{flag} {value} is out of range", f"Give {low} to {high} {unit}.")


def check_size(value: str | None, flag: str, high: Fraction, shown: str) -> None:
    """Raise UsageError unless ``value`` (a Kubernetes quantity) is positive and at most ``high``."""
    if value is None:
        return
    parsed = try_parse_quantity(value)
    if parsed is None or parsed <= 0:
        raise UsageError(f"invalid {flag} {value!r}", f"Use a Kubernetes quantity, e.g. {flag} 4 or {flag} 16Gi.")
    if parsed > high:
        raise UsageError(f"{flag} {value} is more than any node has", f"Give at most {shown}.")


def check_common(
    kind: str,
    name: str,
    namespace: str | None,
    gpus: int,
    cpu: str | None,
    memory: str | None,
    pvcs: dict[str, str | None],
) -> None:
    """The checks ``new job`` and ``new serving`` share.

    Args:
        kind: the kind the name is given to (``PyTorchJob``), for the message.
        name: the workload's name (a label value on its pods: an RFC 1123 label).
        namespace: ``--namespace``, when given.
        gpus: ``--gpus``.
        cpu: ``--cpu``, when given.
        memory: ``--memory``, when given.
        pvcs: flag -> claim name, for the claims the pods mount.
    """
    check_label_name(name, "name", "the NAME argument", kind)
    if namespace is not None:
        check_label_name(namespace, "namespace", "--namespace")
    for flag, claim in pvcs.items():
        if claim is not None:
            check_subdomain_name(claim, f"{flag} claim name")
    check_count(gpus, "--gpus", 0, MAX_GPUS, "GPUs per pod")
    check_size(cpu, "--cpu", MAX_CPU, "1024 cores")
    check_size(memory, "--memory", MAX_MEMORY, "64Ti")
