"""The dataset card of an export: README.md with counts, provenance, commands, leakage, quality, a PNG chart.

Quality figures follow seed 004: coverage (share of a label's known values that occur; known
values come from the schema's enum when there is one), diversity (Shannon entropy of the
label distribution, and normalised by log2 of the number of values seen), balance (the
rarest value's count over the most common's).
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

from factory.export.split import label_value


def quality(records: list[dict], field: str, known: list | None) -> dict:
    counts = Counter(str(label_value(r, field)) for r in records)
    total = sum(counts.values())
    entropy = -sum(c / total * math.log2(c / total) for c in counts.values()) if total else 0.0
    return {
        "values": len(counts),
        "coverage": round(len(set(counts) & {str(k) for k in known}) / len(known), 3)
        if known
        else None,
        "entropy_bits": round(entropy, 3),
        "diversity": round(entropy / math.log2(len(counts)), 3) if len(counts) > 1 else 0.0,
        "balance": round(min(counts.values()) / max(counts.values()), 3) if counts else 0.0,
    }


def chart(splits: dict[str, list[dict]], field: str, path: Path) -> None:
    from factory.charts import grouped_bars

    values = sorted({str(label_value(r, field)) for rows in splits.values() for r in rows})
    counts = {
        name: Counter(str(label_value(r, field)) for r in rows) for name, rows in splits.items()
    }
    grouped_bars(counts, values, path, ylabel="records", title=f"{field} by split")


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def render(summary: dict) -> str:
    splits, fields = summary["splits"], summary["stratify"]
    parts = [
        f"# {summary['recipe']} — export of run {summary['run_id']}",
        "",
        f"Format `{summary['format']}`; split {summary['split']} grouped by seed, stratified by "
        f"{', '.join(fields) or 'nothing'}; seed {summary['seed']}.",
        "",
        "## Counts",
        "",
        _table(
            ["split", "records", "seed groups"],
            [[n, s["records"], s["seeds"]] for n, s in splits.items()],
        ),
        "",
    ]
    for field in fields:
        values = sorted({v for s in splits.values() for v in s["labels"][field]})
        parts += [
            f"### {field}",
            "",
            _table(
                ["value", *splits],
                [[v, *(s["labels"][field].get(v, 0) for s in splits.values())] for v in values],
            ),
            "",
        ]
    parts += [
        f"![label distribution]({summary['chart']})",
        "",
        "## Provenance",
        "",
        _table(["origin", "records"], sorted(summary["origins"].items())),
        "",
        f"Teacher: {summary['teacher']}"
        + (
            f" (weights sha256 `{summary['teacher_sha256']}`)"
            if summary.get("teacher_sha256")
            else ""
        )
        + f". Human-labelled share: {summary['human_label_share']:.1%}.",
        "",
        "## Commands",
        "",
        "```",
        summary["build_command"] or "(build command not recorded)",
        summary["command"],
        "```",
        "",
        "## Leakage and decontamination",
        "",
        f"Checked: cosine >= {summary['leakage']['threshold']} or a shared {summary['leakage']['ngram']}-gram between "
        f"a training input and a validation/test input. Seed groups moved to train: {summary['leakage']['moved_groups']} "
        f"({summary['leakage']['moved_records']} records); leaks left: {summary['leakage']['remaining']}.",
        "",
        f"Decontamination: {summary['decontamination']}.",
        "",
        "## Data quality (seed 004)",
        "",
        _table(
            ["label", "values", "coverage", "entropy (bits)", "diversity", "balance"],
            [
                [
                    f,
                    q["values"],
                    q["coverage"] if q["coverage"] is not None else "n/a",
                    q["entropy_bits"],
                    q["diversity"],
                    q["balance"],
                ]
                for f, q in summary["quality"].items()
            ],
        ),
        "",
    ]
    if summary["notes"]:
        parts += ["## Notes", "", *[f"- {note}" for note in summary["notes"]], ""]
    return "\n".join(parts)
