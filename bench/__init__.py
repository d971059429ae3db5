"""memli benchmarks: ``python -m bench`` (see bench/__main__.py)."""
import statistics
import time


def median_time(fn, repeat: int = 5, warmup: bool = True) -> float:
    """Median wall time of ``repeat`` calls of ``fn``, s, after one untimed warm-up call."""
    if warmup:
        fn()
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)
