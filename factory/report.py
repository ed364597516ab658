"""The build report for the terminal: a rich table of the stages, what the teacher wrote (its share of the
kept records by origin, the top rejection reasons, a warning under TEACHER_WARN), and the rest of the
loop as the exact commands for the run just built. (report.json itself is written by factory.build.)"""

from __future__ import annotations

import shlex
from pathlib import Path

from rich.table import Table

GROUPS = (
    "grammar",
    "teacher_rewrite",
    "teacher_new",
    "source",
    "user",
)  # where a kept record's input came from
TEACHER_WARN = 0.10  # below this share of the kept records written by the teacher, the build warns
TOP = 3
SLOW_TEACHER_SECONDS = (
    600  # an embedded teacher busy this long on one request at a time gets the hint to batch
)


def stage_table(report: dict) -> Table:
    teacher = report.get("teacher", {})
    title = f"{report['recipe']} / {report['run_id']}  teacher: {teacher.get('model', 'embedded')}"
    table = Table(title=title)
    for column, justify in (
        ("stage", "left"),
        ("in", "right"),
        ("out", "right"),
        ("rejected (reason: count)", "left"),
        ("seconds", "right"),
    ):
        table.add_column(column, justify=justify)
    for row in report["stages"]:
        reasons = (
            ", ".join(f"{reason}: {count}" for reason, count in row["rejected"].items()) or "-"
        )
        table.add_row(
            row["name"], str(row["in"]), str(row["out"]), reasons, f"{row['seconds']:.1f}"
        )
    tokens, cache = report["tokens"], report.get("cache", {})
    pii = ", ".join(f"{kind} {count}" for kind, count in report.get("pii", {}).items()) or "none"
    table.caption = (
        f"{report['records']} records, {report['rejected']} rejected; tokens {tokens['prompt']} prompt + "
        f"{tokens['completion']} completion; cache {cache.get('hits', 0)} hits, {cache.get('misses', 0)} misses; "
        f"PII replaced: {pii}"
    )
    keys = report.get("pii_rejections", {})
    if keys.get("in_task_output"):
        kinds = ", ".join(f"{kind} {count}" for kind, count in keys["by_entity"].items())
        table.caption += (
            f"; {keys['in_task_output']} of {keys['total']} PII rejections hit the task's own output "
            f"(keys, queries: {kinds}): a false positive? see {', '.join(keys['files'])} and add the "
            "words to the recipe's pii.allow"
        )
    return table


PII_REASONS = ("pii_broke_schema", "pii_found")


def pii_rejections(run_dir: Path, rows: list[dict]) -> dict:
    """PII rejections, and how many of them replaced something in the record's output (the task's keys,
    queries, commands), where a "person" is more often a slug like runbook-db-failover than a person.
    Counts by entity type of the placeholders found there; the files to look in. Never the values."""
    import json

    from factory.pii_secrets import PLACEHOLDER

    total, hit, kinds, files = 0, 0, {}, []
    for row in rows:
        if not any(row["rejected"].get(reason) for reason in PII_REASONS):
            continue
        path = run_dir / "rejected" / f"{row['name']}.jsonl"
        files.append(str(path.relative_to(run_dir)))
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                rejection = json.loads(line)
                if rejection.get("reason") not in PII_REASONS:
                    continue
                total += 1
                found = PLACEHOLDER.findall(
                    json.dumps((rejection.get("record") or {}).get("output"), ensure_ascii=False)
                )
                if found:
                    hit += 1
                    for entity in sorted({entity for entity, _ in found}):
                        kinds[entity] = kinds.get(entity, 0) + 1
    return {
        "total": total,
        "in_task_output": hit,
        "by_entity": dict(sorted(kinds.items())),
        "files": files,
    }


def next_steps(recipe: str, run_id: str, out: Path) -> list[str]:
    """The rest of the loop for this run (annotate, export, train, eval, serve), each command as typed,
    with this run's --run and the --out it was built under, so that they work when pasted in order."""
    out_flag = "" if Path(out) == Path("data") else f" --out {shlex.quote(str(out))}"
    at = f" --run {shlex.quote(run_id)}{out_flag}"
    name = f"{run_id}-student"
    model = shlex.quote(str(Path(out) / recipe / "models" / name))
    return [
        f"factory annotate serve{out_flag} --annotators 1      # optional, in another terminal: the Argilla UI",
        f"factory annotate push {recipe}{at} --sample 20        # then label in the UI",
        f"factory annotate pull {recipe}{at}",
        f"factory export {recipe}{at}",
        f"factory train {recipe}{at} --name {name} --max-steps 100 --gguf q8_0",
        f"factory eval {recipe}{at} --model base",
        f"factory eval {recipe}{at} --model {model}",
        f"factory eval {recipe}{out_flag} --compare base,{name}",
        f"factory serve {model}",
    ]


