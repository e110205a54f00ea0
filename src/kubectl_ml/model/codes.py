"""Finding codes: the contract users and scripts rely on (DESIGN §2), and how a finding is made from one.

Codes are stable kebab-case names. Add codes, never rename one. Each is declared once, by the module
that emits it, with :func:`declare` (a rule, a GPU check, a lint rule, or ``model/placement.py`` for
the scheduling codes doctor and gpu share); ``CODES`` holds every code declared so far, so it is whole
once the registries (``rules``, ``gpu``, ``lint``) are imported. ``docs/codes.md`` is generated from
the registries by ``scripts/gen_docs.py`` and a test fails when the two differ.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kubectl_ml.model.findings import Evidence, Finding, ObjectRef, Severity
from kubectl_ml.model.workloads import WORKLOAD_KINDS


@dataclass(frozen=True)
class CodeInfo:
    """What a code means and how it is usually fixed.

    Attributes:
        code: the stable kebab-case identifier.
        area: the family shown in docs (image pull, start, running, scheduling, workload, gpu, lint).
        severity: the usual severity; a rule may lower it when the evidence says the pod still works.
        title: a few words for tables.
        meaning: one or two sentences: what went wrong.
        fix: one or two imperative sentences: what to change.
        generic: a catch-all that gives way to a more specific finding on the same container.
        docs: the Kubernetes or vendor page that explains the mechanism and its fix (in ``-o json`` as
            each finding's ``docs``, and in docs/codes.md).
        variants: the fixes for particular cases, by name, beside the usual one: templates whose
            ``{placeholders}`` the emitting module fills (``make_finding(fix=name, values=...)``), so
            docs/codes.md shows every fix a user can read.
    """

    code: str
    area: str
    severity: Severity
    title: str
    meaning: str
    fix: str
    generic: bool = False
    docs: str = ""
    variants: Mapping[str, str] = field(default_factory=dict, hash=False)

    def fix_text(self, variant: str | None = None, values: Mapping[str, object] | None = None) -> str:
        """The usual fix, or the named variant, with ``values`` in its placeholders."""
        template = self.variants[variant] if variant else self.fix
        return template.format_map(values) if values else template


CODES: dict[str, CodeInfo] = {}
"""Every declared code, by name: filled by :func:`declare` as the modules that emit them are imported."""


def declare(*infos: CodeInfo) -> tuple[CodeInfo, ...]:
    """Register the codes a module emits (its only declaration of them) and return them for its registry entry.

    A code belongs to one module: declaring it a second time with other texts is a programming error.
    """
    for info in infos:
        known = CODES.setdefault(info.code, info)
        if known != info:
            raise ValueError(f"finding code {info.code!r} is declared twice")
    return infos


def patch_command(patch: Mapping[str, Any] | None, workload: ObjectRef | None) -> str | None:
    """A ready ``kubectl patch`` of the owning workload for a pod-template patch, when it can be applied as is.

    Only for the built-in controllers whose template takes a strategic-merge patch and rolls out
    (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController); a Job's template is
    immutable, and custom resources take no strategic merge, so their patch is the change to make.
    """
    entry = WORKLOAD_KINDS.get(workload.kind) if workload is not None else None
    if not patch or workload is None or entry is None:
        return None
    if not entry.builtin or entry.finishes or [slot.path for slot in entry.templates] != ["spec.template"]:
        return None
    body = json.dumps({"spec": {"template": patch}}, separators=(",", ":"))
    return f"kubectl patch {entry.kind.lower()} {workload.name} -n {workload.namespace} --type=strategic -p '{body}'"


def with_workload(finding: Finding, workload: ObjectRef) -> Finding:
    """``finding`` grouped under ``workload``, with the ``kubectl patch`` of that workload when it has one."""
    apply = None if finding.workload is not None else patch_command(finding.patch, workload)
    commands = (apply, *finding.commands) if apply else finding.commands
    return replace(finding, workload=workload, commands=commands)


def make_finding(
    code: str,
    subject: ObjectRef,
    summary: str,
    *,
    container: str | None = None,
    evidence: Iterable[Evidence] = (),
    fix: str | None = None,
    values: Mapping[str, object] | None = None,
    patch: Mapping[str, Any] | None = None,
    commands: Sequence[str] = (),
    severity: Severity | None = None,
    workload: ObjectRef | None = None,
) -> Finding:
    """A finding with the code's registered severity and fix: the usual one, or the variant ``fix`` names.

    ``values`` fill the fix's placeholders. There is no way to write a fix at the call: a new case is a
    new variant of the code, so docs/codes.md shows every fix a user can read.

    A pod-template patch that the owning workload takes as is comes with its ``kubectl patch`` command
    first among ``commands``, so ``-o json`` has it as the text output does.
    """
    info = CODES[code]
    apply = patch_command(patch, workload)
    return Finding(
        code=code,
        severity=severity or info.severity,
        object=subject,
        summary=summary,
        remedy=info.fix_text(fix, values),
        container=container,
        evidence=tuple(evidence),
        patch=dict(patch) if patch is not None else None,
        commands=(apply, *commands) if apply else tuple(commands),
        workload=workload,
        docs=info.docs or None,
    )
