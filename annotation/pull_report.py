"""What `factory annotate pull` reports: agreement between annotators, the line it prints, and the
run's report.json brought in step with the merged dataset.

- `agreement(votes)`: mean pairwise percent agreement and Fleiss' kappa on the verdict, over
  records with two or more submitted responses (None where there are none).
- `summary_line(report, path)`: counts, and agreement only where there was something to agree
  on (never "None%"): nothing labelled yet, no overlap yet, or kappa undefined are said in words.
- `refresh_build_report(run, recipe, pulled)`: records, labels and origins recounted from the
  dataset.jsonl the merge wrote, plus a `human` section.
It does not talk to Argilla and does not merge anything (annotation.pull does).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from factory.jsonl import write_json_file

if TYPE_CHECKING:
    from annotation.pull import Vote
    from factory.recipes import Recipe


def agreement(votes: dict[str, list[Vote]]) -> dict:
    """Percent agreement and Fleiss' kappa on the verdict, over records with 2+ submitted responses."""
    items = [
        Counter(vote.verdict for vote in record_votes)
        for record_votes in votes.values()
        if len(record_votes) >= 2
    ]
    if not items:
        return {"records_with_overlap": 0, "percent_agreement": None, "fleiss_kappa": None}
    pairwise = [
        sum(c * (c - 1) for c in item.values()) / (sum(item.values()) * (sum(item.values()) - 1))
        for item in items
    ]
    return {
        "records_with_overlap": len(items),
        "percent_agreement": round(100 * sum(pairwise) / len(pairwise), 1),
        "fleiss_kappa": fleiss_kappa(items),
    }


def fleiss_kappa(items: list[Counter]) -> float | None:
    """Fleiss' kappa; items may have different numbers of raters (each item's P_i uses its own n)."""
    categories = sorted({category for item in items for category in item})
    total = sum(sum(item.values()) for item in items)
    p_j = [sum(item[c] for item in items) / total for c in categories]
    p_e = sum(p * p for p in p_j)
    p_bar = sum(
        sum(c * (c - 1) for c in item.values()) / (sum(item.values()) * (sum(item.values()) - 1))
        for item in items
    ) / len(items)
    if p_e == 1.0:
        return None  # one category only: kappa is undefined
    return round((p_bar - p_e) / (1 - p_e), 3)


def refresh_build_report(run_path: Path, recipe: Recipe, pulled: dict) -> None:
    """The run's report.json describes the dataset.jsonl that is there now: records, labels and origins
    recounted after the merge, and a `human` section (outcomes, where the agreement report is)."""
    from factory.build import dataset_summary
    from factory.jsonl import read_jsonl

    path = run_path / "report.json"
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError):
        return  # not a finished build's report: nothing to keep in step
    dataset = run_path / "dataset.jsonl"
    report.update(records=sum(1 for _ in read_jsonl(dataset)), **dataset_summary(dataset, recipe))
    report["human"] = {
        "labelled": pulled["labelled"],
        "outcomes": pulled["outcomes"],
        "rejected": pulled["outcomes"].get("rejected", 0)
        + pulled["outcomes"].get("duplicate_id", 0),
        "report": "annotation/report.json",
    }
    write_json_file(path, report)


def summary_line(report: dict, report_path: Path) -> str:
    """What `annotate pull` prints: counts, and agreement only where there is something to agree on."""
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(report["outcomes"].items()))
    head = f"{report['labelled']} of {report['records']} records labelled ({outcomes})"
    if not report["labelled"]:
        return (
            f"{head}: nobody has submitted a response yet; label in the Argilla UI, then pull again. "
            f"Report: {report_path}"
        )
    agreement = report["agreement"]
    if not agreement["records_with_overlap"]:
        said = "agreement: none measured (no record was answered by two annotators yet)"
    else:
        kappa = agreement["fleiss_kappa"]
        kappa_text = (
            f"Fleiss' kappa {kappa}"
            if kappa is not None
            else "Fleiss' kappa undefined (every answer was the same verdict)"
        )
        said = (
            f"agreement: {agreement['percent_agreement']}% over {agreement['records_with_overlap']} "
            f"shared records, {kappa_text}"
        )
    return f"{head}; {said}. Report: {report_path}"
