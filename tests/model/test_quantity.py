"""Quantities: parsing every suffix exactly, and formatting back the way people write them."""

from __future__ import annotations

from fractions import Fraction

import pytest

from kubectl_ml.model.quantity import (
    format_cpu,
    format_memory,
    format_quantity,
    next_memory_step,
    parse_quantity,
    try_parse_quantity,
)

Ki, Mi, Gi = 2**10, 2**20, 2**30


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", Fraction(1)),
        ("250m", Fraction(1, 4)),
        ("47780m", Fraction(4778, 100)),
        ("1.5", Fraction(3, 2)),
        ("0.5Gi", Fraction(Gi, 2)),
        ("1536Mi", Fraction(1536 * Mi)),
        ("186877432Ki", Fraction(186877432 * Ki)),
        ("47060071478", Fraction(47060071478)),
        ("1G", Fraction(10**9)),
        ("2k", Fraction(2000)),
        ("1e3", Fraction(1000)),
        ("1E3", Fraction(1000)),
        ("1e-3", Fraction(1, 1000)),
        ("100n", Fraction(1, 10**7)),
        ("5u", Fraction(5, 10**6)),
        ("2Ti", Fraction(2 * 2**40)),
        ("1Pi", Fraction(2**50)),
        ("1Ei", Fraction(2**60)),
        ("3M", Fraction(3 * 10**6)),
        ("4T", Fraction(4 * 10**12)),
        ("1P", Fraction(10**15)),
        ("1E", Fraction(10**18)),
        ("+2", Fraction(2)),
        ("-1", Fraction(-1)),
        (8, Fraction(8)),
        (0.5, Fraction(1, 2)),
    ],
)
def test_parse(text: object, value: Fraction) -> None:
    assert parse_quantity(text) == value


def test_sums_are_exact() -> None:
    assert parse_quantity("100m") + parse_quantity("900m") == 1
    assert sum(parse_quantity("100m") for _ in range(10)) == 1


@pytest.mark.parametrize("text", ["", "abc", "1Gb", "1gi", "1.2.3", ".", "--1", "1 Gi", "Gi", "1Gi\n2", True])
def test_malformed(text: object) -> None:
    with pytest.raises(ValueError, match="quantity"):
        parse_quantity(text)
    assert try_parse_quantity(text) is None


def test_try_parse_missing() -> None:
    assert try_parse_quantity(None) is None
    assert try_parse_quantity("4") == 4


@pytest.mark.parametrize("text", ["3Gi", "1536Mi", "512Ki", "1Gi", "64Mi"])
def test_memory_round_trip(text: str) -> None:
    assert format_memory(parse_quantity(text)) == text


@pytest.mark.parametrize("text", ["2", "250m", "47780m", "1", "100m"])
def test_cpu_round_trip(text: str) -> None:
    assert format_cpu(parse_quantity(text)) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(3, 2), "1500m"),
        (Fraction(1, 3), "334m"),  # rounded up to whole millicores
        (Fraction(10**9), "954Mi"),  # 1G rounded up to whole MiB
        (Fraction(3 * Gi), "3Gi"),
        (Fraction(1000), "1Ki"),
        (Fraction(0), "0"),
    ],
)
def test_format_rounds_up(value: Fraction, text: str) -> None:
    formatted = format_cpu(value) if text.endswith("m") else format_memory(value)
    assert formatted == text


@pytest.mark.parametrize(
    ("resource", "raw", "text"),
    [
        ("cpu", "47780m", "47780m"),
        ("memory", "2Gi", "2Gi"),
        ("ephemeral-storage", "100Gi", "100Gi"),
        ("hugepages-2Mi", "1Gi", "1Gi"),
        ("nvidia.com/gpu", "8", "8"),
        ("nvidia.com/mig-1g.5gb", "7", "7"),
        ("nvidia.com/gpu.shared", "40", "40"),
        ("example.com/widget", "0.5", "0.5"),
    ],
)
def test_format_quantity_per_resource(resource: str, raw: str, text: str) -> None:
    assert format_quantity(resource, parse_quantity(raw)) == text
    assert parse_quantity(format_quantity(resource, parse_quantity(raw))) == parse_quantity(raw)


def test_next_memory_step() -> None:
    assert next_memory_step(2 * Gi) == 3 * Gi
    assert next_memory_step(3 * Gi) == 4 * Gi + Gi // 2  # 1.5x, rounded up to a half GiB
    assert format_memory(next_memory_step(3 * Gi)) == "4608Mi"
    assert next_memory_step(256 * Mi) == 384 * Mi


@pytest.mark.parametrize(("text", "value"), [("1.", Fraction(1)), (".5", Fraction(1, 2)), (" 2Gi ", Fraction(2 * Gi))])
def test_lenient_but_valid_forms(text: str, value: Fraction) -> None:
    assert parse_quantity(text) == value
