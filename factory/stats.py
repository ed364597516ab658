"""How far a score on a small split can be trusted: 95% intervals and the smallest split worth judging.

- `interval(values)`: a 95% interval, in percent, for the mean of per-example scores in [0, 1]:
  Wilson's score interval when every score is 0 or 1 (accuracy-like metrics), else a
  percentile bootstrap (2,000 resamples, fixed seed, so the same scores give the same interval).
- `gain_interval(a, b)`: an interval for the difference of two scores from their own intervals
  (Newcombe's method: exact for two Wilson intervals, a fair approximation for bootstrap ones).
- `too_few(n, what)`: a warning when a split is under MIN_JUDGE records, else None.
It does not decide anything: factory.evaluate turns these into warnings and verdicts.
"""

from __future__ import annotations

import math
import random

Z95 = 1.959964
# Under 30 records a 95% interval on a 50% score is wider than +-17 points (Wilson): the
# difference between two models has to be huge to show, and one record moves a score by > 3 points.
MIN_JUDGE = 30


def wilson(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion, as fractions."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def bootstrap(values: list[float], resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval (2.5%, 97.5%) of the mean, as fractions."""
    if not values:
        return 0.0, 1.0
    rng, n = random.Random(seed), len(values)
    means = sorted(sum(rng.choice(values) for _ in range(n)) / n for _ in range(resamples))
    return means[int(0.025 * resamples)], means[min(resamples - 1, int(0.975 * resamples))]


def interval(values: list[float]) -> list[float]:
    """A 95% interval of the mean score, in percent (rounded to 0.1), e.g. [43.9, 100.0]."""
    if all(v in (0.0, 1.0) for v in values):
        low, high = wilson(sum(values), len(values))
    else:
        low, high = bootstrap(values)
    return [round(100 * low, 1), round(100 * high, 1)]


def gain_interval(a: float, a_ci: list[float], b: float, b_ci: list[float]) -> list[float]:
    """95% interval of b - a (points) from each score and its interval (Newcombe's hybrid score method)."""
    gain = b - a
    low = gain - math.sqrt((b - b_ci[0]) ** 2 + (a_ci[1] - a) ** 2)
    high = gain + math.sqrt((b_ci[1] - b) ** 2 + (a - a_ci[0]) ** 2)
    return [round(low, 1), round(high, 1)]


def too_few(n: int, what: str) -> str | None:
    """A warning when `n` records are too few to judge a model on (`what`: e.g. "the test split")."""
    if n >= MIN_JUDGE:
        return None
    return (
        f"{what} has {n} record{'s' if n != 1 else ''}: too few to judge a model (judge from {MIN_JUDGE}; here one "
        f"record moves a score by {100 / max(n, 1):.0f} points, and a 95% interval on a score near 50% is over "
        "30 points wide)"
    )
