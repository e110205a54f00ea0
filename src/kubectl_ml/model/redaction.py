"""Secrets never leave the cluster through us: what looks like a credential is hidden before it is shown.

``doctor`` quotes log tails and event messages verbatim, and ``snapshot`` saves pods as the API returns
them; both may carry credentials a program printed or a manifest inlined. Redaction replaces the value
(never the name beside it, never the rest of the line) with ``[REDACTED]``, and counts what it hid, so
the output still says *where* a token was (``HF_TOKEN=[REDACTED]``) and the user can look with
``--no-redact``. Default on (issue 11).

What counts as a secret, by shape (the providers' documented token formats, as the gitleaks and
detect-secrets rule sets list them) and by name:

* tokens with a known shape: JSON Web Tokens, ``Bearer`` credentials, AWS access key ids, GitHub,
  GitLab, Hugging Face, OpenAI, Slack, Stripe and Google API keys, Google OAuth access tokens, Azure
  storage account keys, PEM private key blocks, credentials in URLs (``https://user:pass@host``);
* the value of anything named like a secret: ``password=``, ``secret:``, ``token=``, ``api_key``,
  ``--hf-token xyz``, an env var ``AWS_SECRET_ACCESS_KEY``. Names are matched as whole words
  (``max_total_tokens: 2048`` is not a token, ``--tokenizer`` is not one either).

docs/dependencies.md says why this is not detect-secrets.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubectl_ml.model.findings import Report

MARK = "[REDACTED]"

# Shapes that are secrets wherever they appear. Each pattern's whole match is the secret, except where
# a group named "secret" says which part is.
_SHAPES = tuple(
    re.compile(pattern)
    for pattern in (
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
        r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        r"(?i)\bbearer\s+(?P<secret>[A-Za-z0-9\-._~+/]{8,}=*)",
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b",
        r"\bgh[pousr]_[A-Za-z0-9]{30,}\b",
        r"\bgithub_pat_[A-Za-z0-9_]{22,}\b",
        r"\bglpat-[A-Za-z0-9_-]{20,}\b",
        r"\bhf_[A-Za-z0-9]{30,}\b",
        r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}\b",
        r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b",
        r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b",
        r"\bAIza[0-9A-Za-z_-]{35}\b",
        r"\bya29\.[0-9A-Za-z_-]{20,}",
        r"(?i)AccountKey=(?P<secret>[A-Za-z0-9+/=]{40,})",
        r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:(?P<secret>[^/\s@]+)@",
    )
)
# Words that name a secret (whole words inside a name: HF_TOKEN, db.password, --api-key).
_SECRET_WORDS = (
    r"password|passwd|pwd|passphrase|secret|token|apikey|api[_-]key|access[_-]key|secret[_-]key|private[_-]key"
    r"|client[_-]secret|credentials?|auth[_-]token|session[_-]key|sas[_-]?token"
)
_SECRET_NAME = re.compile(rf"(?i)(?:^|[_.\-])(?:{_SECRET_WORDS})$|^(?:{_SECRET_WORDS})(?:[_.\-]|$)")
# `name=value`, `name: value`, `"name": "value"`, `--name=value`; and a flag's `--name value`.
_VALUE = r"""(?P<value>\$\{[^}]*\}|"[^"]*"|'[^']*'|[^\s,;&"'}\]\[]+)"""
_ASSIGN = re.compile(r"""(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)(?P<quote>["']?)(?P<sep>\s*[:=]\s*)""" + _VALUE)
_FLAG = re.compile(r"""(?P<name>--[A-Za-z][A-Za-z0-9_.\-]*)(?P<quote>)(?P<sep>=|\s+)""" + _VALUE)
# Values that are not secrets even beside a secret's name.
_HARMLESS = re.compile(
    r"(?i)^(?:|null|none|nil|true|false|yes|no|\*+|<[^>]*>|\$\{[^}]*\}|\$\([^)]*\)|redacted|\[redacted\])$"
)


def is_secret_name(name: str) -> bool:
    """True for a name that says it holds a secret (``HF_TOKEN``, ``db.password``, ``--api-key``)."""
    return bool(_SECRET_NAME.search(name.lstrip("-")))


