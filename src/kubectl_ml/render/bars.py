"""Small plain-text pictures: where people would rather look than read (issue 13).

A bar is a row of characters, never a graphic: it survives a pipe, a log file and a pasted issue. On a
UTF-8 terminal it is drawn in block characters; piped (or on a terminal that cannot show them) in ASCII,
with the same meaning per character.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.console import Console
from rich.text import Text

USAGE_BAR_WIDTH = 24


def ascii_only(console: Console) -> bool:
    """True when piped or on a terminal that is not UTF-8: bars in ``#=-.`` instead of blocks."""
    return not console.is_terminal or not (console.encoding or "").lower().startswith("utf")


@dataclass(frozen=True)
class Glyphs:
    """The characters of a usage bar: usage up to P50, up to P99, up to the maximum, and beyond it."""

    median: str
    high: str
    peak: str
    empty: str


BLOCKS = Glyphs("█", "▓", "░", " ")
ASCII = Glyphs("#", "=", "-", ".")


def usage_legend(glyphs: Glyphs) -> str:
    """The one line that says what a usage bar's characters mean."""
    return (
        f"Bars: usage {glyphs.median} to P50, {glyphs.high} to P99, {glyphs.peak} to the maximum, against R the "
        "current request and L the current limit (none shown: not set); each scale runs from 0 to the value at "
        "its right."
    )


def usage_bar(
    p50: float,
    p99: float,
    peak: float,
    request: float | None,
    limit: float | None,
    top: float,
    glyphs: Glyphs,
    width: int = USAGE_BAR_WIDTH,
) -> Text:
    """Usage percentiles against the request (``R``) and limit (``L``), on a scale from 0 to ``top``.

    Each cell stands for ``top / width``; it is drawn as the highest usage statistic that reaches its
    middle, so a P50 of half the request fills half the cells up to ``R``. A request or limit marks the
    cell it falls in (the last cell for a value at ``top``); a request and limit in one cell are ``RL``
    over that cell and the next (the one before, at the right end).
    """
    if top <= 0 or width < 4:
        return Text("")
    cells: list[tuple[str, str]] = []
    for index in range(width):
        middle = (index + 0.5) * top / width
        if middle <= p50:
            cells.append((glyphs.median, "cyan"))
        elif middle <= p99:
            cells.append((glyphs.high, "cyan"))
        elif middle <= peak:
            cells.append((glyphs.peak, "cyan"))
        else:
            cells.append((glyphs.empty, "dim"))

    def cell_of(value: float) -> int:
        return min(width - 1, max(0, math.ceil(value / top * width) - 1))

    marks: dict[int, str] = {}
    if request is not None and request > 0:
        marks[cell_of(request)] = "R"
    if limit is not None and limit > 0:
        at = cell_of(limit)
        if marks.get(at) == "R":  # request == limit (Guaranteed QoS) or nearly: "RL" over two cells
            if at + 1 < width:
                marks[at + 1] = "L"
            else:
                marks = {at - 1: "R", at: "L"}
        else:
            marks[at] = "L"
    for index, mark in marks.items():
        cells[index] = (mark, "bold magenta")
    bar = Text("|", style="dim")
    for character, style in cells:
        bar.append(character, style=style)
    bar.append("|", style="dim")
    return bar
