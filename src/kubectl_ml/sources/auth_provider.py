"""``users[].user.auth-provider``: the credential mechanism that came before exec plugins.

client-go keeps only ``oidc`` of its in-tree providers; ``gcp`` and ``azure`` were removed in
Kubernetes 1.26 (``openstack`` earlier), and kubectl answers them with "The gcp auth plugin has been
removed." and the plugin to use instead. We answer the same way, in one line and a hint.

``oidc``: client-go sends the saved ``id-token`` while it is valid and otherwise refreshes it with the
issuer and writes the new one back into the kubeconfig. We never write the kubeconfig (nor anything
outside the snapshot a user asks for), so an expired token is an error that says how to refresh it,
never a request sent with a token the server will refuse. Nothing here touches the network, so no
deadline is needed: the whole of it runs in microseconds.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Mapping
from typing import Any

from kubectl_ml.errors import ConfigError

# client-go's oidc provider treats a token as expired this long before its exp (clock skew).
EXPIRY_MARGIN_SECONDS = 10

_REMOVED = {
    "gcp": (
        "gke-gcloud-auth-plugin",
        "Install gke-gcloud-auth-plugin (gcloud components install gke-gcloud-auth-plugin) and run "
        "`gcloud container clusters get-credentials CLUSTER` again: it writes an exec entry instead.",
    ),
    "azure": (
        "kubelogin",
        "Install Azure's kubelogin and run `kubelogin convert-kubeconfig`: it rewrites the context to use it.",
    ),
    "openstack": (
        "client-keystone-auth",
        "Switch the user to the client-keystone-auth exec credential plugin of cloud-provider-openstack.",
    ),
}


def credentials_from_auth_provider(
    provider: Mapping[str, Any], context: str, now: float | None = None
) -> dict[str, str]:
    """The user entry an ``auth-provider`` stands for (``{"token": ...}``), or the ConfigError kubectl gives.

    Args:
        provider: the ``auth-provider`` mapping (``name`` and ``config``).
        context: the context's name, for messages.
        now: the time (seconds since the epoch) to judge expiry by; the clock when None.

    Raises:
        ConfigError: a removed or unknown provider, or an OIDC id-token that is missing or expired.
    """
    name = str(provider.get("name") or "")
    if name in _REMOVED:
        plugin, hint = _REMOVED[name]
        raise ConfigError(
            f"The {name} auth plugin has been removed (kubectl 1.26 and later): context {context!r} still uses "
            f"it; the {plugin} credential plugin replaces it.",
            hint,
        )
    if name != "oidc":
        raise ConfigError(
            f'no Auth Provider found for name "{name}" (context {context!r}).',
            "Use an exec credential plugin (users[].user.exec), a token or a client certificate instead.",
        )
    config = provider.get("config")
    token = config.get("id-token") if isinstance(config, Mapping) else None
    if not isinstance(token, str) or not token:
        raise ConfigError(
            f"Context {context!r} uses the oidc auth provider but holds no id-token.",
            "Log in with your OIDC helper (e.g. kubectl oidc-login), or run a kubectl command once to fetch one.",
        )
    expiry = _expiry(token)
    moment = time.time() if now is None else now
    if expiry is not None and expiry <= moment + EXPIRY_MARGIN_SECONDS:
        expired = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(expiry))
        raise ConfigError(
            f"The OIDC id-token of context {context!r} expired at {expired}; kubectl-ml does not refresh it "
            "(that rewrites the kubeconfig).",
            "Run any kubectl command against this context once (kubectl refreshes and saves it), then retry.",
        )
    return {"token": token}


def _expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT, unverified (the API server verifies it); None when it has none."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, binascii.Error, RecursionError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None
