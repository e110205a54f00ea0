"""Kubernetes resource quantities ("500m", "1Gi", "1e3") as exact fractions, and back to strings.

The API accepts binary suffixes (Ki, Mi, Gi, ...), decimal suffixes (n, u, m, k, M, G, ...) and
exponents. Fractions keep "100m" + "900m" == 1 exactly, which comparisons against allocatable need.
"""

from __future__ import annotations

import functools
import math
import re
from fractions import Fraction

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}
# A sign, digits with at most one decimal point ("1.", ".5" are valid), then an exponent or a suffix.
_QUANTITY = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)")


def parse_quantity(value: object) -> Fraction:
    """Parse a Kubernetes quantity into an exact number (cores for CPU, bytes for memory).

    Args:
        value: a quantity string such as ``"250m"``, ``"1.5Gi"``, ``"1e3"``, or a number.

    Returns:
        The value as a Fraction.

    Raises:
        ValueError: if the text is not a valid quantity.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a quantity: {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(value).limit_denominator(10**9)
    return _parse_text(str(value))


@functools.lru_cache(maxsize=4096)
def _parse_text(value: str) -> Fraction:
    """Parse quantity text.

    Cached: a cluster repeats the same few strings ("16", "64Gi") thousands of times, and Fraction
    arithmetic dominated a 5,000-pod scan before this cache.
    """
    text = value.strip()
    match = _QUANTITY.fullmatch(text)
    if not match:
        raise ValueError(f"not a quantity: {value!r}")
    number, exponent, suffix = match.groups()
    base = Fraction(number)
    if exponent:
        return base * Fraction(10) ** int(exponent[1:])
    if suffix in _BINARY:
        return base * _BINARY[suffix]
    return base * _DECIMAL[suffix or ""]


def try_parse_quantity(value: object) -> Fraction | None:
    """Like :func:`parse_quantity`, but ``None`` for missing or malformed values."""
    if value is None:
        return None
    try:
        return parse_quantity(value)
    except (ValueError, ZeroDivisionError):
        return None


def format_memory(num_bytes: Fraction | int | float) -> str:
    """Format bytes the way people write memory limits, rounding up to a whole unit.

    Whole GiB become ``"3Gi"``, anything else whole MiB (``"1536Mi"``), tiny values ``Ki``.
    """
    value = Fraction(num_bytes)
    if value <= 0:
        return "0"
    if value % _BINARY["Gi"] == 0:
        return f"{value // _BINARY['Gi']}Gi"
    if value >= _BINARY["Mi"]:
        return f"{math.ceil(value / _BINARY['Mi'])}Mi"
    return f"{math.ceil(value / _BINARY['Ki'])}Ki"


def format_cpu(cores: Fraction | int | float) -> str:
    """Format CPU cores as whole cores when exact (``"2"``), otherwise millicores rounded up."""
    value = Fraction(cores)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{math.ceil(value * 1000)}m"


def format_quantity(resource: str, value: Fraction | int | float) -> str:
    """Format a value of ``resource`` (cpu, memory-like, or a count such as nvidia.com/gpu)."""
    if resource == "cpu":
        return format_cpu(value)
    if resource in ("memory", "ephemeral-storage") or resource.startswith("hugepages-"):
        return format_memory(value)
    number = Fraction(value)
    return str(number.numerator) if number.denominator == 1 else str(float(number))


def next_memory_step(num_bytes: Fraction | int) -> Fraction:
    """A comfortably larger memory limit than ``num_bytes``: +50%, rounded up to a tidy size.

    Used when a container was OOM-killed at its limit and we have no usage history: the limit it
    hit is a floor, and a single step of 1.5x is the usual first move before measuring.
    """
    target = Fraction(num_bytes) * Fraction(3, 2)
    gib = _BINARY["Gi"]
    if target >= gib:
        return Fraction(math.ceil(target / (gib / 2)) * (gib // 2))
    mib = _BINARY["Mi"]
    return Fraction(math.ceil(target / (64 * mib)) * 64 * mib)