@dataclass
class Redactor:
    """Hides secrets in text and in decoded API objects, counting what it hid.

    Attributes:
        enabled: False with ``--no-redact``: text passes unchanged.
        count: how many values were hidden so far.
    """

    enabled: bool = True
    count: int = 0
    _seen: dict[str, str] = field(default_factory=dict)

    def text(self, value: str) -> str:
        """``value`` with every secret-looking value replaced by ``[REDACTED]``."""
        if not self.enabled or not value:
            return value
        cached = self._seen.get(value)
        if cached is not None:
            return cached
        result = value
        for shape in _SHAPES:
            result = shape.sub(self._hide_shape, result)
        result = _FLAG.sub(self._hide_pair, result)
        result = _ASSIGN.sub(self._hide_pair, result)
        self._seen[value] = result
        return result

    def _hide_shape(self, match: re.Match[str]) -> str:
        if "secret" in match.re.groupindex and match.group("secret") is not None:
            start, end = match.span("secret")
            offset = match.start()
            whole = match.group(0)
            self.count += 1
            return whole[: start - offset] + MARK + whole[end - offset :]
        self.count += 1
        return MARK

    def _hide_pair(self, match: re.Match[str]) -> str:
        name, value = match.group("name"), match.group("value")
        separator = match.group("sep")
        bare = value.strip("\"'")
        if not is_secret_name(name) or _HARMLESS.match(bare) or MARK in value:
            return match.group(0)
        self.count += 1
        quote = value[0] if value[:1] in "\"'" and value[-1:] == value[:1] and len(value) > 1 else ""
        return f"{name}{match.group('quote')}{separator}{quote}{MARK}{quote}"

    def value(self, value: Any, depth: int = 0) -> Any:
        """A decoded JSON value with every string redacted (mappings and lists walked, not changed in place)."""
        if not self.enabled:
            return value
        if isinstance(value, str):
            return self.text(value)
        if depth > 100:
            self.count += 1
            return MARK
        if isinstance(value, Mapping):
            return {key: self.value(item, depth + 1) for key, item in value.items()}
        if isinstance(value, list):
            return [self.value(item, depth + 1) for item in value]
        return value

    def env_entry(self, entry: Mapping[str, Any]) -> Mapping[str, Any]:
        """An env entry ``{"name": ..., "value": ...}`` with its value hidden when its name says it is secret."""
        if not self.enabled or not isinstance(entry.get("value"), str) or not is_secret_name(str(entry.get("name"))):
            return entry
        if _HARMLESS.match(entry["value"]):
            return entry
        self.count += 1
        return {**entry, "value": MARK}

    def note(self) -> str | None:
        """The line that says how many values were hidden, or None when none were."""
        if not self.count:
            return None
        noun = "value" if self.count == 1 else "values"
        return f"redacted {self.count} secret-looking {noun} (tokens, keys, passwords); --no-redact shows them"


_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def redact_object(obj: Mapping[str, Any], redactor: Redactor) -> Any:
    """An API object as a snapshot may keep it: secret env values, args, annotations and messages hidden.

    Env entries are judged by their name (``AWS_SECRET_ACCESS_KEY``: its value goes, whatever it looks
    like); every other string by its shape; ``last-applied-configuration``, a JSON copy of the manifest,
    is decoded and redacted the same way, so the manifest's secrets do not survive in it.
    """
    if not redactor.enabled:
        return obj
    return _redact_node(obj, redactor, None)


# No API object nests this deep; a deeper value is dropped rather than walked into.
_MAX_DEPTH = 100


def _redact_node(value: Any, redactor: Redactor, key: str | None, depth: int = 0) -> Any:
    import json

    if depth > _MAX_DEPTH:
        redactor.count += 1
        return MARK

    if isinstance(value, Mapping):
        if key == "env-item":
            value = redactor.env_entry(value)
        result = {}
        for name, item in value.items():
            if name == _LAST_APPLIED and isinstance(item, str):
                try:
                    decoded = json.loads(item)
                except ValueError:
                    result[name] = redactor.text(item)
                else:
                    redacted = _redact_node(decoded, redactor, None, depth + 1)
                    result[name] = json.dumps(redacted, separators=(",", ":")) + "\n"
                continue
            result[name] = _redact_node(item, redactor, str(name), depth + 1)
        return result
    if isinstance(value, list):
        inner = "env-item" if key == "env" else key
        items = [_redact_node(item, redactor, inner, depth + 1) for item in value]
        if key in ("args", "command"):
            # ["--hf-token", "hf_..."]: the value is the next item, whatever it looks like.
            for index in range(len(items) - 1):
                flag, following = items[index], items[index + 1]
                if (
                    isinstance(flag, str)
                    and flag.startswith("--")
                    and "=" not in flag
                    and is_secret_name(flag)
                    and isinstance(following, str)
                    and MARK not in following
                ):
                    items[index + 1] = MARK
                    redactor.count += 1
        return items
    if isinstance(value, str):
        return redactor.text(value)
    return value


def redact_report(report: Report, redactor: Redactor) -> Report:
    """The report with every summary, remedy and evidence value redacted, and a line saying how many."""
    if not redactor.enabled:
        return report
    findings = [
        dataclasses.replace(
            finding,
            summary=redactor.text(finding.summary),
            remedy=redactor.text(finding.remedy) if finding.remedy else finding.remedy,
            evidence=tuple(dataclasses.replace(item, value=redactor.value(item.value)) for item in finding.evidence),
        )
        for finding in report.findings
    ]
    note = redactor.note()
    return dataclasses.replace(report, findings=findings, skipped=[*report.skipped, *([note] if note else [])])
