"""The build report as a rich table for the terminal (report.json itself is written by factory.build)."""

from __future__ import annotations

from rich.table import Table


def stage_table(report: dict) -> Table:
    teacher = report.get("teacher", {})
    title = f"{report['recipe']} / {report['run_id']}  teacher: {teacher.get('model', 'embedded')}"
    table = Table(title=title)
    for column, justify in (("stage", "left"), ("in", "right"), ("out", "right"), ("rejected (reason: count)", "left"), ("seconds", "right")):
        table.add_column(column, justify=justify)
    for row in report["stages"]:
        reasons = ", ".join(f"{reason}: {count}" for reason, count in row["rejected"].items()) or "-"
        table.add_row(row["name"], str(row["in"]), str(row["out"]), reasons, f"{row['seconds']:.1f}")
    tokens, cache = report["tokens"], report.get("cache", {})
    pii = ", ".join(f"{kind} {count}" for kind, count in report.get("pii", {}).items()) or "none"
    table.caption = (f"{report['records']} records, {report['rejected']} rejected; tokens {tokens['prompt']} prompt + "
                     f"{tokens['completion']} completion; cache {cache.get('hits', 0)} hits, {cache.get('misses', 0)} misses; "
                     f"PII replaced: {pii}")
    return table
