"""Images on a moving tag (``:latest``, ``latest-gpu``, ``nightly``, ``main``...) or on no tag at all.

What: every container (init containers too) whose ``image`` has no tag (which the runtime reads as
``latest``) or a moving tag: one that its publisher re-pushes, so that the same reference names another
image tomorrow. A tag moves when one of its words (split at ``-``, ``_`` and ``.``) is:

* ``latest`` (``latest``, ``latest-gpu``, ``latest-cpu``, ``main-latest``, ``2.1-latest``): always, it
  means "the newest";
* a channel or branch name: ``nightly``, ``main``, ``master``, ``dev``, ``develop``, ``edge``,
  ``unstable``, ``stable``, ``canary`` (``vllm/vllm-openai:nightly``, ``nginx:stable-alpine``), unless
  another word pins it: a version (``2.3.0-dev``), a date (``nightly-20240501``) or a commit
  (``main-3f2a9c1``, ``sha-5e6b1c2``). ``stable`` is included: it is a channel that follows each release.
  ``devel`` is not (a CUDA flavour, ``12.4.1-cudnn-devel-ubuntu22.04``).

A digest (``@sha256:...``) pins the image, with or without a tag. A placeholder left for a tool to fill
in is not an image, and its tag is not checked: ``$IMAGE``, ``${IMAGE_URI}``, ``$(IMG)``, Helm or Jinja
left in (``{{ .Values.image }}``), ``<image>``, ``ko://...``, all-caps tokens (``FILLED_BY_OPERATOR``,
``REPLACE_ME``, ``IMAGE_PLACEHOLDER``, ``gcr.io/PROJECT_ID/app``) and ``xxx``: an info finding says
"placeholder, not checked", so that lint never calls a template clean nor its placeholder untagged. A
container that does no lasting work (``smoke_tests.idles``: busybox running ``sleep`` or ``echo``,
``nvidia-smi``, a CUDA sample) is not reported: any version of it does the same.

Why it matters: a moving tag moves. A restarted pod, a new replica or a new node may pull a different
version than the one that was tested, and nobody can tell from the manifest which one runs. For a
model server whose image bundles CUDA, a new ``latest`` can also need another driver than the nodes have.

Remedy: pin a version tag (``vllm/vllm-openai:v0.6.3``) or a digest. For a placeholder: lint the
rendered manifest (``helm template``, ``kustomize build``, after ``envsubst``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubectl_ml.gpu._common import build
from kubectl_ml.lint._common import containers
from kubectl_ml.lint.smoke_tests import idles
from kubectl_ml.model.codes import CodeInfo, declare
from kubectl_ml.model.findings import Evidence, Finding, Severity
from kubectl_ml.model.subjects import Subject

CODES = declare(
    CodeInfo(
        "image-tag-latest",
        "lint",
        Severity.WARNING,
        "image tag :latest, moving, or none",
        "The image has the tag latest, another moving tag (latest-gpu, nightly, main) or no tag (which means "
        "latest): a restart or a new node may pull another version, and the running version cannot be told "
        "from the manifest. An image that is a placeholder ($IMAGE, {{ .Values.image }}) is reported as not "
        "checked (info).",
        "Pin a version tag (vllm/vllm-openai:v0.6.3) or a digest (@sha256:...).",
        docs="https://kubernetes.io/docs/concepts/containers/images/#updating-images",
        variants={
            "placeholder": (
                "Lint the manifest as it is applied (helm template, kustomize build, envsubst), and pin a "
                "version tag or a digest there."
            ),
            "pin": "Pin a version tag or a digest for {repository}.",
        },
    ),
)


# Words of a tag that name a channel or branch: the image behind them is re-pushed.
MOVING_WORDS = frozenset({"nightly", "main", "master", "dev", "develop", "edge", "unstable", "stable", "canary"})
# Words that pin such a tag: a version (2.3.0, v1.2, 24.05), a date (20240501), a commit (3f2a9c1, sha-...).
_VERSION = re.compile(r"^v?\d+(\.\d+)+$|^v\d+$|^\d{6,}$|^sha$")
_COMMIT = re.compile(r"^(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}$")
# Placeholders: shell and make variables, templates, angle brackets, ko's build references.
_PLACEHOLDER_MARKS = (
    ("$", "a variable left unexpanded"),
    ("{{", "a template left unrendered"),
    ("{%", "a template left unrendered"),
    ("<", "an angle-bracket placeholder"),
    ("ko://", "a ko build reference, which ko resolves"),
)
# An all-caps token (FILLED_BY_OPERATOR, REPLACE_ME, PROJECT_ID) or a bare placeholder word.
_CAPS_TOKEN = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")
_CAPS_WORDS = frozenset({"IMAGE", "TAG", "VERSION", "PLACEHOLDER", "CHANGEME", "REPLACEME", "TODO", "TBD"})
_XXX = re.compile(r"^x{3,}$", re.IGNORECASE)


def _placeholder_in(text: str) -> str | None:
    for mark, why in _PLACEHOLDER_MARKS:
        if mark in text:
            return why
    if " " in text:  # never in an image reference: prose such as "FILLED BY THE OPERATOR"
        return f"the words {text!r}"
    for part in re.split(r"[/:@]", text):
        if _CAPS_TOKEN.match(part) or part in _CAPS_WORDS:
            return f"the all-caps token {part}"
        if _XXX.match(part):
            return f"the filler {part}"
    return None


def placeholder(image: str) -> str | None:
    """Why ``image``'s tag is left to a placeholder, or None when the tag can be judged.

    A placeholder only in the registry or path (``PROJECT_ID/app:1.0``, ``<<PROJECT>>/jax:latest``) leaves
    the tag written out: that tag is judged as any other.
    """
    why = _placeholder_in(image)
    if why is None:
        return None
    last = image.rsplit("/", 1)[-1]
    name, colon, tag = last.partition(":")
    if colon and tag and "@" not in last and _placeholder_in(tag) is None and _placeholder_in(name) is None:
        return None
    return why


def _pinned_by(word: str) -> bool:
    return bool(_VERSION.match(word) or _COMMIT.match(word))


def unpinned_tag(image: str) -> str | None:
    """The moving tag of an image (``(none)`` when it has none); None when a tag or a digest pins it."""
    if "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "(none)"
    tag = last.split(":", 1)[1]
    words = [word for word in re.split(r"[-_.]", tag.lower()) if word]
    if "latest" in words:
        return tag
    # A version keeps its dots: 2.3.0-dev is split at - and _ only for the pinning words.
    coarse = [word for word in re.split(r"[-_]", tag.lower()) if word]
    if MOVING_WORDS & set(words) and not any(_pinned_by(word) for word in coarse):
        return tag
    return None


def check(subject: Subject) -> Iterator[Finding]:
    """Yield ``image-tag-latest`` per container whose image is not pinned (info for placeholders)."""
    for container in containers(subject):
        image = container.body.get("image")
        if not isinstance(image, str) or not image.strip():
            continue
        image = image.strip()
        evidence = [Evidence("spec", container.path(subject, "image"), container.body.get("image"))]
        why = placeholder(image)
        if why is not None:
            yield build(
                "image-tag-latest",
                subject.ref,
                f"{subject.noun}, container {container.name}: image {image} is a placeholder ({why}), not "
                "checked: its tag is decided where it is filled in.",
                container=container.name,
                evidence=evidence,
                fix="placeholder",
                severity=Severity.INFO,
            )
            continue
        tag = unpinned_tag(image)
        if tag is None or idles(container.body):
            continue  # pinned; or busybox running sleep, where any version does the same
        if tag == "(none)":
            said, repository = "has no tag (so latest)", image
        elif tag == "latest":
            said, repository = "uses the tag latest", image.rsplit(":", 1)[0]
        else:
            said, repository = f"uses the moving tag {tag} (re-pushed by its publisher)", image.rsplit(":", 1)[0]
        yield build(
            "image-tag-latest",
            subject.ref,
            f"{subject.noun}, container {container.name}: image {image} {said}; the version that runs can "
            "change on any restart.",
            container=container.name,
            evidence=evidence,
            fix="pin",
            values={"repository": repository},
        )
