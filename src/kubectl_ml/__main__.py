"""Allow ``python -m kubectl_ml``."""

from __future__ import annotations

from kubectl_ml.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
