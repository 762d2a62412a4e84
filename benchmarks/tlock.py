"""tlock encrypt/decrypt times per curve backend, side by side.

    .venv/bin/python -m benchmarks.tlock [--runs N]

Encrypt is a 1 KiB secret to quicknet round 1000; decrypt includes the beacon's BLS
verification (with round 1000's published signature), as `capsule.core.tlock.decrypt` always
does. Each figure is the median of N runs after one warm-up run (which fills the key cache).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from capsule.core.tlock import (
    QUICKNET,
    available_backends,
    decrypt,
    encrypt,
    get_backend,
    verify_beacon,
)

ROUND = 1000
SIGNATURE = bytes.fromhex("b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125"
                          "e342b73a8dd2bacbe47e4b6b63ed5e39")
PLAINTEXT = bytes(1024)


def _median(fn: Callable[[], object], runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(name: str, runs: int) -> dict[str, float]:
    """Median seconds of encrypt, verify and decrypt on backend `name`."""
    backend = get_backend(name)
    data = encrypt(PLAINTEXT, ROUND, backend=backend)
    assert decrypt(data, SIGNATURE, backend=backend) == PLAINTEXT
    return {
        "encrypt": _median(lambda: encrypt(PLAINTEXT, ROUND, backend=backend), runs),
        "verify beacon": _median(lambda: verify_beacon(ROUND, SIGNATURE, QUICKNET, backend), runs),
        "decrypt": _median(lambda: decrypt(data, SIGNATURE, backend=backend), runs),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="benchmarks.tlock", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    names = available_backends()
    results = {name: measure(name, args.runs) for name in names}
    print(f"tlock (quicknet round {ROUND}, 1 KiB), median of {args.runs} runs")
    header = f"{'operation':<14}" + "".join(f"{name:>12}" for name in names)
    if {"pyecc", "arkworks"} <= set(names):
        header += f"{'pyecc/arkworks':>16}"
    print(header)
    for op in ("encrypt", "verify beacon", "decrypt"):
        row = f"{op:<14}" + "".join(f"{results[n][op] * 1000:>10.2f}ms" for n in names)
        if {"pyecc", "arkworks"} <= set(names):
            row += f"{results['pyecc'][op] / results['arkworks'][op]:>15.0f}x"
        print(row)
    if "arkworks" not in names:
        print("(install the fast-drand extra for the arkworks backend)")


if __name__ == "__main__":
    main()
