"""Sandbox cost: the largest operations a script may do, and how fast a denial-of-service payload is
refused (the probe's pow held the CPU 8.3 s). Prints medians over several runs.

    python -m tests.bench.sandbox_bench
"""

from __future__ import annotations

import statistics
import time

from processes.engine.sandbox import SandboxedEnvironment, SandboxLimitExceeded

ALLOWED = [
    "x = len('x'.ljust(10**6))",
    "x = pow(3, 2**2048 - 1, 2**2047 + 7)",
    "x = (2**99990 * 3).bit_length()",
    "x = len(sorted(range(300000, 0, -1)))",
    "x = sum(range(10**6)) + min(list(range(10**6))) + (5 in list(range(10**6)))",
    "x = hash(tuple(range(10**6))) and [0] * 10**6 == [0] * 10**6",
    "x = len(str(list(range(100000))))",
]
REFUSED = [
    "x = pow(7**3000, 7**3000, 7**3000 + 2)",
    "x = 'x'.ljust(10**9)",
    "x = f'{1:{10**9}}'",
    "x = '%*d' % (10**9, 1)",
    "x = sorted('ab' * 10**7)",
]


def _median_ms(fn: object, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    env = SandboxedEnvironment()
    allowed = _median_ms(lambda: [env.execute(s, {}) for s in ALLOWED])
    print(f"sandbox largest allowed operations ms: {allowed:.0f} (goal <= 1000, the script time limit)")

    def refuse_all() -> None:
        for s in REFUSED:
            try:
                env.execute(s, {})
            except SandboxLimitExceeded:
                continue
            raise SystemExit(f"not refused: {s}")

    refused = _median_ms(refuse_all)
    print(f"sandbox refusal of {len(REFUSED)} DoS payloads ms: {refused:.0f} (goal <= 500; before: 8300 for pow alone)")


if __name__ == "__main__":
    main()
