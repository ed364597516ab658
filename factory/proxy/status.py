"""`factory proxy status`: the rollout report of a proxy's log directory, and whether the student passes the gate.

`report(log_dir)` reads DIR/exchanges-*.jsonl (logwriter.py) and DIR/.proxy/shadow.jsonl line by
line and returns a dict (the `--json` output):

- requests, answered by the student / the teacher / neither (the teacher failed too)
- student share: the part of all requests the student answered
- student attempts (requests routed to it first) and acceptance: the part whose reply passed
  the recipe's checks in time
- fallback reasons: why routed requests went to the teacher (student_timeout, student_error, or
  the validator's reason, e.g. schema_invalid)
- latency p50/p95 (seconds, nearest rank, as the caller saw it) per model: student, teacher,
  and teacher after a fallback (the student's time included)
- teacher tokens saved: requests the student answered times the teacher's mean total tokens per
  request it answered (its `usage`); with no teacher answer yet, the student's own token counts
- shadow: comparisons, the student's validity, and the recipe's metrics against the teacher

The gate is the live form of the recipe's acceptance bar (seed 002's goals: validity >= 95%,
intent >= 90%): the student meets it when at least GATE_MIN_REPLIES of its replies were judged
(routed or shadow), at least GATE_ACCEPTANCE of them passed the recipe's checks, and, where shadow
comparisons exist, its mean score on the recipe's main metric (the one `factory eval --compare`
decides on) against the teacher's answers is at least GATE_AGREEMENT. It does not change the
share: raising it is the operator's decision.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from pathlib import Path

from factory.errors import ConfigError

GATE_MIN_REPLIES = 20
GATE_ACCEPTANCE = 0.95
GATE_AGREEMENT = 0.90


def _lines(paths: list[Path]):
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by a crash mid-write: not an exchange
                if isinstance(obj, dict):
                    yield obj


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"requests": 0, "p50_s": None, "p95_s": None}
    ordered = sorted(values)
    return {
        "requests": len(values),
        "p50_s": round(statistics.median(ordered), 4),
        "p95_s": round(ordered[math.ceil(0.95 * len(ordered)) - 1], 4),
    }


def _total_tokens(usage) -> int | None:
    if isinstance(usage, dict) and isinstance(usage.get("total_tokens"), (int, float)):
        return int(usage["total_tokens"])
    return None


def report(log_dir: Path) -> dict:
    log_dir = Path(log_dir)
    files = sorted(log_dir.glob("exchanges-*.jsonl"))
    if not log_dir.is_dir() or not files:
        raise ConfigError(
            f"--log-dir {log_dir}: no proxy log there (exchanges-*.jsonl); "
            "start `factory proxy serve RECIPE --log-dir DIR` and send it requests"
        )
    answered, fallbacks, latency = (
        Counter(),
        Counter(),
        {"student": [], "teacher": [], "teacher_after_fallback": []},
    )
    attempts = accepted = 0
    teacher_tokens, student_tokens, recipes = [], [], Counter()
    for line in _lines(files):
        meta = line.get("proxy") if isinstance(line.get("proxy"), dict) else {}
        recipes[meta.get("recipe")] += 1
        by = meta.get("answered_by")
        answered[by or "none"] += 1
        student = meta.get("student")
        if isinstance(student, dict):
            attempts += 1
            accepted += bool(student.get("ok"))
        if meta.get("fallback"):
            fallbacks[meta["fallback"]] += 1
        if by in ("student", "teacher") and isinstance(line.get("latency_s"), (int, float)):
            latency[
                "teacher_after_fallback" if by == "teacher" and meta.get("fallback") else by
            ].append(line["latency_s"])
        if (
            by == "teacher"
            and (tokens := _total_tokens((meta.get("teacher") or {}).get("usage"))) is not None
        ):
            teacher_tokens.append(tokens)
        if by == "student" and (tokens := _total_tokens(student.get("usage"))) is not None:
            student_tokens.append(tokens)
    requests = sum(answered.values())
    shadow = _shadow(log_dir / ".proxy" / "shadow.jsonl")
    saved = (
        round(answered["student"] * statistics.fmean(teacher_tokens))
        if teacher_tokens
        else sum(student_tokens)
    )
    result = {
        "log_dir": str(log_dir),
        "files": len(files),
        "recipe": recipes.most_common(1)[0][0] if recipes else None,
        "requests": requests,
        "answered": {
            "student": answered["student"],
            "teacher": answered["teacher"],
            "none": answered["none"],
        },
        "student_share": round(answered["student"] / requests, 4) if requests else 0.0,
        "student_attempts": attempts,
        "student_accepted": accepted,
        "acceptance_rate": round(accepted / attempts, 4) if attempts else None,
        "fallback_reasons": dict(fallbacks.most_common()),
        "latency": {name: _percentiles(values) for name, values in latency.items()},
        "teacher_tokens_saved": saved,
        "teacher_tokens_saved_basis": "teacher mean per request"
        if teacher_tokens
        else "student token counts",
        "shadow": shadow,
    }
    result["gate"] = gate(result)
    return result


def _shadow(path: Path) -> dict:
    rows = list(_lines([path])) if path.is_file() else []
    judged = [row for row in rows if row.get("reason") not in ("student_timeout", "student_error")]
    compared = [row["compare"] for row in rows if isinstance(row.get("compare"), dict)]
    metrics: dict[str, list[float]] = {}
    for comparison in compared:
        for name, value in comparison.get("scores", {}).items():
            metrics.setdefault(name, []).append(value)
    return {
        "asked": len(rows),
        "judged": len(judged),
        "valid": sum(bool(row.get("ok")) for row in judged),
        "failed": dict(Counter(row["reason"] for row in rows if row.get("reason"))),
        "compared": len(compared),
        "main": compared[0]["main"] if compared else None,
        "metrics": {name: round(statistics.fmean(values), 4) for name, values in metrics.items()},
    }


def gate(result: dict) -> dict:
    """{"met": bool | None (not enough replies yet), "why": one line}."""
    shadow = result["shadow"]
    judged = result["student_attempts"] + shadow["asked"]
    passed = result["student_accepted"] + shadow["valid"]
    if judged < GATE_MIN_REPLIES:
        return {
            "met": None,
            "why": f"{judged} student replies judged; the gate needs {GATE_MIN_REPLIES}",
        }
    acceptance = passed / judged
    reasons = [
        f"acceptance {acceptance:.1%} {'>=' if acceptance >= GATE_ACCEPTANCE else '<'} {GATE_ACCEPTANCE:.0%}"
    ]
    met = acceptance >= GATE_ACCEPTANCE
    if shadow["compared"] and shadow["main"] in shadow["metrics"]:
        agreement = shadow["metrics"][shadow["main"]]
        met = met and agreement >= GATE_AGREEMENT
        sign = ">=" if agreement >= GATE_AGREEMENT else "<"
        reasons.append(
            f"{shadow['main']} vs the teacher {agreement:.1%} {sign} {GATE_AGREEMENT:.0%} "
            f"({shadow['compared']} shadow comparisons)"
        )
    return {"met": met, "why": "; ".join(reasons)}


def render(result: dict) -> str:
    answered, lines = result["answered"], []
    lines.append(
        f"{result['log_dir']}: {result['requests']} requests ({result['files']} files), recipe {result['recipe']}"
    )
    lines.append(
        f"  answered: student {answered['student']}, teacher {answered['teacher']}, neither {answered['none']}; "
        f"student share {result['student_share']:.1%}"
    )
    rate = "n/a" if result["acceptance_rate"] is None else f"{result['acceptance_rate']:.1%}"
    lines.append(
        f"  student attempts {result['student_attempts']}, accepted {result['student_accepted']} ({rate})"
    )
    reasons = ", ".join(f"{k} {v}" for k, v in result["fallback_reasons"].items()) or "none"
    lines.append(f"  fallback reasons: {reasons}")
    for name, row in result["latency"].items():
        if row["requests"]:
            lines.append(
                f"  latency {name.replace('_', ' ')}: p50 {row['p50_s']:.3f} s, p95 {row['p95_s']:.3f} s "
                f"({row['requests']} requests)"
            )
    lines.append(
        f"  teacher tokens saved: {result['teacher_tokens_saved']} ({result['teacher_tokens_saved_basis']})"
    )
    shadow = result["shadow"]
    if shadow["asked"]:
        metrics = ", ".join(f"{k} {v:.1%}" for k, v in shadow["metrics"].items()) or "no comparison"
        lines.append(
            f"  shadow: {shadow['asked']} asked, {shadow['valid']} valid of {shadow['judged']} judged; "
            f"vs the teacher: {metrics}"
        )
    verdict = {True: "met", False: "NOT met", None: "not decided yet"}[result["gate"]["met"]]
    lines.append(f"  gate: {verdict} ({result['gate']['why']})")
    return "\n".join(lines)
