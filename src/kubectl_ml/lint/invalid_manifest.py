"""A manifest with a field of the wrong type: the API server would reject it.

What: a field the plugin reads has a type the Kubernetes API does not accept there: ``limits`` written
as a list, ``containers`` as a mapping, ``containerPort: "8080"`` as a string, ``metadata`` as a string
(``model.object_shapes`` says which fields, and what they must be). The other rules do not run on such
an object: what they would say about a shape the API refuses means nothing.

Why it matters: ``kubectl apply`` fails on it (``cannot unmarshal string into Go struct field``), often
only in the pipeline, after the review; a Helm value of the wrong type renders such fields silently.

Remedy: write the field with the type its API reference gives (``kubectl explain <kind>.<field>``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_ml.model.codes import CodeInfo, declare, make_finding
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.object_shapes import object_problem, pod_spec_problem
from kubectl_ml.model.subjects import Subject, ref_of

CODES = declare(
    CodeInfo(
        "invalid-manifest",
        "lint",
        Severity.ERROR,
        "field of the wrong type (the API server would reject it)",
        "A field has a type the Kubernetes API does not accept there (limits as a list, containers as a "
        "mapping, a port as a string): kubectl apply fails on it.",
        "Write the field with the type its API reference gives (kubectl explain <kind>.<field>).",
        docs="https://kubernetes.io/docs/reference/kubernetes-api/",
        variants={
            "builtin": "Write the field with the type the API expects (kubectl explain {resource}.{field}).",
            "custom": (
                "Write the field with the type the API expects (the {kind} reference, or kubectl explain "
                "{resource}.{field} where its CRD is installed)."
            ),
        },
    ),
)


def check_object(obj: Mapping[str, Any]) -> Finding | None:
    """The invalid-manifest finding of a whole object, or None when every field it reads has its type."""
    problem = object_problem(obj)
    if problem is None:
        return None
    field = problem.split(" ", 1)[0]
    safe = obj if isinstance(obj.get("metadata"), Mapping) else {"kind": obj.get("kind"), "metadata": {}}
    ref = ref_of(safe, default_kind=str(obj.get("kind") or "Object"))
    kind = str(obj.get("kind") or "object").lower()
    return make_finding(
        "invalid-manifest",
        ref,
        f"{ref.kind} {ref.name or '(unnamed)'} would be rejected by the API server: {problem}.",
        evidence=[Evidence("spec", field, _value_at(obj, field))],
        fix="builtin",
        values={"resource": kind, "field": _explain_path(field)},
    )


def check_subject(obj: Mapping[str, Any], subject: Subject) -> Finding | None:
    """The invalid-manifest finding of one pod template, wherever its kind keeps it, or None.

    ``check_object`` knows the built-in controllers' ``template`` slots; this covers every kind lint reads
    (an InferenceService's inline predictor, a LeaderWorkerSet's ``workerTemplate``, a TrainJob's trainer).
    """
    field = subject.path("spec")
    problem = pod_spec_problem(subject.spec, field)
    if problem is None:
        return None
    where = problem.split(" ", 1)[0]
    return make_finding(
        "invalid-manifest",
        subject.ref,
        f"{subject.noun} would be rejected by the API server: {problem}.",
        evidence=[Evidence("spec", where, _value_at(obj, where))],
        fix="custom",
        values={
            "kind": subject.ref.kind,
            "resource": subject.ref.kind.split(".", 1)[0].lower(),
            "field": _explain_path(where),
        },
    )


def check(subject: Subject) -> Iterator[Finding]:
    """Nothing per pod spec: this rule runs on the whole object first (``check_object``, ``check_subject``)."""
    return iter(())


def _explain_path(field: str) -> str:
    """``spec.containers[0].ports`` -> ``spec.containers.ports``, the path ``kubectl explain`` takes."""
    parts = []
    for part in field.replace("[", ".[").split("."):
        if part and not part.startswith("["):
            parts.append(part)
    return ".".join(parts)


def _value_at(obj: Any, field: str) -> Any:
    """The value at a path written as ``a.b[0]['c']`` (as the problem names it), or None."""
    import re

    node = obj
    for key, index, quoted in re.findall(r"([^.\[\]']+)|\[(\d+)\]|\['([^']*)'\]", field):
        name = key or quoted
        if index:
            node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
        elif name:
            node = node.get(name) if isinstance(node, Mapping) else None
    return node
