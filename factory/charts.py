"""One chart the reports share: grouped bars (one group per category, one bar per series), as PNG.

Used by the dataset card (label counts per split) and by `factory eval --compare` (metrics
per model). matplotlib runs headless (Agg); nothing here knows about records.
"""

from __future__ import annotations

from pathlib import Path


def grouped_bars(
    series: dict[str, dict[str, float]],
    categories: list[str],
    path: Path,
    *,
    ylabel: str,
    title: str = "",
    ylim: tuple[float, float] | None = None,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6, len(categories) * 1.1), 3.6))
    width = 0.8 / max(1, len(series))
    for n, (name, values) in enumerate(series.items()):
        ax.bar(
            [i + n * width for i in range(len(categories))],
            [values.get(c, 0) for c in categories],
            width,
            label=name,
        )
    ax.set_xticks(
        [i + width * (len(series) - 1) / 2 for i in range(len(categories))],
        categories,
        rotation=20,
        ha="right",
    )
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if ylim:
        ax.set_ylim(*ylim)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
