"""Run every benchmark in turn: `.venv/bin/python -m benchmarks [NAME ...]`.

Each module `benchmarks/<name>.py` has a `main(argv)`; here each runs with its defaults.
Naming some runs only those.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    wanted = set(sys.argv[1:] if argv is None else argv)
    found = pkgutil.iter_modules([str(Path(__file__).parent)])
    names = sorted(m.name for m in found if not m.name.startswith("_"))
    unknown = wanted - set(names)
    if unknown:
        raise SystemExit(
            f"benchmarks: no benchmark named {', '.join(sorted(unknown))} "
            f"(have: {', '.join(names)})"
        )
    for name in names:
        if wanted and name not in wanted:
            continue
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        importlib.import_module(f"benchmarks.{name}").main([])
        print(f"   ({time.perf_counter() - start:.1f} s)\n", flush=True)


if __name__ == "__main__":
    main()
