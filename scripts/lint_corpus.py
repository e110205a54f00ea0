"""Lint the real-manifest corpus (tests/lint/corpus) and compare with its judged baseline.

    python scripts/lint_corpus.py                  # verdict counts, precision, what changed
    python scripts/lint_corpus.py --stubs F.yaml   # also write the unjudged findings as entries to judge
    python scripts/lint_corpus.py --write-docs     # rewrite the table in docs/lint-precision.md
    python scripts/lint_corpus.py --check-docs     # exit 1 when that table is out of date (the tests run this)

Judging: copy a stub into tests/lint/corpus-baseline.yaml, set ``verdict`` to right, wrong or debatable
and say why in ``reason`` (what a platform engineer reading this manifest would say of the finding).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

import yaml  # noqa: E402 - path set up above
from tests.lint.judged import compare, load_baseline, precision_table, run_corpus  # noqa: E402

DOC = ROOT / "docs" / "lint-precision.md"
MARK_BEGIN, MARK_END = "<!-- table:begin -->", "<!-- table:end -->"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stubs", type=Path, help="write the unjudged findings here as baseline entries")
    parser.add_argument("--write-docs", action="store_true", help="rewrite the table in docs/lint-precision.md")
    parser.add_argument("--check-docs", action="store_true", help="exit 1 when docs/lint-precision.md is stale")
    options = parser.parse_args()
    seen, skipped = run_corpus()
    comparison = compare(seen, load_baseline())
    document = DOC.read_text(encoding="utf-8")
    start, end = document.index(MARK_BEGIN) + len(MARK_BEGIN), document.index(MARK_END)
    current = document[:start] + "\n" + precision_table(comparison) + "\n" + document[end:]
    if options.check_docs:
        if current != document:
            print("docs/lint-precision.md is out of date: run python scripts/lint_corpus.py --write-docs")
            return 1
        return 0
    print(precision_table(comparison))
    strict = comparison.precision(debatable_as_wrong=True)
    print(f"\nprecision {comparison.precision():.1%} (debatable as wrong: {strict:.1%})")
    print(
        f"lost (judged right, gone): {len(comparison.lost)}; back (judged wrong, gone, found again): "
        f"{len(comparison.back)}; stale (not found, not marked gone): {len(comparison.stale)}"
    )
    print(f"unjudged: {len(comparison.unjudged)}; skipped: {len(skipped)}")
    if options.stubs:
        stubs = [item.stub() for item in comparison.unjudged]
        options.stubs.write_text(yaml.safe_dump(stubs, sort_keys=False, allow_unicode=True, width=120))
        print(f"wrote {len(stubs)} stubs to {options.stubs}")
    if options.write_docs:
        DOC.write_text(current, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
