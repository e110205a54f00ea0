"""The usage bar's geometry: what each cell means, and where the request and limit marks land."""

from __future__ import annotations

from kubectl_ml.render.bars import ASCII, BLOCKS, usage_bar, usage_legend


def _cells(text: str) -> str:
    assert text.startswith("|"), text
    assert text.endswith("|"), text
    return text[1:-1]


def test_percentiles_fill_the_cells_they_reach_and_marks_sit_at_request_and_limit() -> None:
    # Scale 0-8 over 8 cells: one cell per unit. P50 2, P99 4, max 5; request 6, limit 8.
    cells = _cells(usage_bar(2.0, 4.0, 5.0, 6.0, 8.0, 8.0, ASCII, width=8).plain)
    assert cells == "##==-R.L"


def test_a_request_equal_to_its_limit_reads_rl_and_stays_inside_the_bar() -> None:
    assert _cells(usage_bar(1.0, 2.0, 2.0, 4.0, 4.0, 8.0, ASCII, width=8).plain) == "#=.RL..."
    # At the right end there is no cell after the limit: R moves one cell left.
    assert _cells(usage_bar(1.0, 2.0, 2.0, 8.0, 8.0, 8.0, ASCII, width=8).plain) == "#=....RL"


def test_unset_request_and_limit_leave_no_mark_and_usage_over_the_limit_shows_past_it() -> None:
    assert _cells(usage_bar(1.0, 2.0, 3.0, None, None, 4.0, ASCII, width=4).plain) == "#=-."
    # A container using more than its limit (CPU is throttled, not killed): usage runs past L.
    assert _cells(usage_bar(3.0, 3.5, 4.0, 1.0, 2.0, 4.0, ASCII, width=4).plain) == "RL#="


def test_blocks_on_a_terminal_mean_the_same_as_ascii_and_the_legend_says_so() -> None:
    blocks = usage_bar(2.0, 4.0, 5.0, 6.0, 8.0, 8.0, BLOCKS, width=8).plain
    assert _cells(blocks) == "██▓▓░R L"
    for glyphs in (ASCII, BLOCKS):
        legend = usage_legend(glyphs)
        assert f"{glyphs.median} to P50" in legend
        assert f"{glyphs.high} to P99" in legend
        assert "R the current request" in legend
        assert "L the current limit" in legend


def test_no_scale_no_bar() -> None:
    assert usage_bar(0.0, 0.0, 0.0, None, None, 0.0, ASCII).plain == ""