def origin_group(provenance: dict) -> str:
    """A record's origin as one of GROUPS: the teacher's records are rewrites (teacher.mode variations: a
    seed's request reworded, its answer kept) or new (pairs and answers the teacher wrote); `man`, `log`,
    `repo` and other real material are `source`."""
    origin = provenance.get("origin")
    if origin in GROUPS:
        return origin
    if origin == "teacher":
        mode = provenance.get("mode") or provenance.get("teacher_mode")
        rewrite = mode == "variations" if mode else "keep_values" in provenance
        return "teacher_rewrite" if rewrite else "teacher_new"
    return "source"


def teacher_share(run_dir: Path, rows: list[dict]) -> dict:
    """report.json's `teacher_share`: the kept records by origin group, the teacher's share of them, its
    records that the checks rejected (by reason), and the top rejection reasons of the whole build."""
    import json

    groups = dict.fromkeys(GROUPS, 0)
    with open(run_dir / "dataset.jsonl", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                groups[origin_group(json.loads(line).get("provenance") or {})] += 1
    rejected, everything = {}, {}
    for row in rows:
        for reason, count in row["rejected"].items():
            everything[reason] = everything.get(reason, 0) + count
        path = run_dir / "rejected" / f"{row['name']}.jsonl"
        if row["rejected"] and path.is_file():
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    rejection = json.loads(line)
                    if str(
                        ((rejection.get("record") or {}).get("provenance") or {}).get("origin", "")
                    ).startswith("teacher"):
                        rejected[rejection["reason"]] = rejected.get(rejection["reason"], 0) + 1
    records, teacher = sum(groups.values()), groups["teacher_rewrite"] + groups["teacher_new"]
    return {
        "records": records,
        "teacher": teacher,
        "share": round(teacher / records, 4) if records else 0.0,
        "by_origin": groups,
        "teacher_rejected": sum(rejected.values()),
        "teacher_rejections": _ranked(rejected),
        "top_rejections": _ranked(everything)[:TOP],
    }


def _ranked(counts: dict) -> list[list]:
    return [
        [reason, count]
        for reason, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def _percent(share: float) -> str:
    return (
        f"{100 * share:.1f}".rstrip("0").rstrip(".") + "%"
    )  # 0%, 9.5%, 28.6%: never rounded up to 10%


def _reasons(ranked: list[list]) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in ranked)


def _teacher_seconds(report: dict) -> float:
    """Seconds the build spent in the stages that asked the teacher (those whose row counts its cache)."""
    return sum(row.get("seconds", 0) for row in report["stages"] if "cache" in row)


def teacher_lines(report: dict) -> tuple[list[str], str | None]:
    """(summary lines, warning or None) for the end of `factory build`; nothing for a recipe without a teacher."""
    share = report.get("teacher_share")
    if not share or not any(row["name"].startswith("generate") for row in report["stages"]):
        return [], None
    groups = ", ".join(
        f"{name.replace('_', ' ')} {count}" for name, count in share["by_origin"].items()
    )
    lines = [
        f"the teacher wrote {share['teacher']} of the {share['records']} records ({_percent(share['share'])}); "
        f"by origin: {groups}",
        f"top rejections: {_reasons(share['top_rejections']) or 'none'}",
    ]
    teacher, asked = report.get("teacher") or {}, _teacher_seconds(report)
    if teacher.get("embedded") and teacher.get("slots") == 1 and asked >= SLOW_TEACHER_SECONDS:
        lines.append(
            f"the embedded teacher took {asked / 60:.0f} min, one request at a time: `python -m factory.llama_native` "
            "builds llama.cpp's own server once (about 6 min), which decodes 4 side by side, about 1.8x as fast"
        )
    if share["share"] >= TEACHER_WARN:
        return lines, None
    ranked = share["teacher_rejections"]
    if not ranked and share["teacher"] == 0:  # --variations 0 --new-examples 0: nothing asked
        return lines, (
            f"warning: the teacher wrote 0% of the {share['records']} records: it was asked for "
            "nothing (--variations 0 and --new-examples 0 build the seeds alone)"
        )
    why = (
        (
            f" ({share['teacher_rejected']} of its records rejected: {_reasons(ranked[:TOP])}"
            f"{', ...' if len(ranked) > TOP else ''})"
        )
        if ranked
        else ""
    )
    return lines, (
        f"warning: the teacher wrote {_percent(share['share'])} of the {share['records']} records{why}; a "
        "stronger teacher: --teacher-url URL --teacher MODEL (any OpenAI-compatible server) or --teacher gpt-4o"
    )
