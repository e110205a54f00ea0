"""GPU requests without a limit, requests that differ from the limit, and fractional GPU counts.

What: the checks of ``kubectl ml gpu`` (``gpu/limits.py``, reused as it is) on each manifest's pod or
pod template: an accelerator requested without a limit (``gpu-limit-missing``), a request that differs
from the limit, or a count that is not a whole number (``gpu-request-limit-mismatch``).

Why it matters: extended resources cannot be overcommitted, so the API server rejects such a pod; a
schema validator passes it, and for a Deployment or Job the refusal shows up only later as a controller
event while the pods never appear (scaffold-gpu-lint-anchors §1.4). None of kube-score, Polaris,
kube-linter, Datree or Checkov checks it.

Remedy: set the count in ``limits`` (the request defaults to it), and if ``requests`` names it too, the
same whole number.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubectl_ml.gpu import limits
from kubectl_ml.model.findings import Finding
from kubectl_ml.model.subjects import Subject

# The same mistakes the gpu command finds in a cluster, found in manifests: the same codes.
CODES = limits.CODES


def check(subject: Subject) -> Iterator[Finding]:
    """Yield the GPU limit findings of one pod or pod template (``gpu.limits.check_subject``)."""
    yield from limits.check_subject(subject)
