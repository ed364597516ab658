"""`factory annotate pull`: submitted Argilla responses merged back into a build's dataset.

Rules, per record, over its *submitted* responses (drafts and discards do not count):
- no response: the record is kept as it was (never dropped).
- more `reject` than `accept`: the record moves to rejected/human.jsonl (reason
  `human_rejected`) with the union of the rejecting annotators' issue tags.
- as many `reject` as `accept`: kept unchanged, `checks.human.status = "tie"`, listed in
  annotation/review.jsonl.
- more `accept`: `checks.human.status = "accepted"`; if accepting annotators edited the
  output (an answer that differs from the generated output), the most common edit replaces
  the output only if it parses as JSON and passes the recipe's schema and validator (the
  record gets a new content id, the old one in `provenance.human_corrected_from`); else the
  record keeps its output, is flagged `human_correction_invalid` (with the reason) and
  listed in review.jsonl. Two different edits with equal support: `human_correction_conflict`.
  A recipe's own questions (e.g. rem_edges' relationship and affinity of each edge) are
  an edit too: its `apply_annotation(output, answers)` writes the answers into the output
  (on top of the annotator's corrected_output, if any), and the result is judged as above.
Agreement on the verdict over records with 2+ responses: mean pairwise percent agreement and
Fleiss' kappa. Pull is idempotent: it always merges into the build's own records (kept as
dataset.built.jsonl on the first pull) and rewrites dataset.jsonl, rejected/human.jsonl,
annotation/review.jsonl and annotation/report.json whole, and recounts the run's report.json
(annotation.pull_report, which also computes the agreement and the line the CLI prints).
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from annotation.pull_report import agreement, refresh_build_report
from annotation.settings import BUILT_IN
from factory.jsonl import AtomicWriter, copy_atomically, write_json_file
from factory.recipes import Recipe
from factory.record import Rejected, content_hash


@dataclass
class Vote:
    user: str
    verdict: str
    corrected_output: str | None = None
    issues: list[str] = field(default_factory=list)
    answers: dict = field(default_factory=dict)  # the recipe's own questions


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _edits(record: dict, votes: list[Vote], apply=None) -> list[str]:
    """Canonical JSON (or raw text, if it does not parse) of each accepting vote's real edit:
    its corrected_output, with its answers to the recipe's questions applied by `apply`."""
    original = _canonical(record["output"])
    edits = []
    for vote in votes:
        text = (vote.corrected_output or "").strip()
        output = record["output"]
        if text:
            try:
                output = json.loads(text)
            except json.JSONDecodeError:
                edits.append(text)
                continue
        if apply is not None and vote.answers:
            try:
                output = apply(copy.deepcopy(output), dict(vote.answers))
            except (ValueError, KeyError, TypeError, IndexError) as exc:
                edits.append(f"answers that cannot be applied: {exc}")
                continue
        canonical = _canonical(output)
        if canonical != original:
            edits.append(canonical)
    return edits


def _corrected(record: dict, edit: str, recipe: Recipe, validator) -> tuple[dict | None, str]:
    from factory.stages.validate import first_problem

    try:
        output = json.loads(edit)
    except json.JSONDecodeError as exc:
        return None, f"not JSON ({exc.msg} at character {exc.pos})"
    candidate = copy.deepcopy(record)
    candidate["output"] = output
    try:
        problem = first_problem(recipe, validator, candidate)
    except (
        KeyError,
        TypeError,
        AttributeError,
    ) as exc:  # a validator meeting a shape the schema did not stop
        problem = ("schema_invalid", f"{type(exc).__name__}: {exc}")
    if problem:
        return None, f"{problem[0]}: {problem[1]}"
    candidate["labels"] = {
        **record.get("labels", {}),
        **recipe.hooks.labels(output),
    }  # traces: the site comes from the record, not the output
    candidate["provenance"] = {
        **candidate.get("provenance", {}),
        "human_corrected_from": record["id"],
    }
    candidate["id"] = content_hash(record["recipe"], candidate["input"], output)
    return candidate, ""


def merge(records: list[dict], votes: dict[str, list[Vote]], recipe: Recipe) -> dict:
    """Apply the rules above; returns {"dataset", "rejected", "review", "counts"} (nothing written)."""
    from factory.stages.validate import schema_validator

    validator = schema_validator(recipe)
    dataset, rejected, review = [], [], []
    counts = Counter()
    for record in records:
        record_votes = votes.get(record["id"], [])
        if not record_votes:
            dataset.append(record)
            counts["unlabelled"] += 1
            continue
        tally = Counter(vote.verdict for vote in record_votes)
        human = {
            "annotators": sorted(vote.user for vote in record_votes),
            "accept": tally["accept"],
            "reject": tally["reject"],
        }
        if tally["reject"] > tally["accept"]:
            tags = sorted(
                {tag for vote in record_votes if vote.verdict == "reject" for tag in vote.issues}
            )
            rejected.append(
                Rejected(
                    record,
                    "human_rejected",
                    ", ".join(tags) or "no tags",
                    {"tags": tags, "annotators": human["annotators"]},
                ).to_dict("human")
            )
            counts["rejected"] += 1
            continue
        kept = copy.deepcopy(record)
        if tally["reject"] == tally["accept"]:
            human["status"] = "tie"
        else:
            human["status"] = "accepted"
            accepting = [vote for vote in record_votes if vote.verdict == "accept"]
            edits = Counter(_edits(record, accepting, recipe.hooks.apply_annotation)).most_common()
            if edits and len(edits) > 1 and edits[0][1] == edits[1][1]:
                human["status"] = "human_correction_conflict"
            elif edits:
                corrected, problem = _corrected(record, edits[0][0], recipe, validator)
                if corrected is None:
                    human.update(
                        status="human_correction_invalid", problem=problem, correction=edits[0][0]
                    )
                else:
                    kept, human["status"] = corrected, "corrected"
        kept.setdefault("checks", {})["human"] = human
        dataset.append(kept)
        counts[human["status"]] += 1
        if human["status"] not in ("accepted", "corrected"):
            review.append(
                {"id": record["id"], "reason": human["status"], "human": human, "record": record}
            )
    return {
        "dataset": _unique(dataset, rejected, counts),
        "rejected": rejected,
        "review": review,
        "counts": dict(counts),
    }


def _unique(dataset: list[dict], rejected: list[dict], counts: Counter) -> list[dict]:
    """A correction can turn a record into a copy of another: the later one goes to rejected."""
    seen, unique = set(), []
    for record in dataset:
        if record["id"] in seen:
            rejected.append(
                Rejected(
                    record, "duplicate_id", "a correction made it a copy of another record"
                ).to_dict("human")
            )
            counts[record["checks"].get("human", {}).get("status", "unlabelled")] -= 1
            counts["duplicate_id"] += 1
            continue
        seen.add(record["id"])
        unique.append(record)
    return unique


def write(run_path: Path, merged: dict, report: dict) -> None:
    built = run_path / "dataset.built.jsonl"
    if (
        not built.is_file()
    ):  # the build's own records, before any labels (a rebuild removes this copy)
        copy_atomically(run_path / "dataset.jsonl", built)
    for path, rows in (
        (run_path / "dataset.jsonl", merged["dataset"]),
        (run_path / "rejected" / "human.jsonl", merged["rejected"]),
        (run_path / "annotation" / "review.jsonl", merged["review"]),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        with AtomicWriter(path) as handle:
            for row in rows:
                handle.write_json(row)
    write_json_file(run_path / "annotation" / "report.json", report)


def fetch_votes(client, dataset, page: int = 500) -> dict[str, list[Vote]]:
    """Submitted responses per record id, one Vote per annotator.

    Reads the API's record models, not the SDK's Record objects: the argilla 2.8 SDK fails to
    build a record that holds a discarded response without values."""
    usernames = {str(user.id): user.username for user in client.users}
    votes: dict[str, list[Vote]] = {}
    offset = 0
    while models := client.api.records.list(
        dataset.id,
        offset=offset,
        limit=page,
        with_suggestions=False,
        with_responses=True,
        with_vectors=False,
    ):
        offset += len(models)
        for model in models:
            answers = {
                str(r.user_id): {name: v.get("value") for name, v in (r.values or {}).items()}
                for r in model.responses or []
                if str(getattr(r.status, "value", r.status)) == "submitted"
            }
            record_votes = [
                Vote(
                    user=usernames.get(user_id, user_id),
                    verdict=str(answer.get("verdict")),
                    corrected_output=answer.get("corrected_output"),
                    issues=list(answer.get("issues") or []),
                    answers={
                        k: v for k, v in answer.items() if k not in BUILT_IN and v is not None
                    },
                )
                for user_id, answer in sorted(answers.items())
                if answer.get("verdict")
            ]
            if record_votes:
                votes[str(model.external_id or model.id)] = record_votes
    return votes


def pull(
    client,
    recipe: Recipe,
    run_path: Path,
    dataset_name: str,
    *,
    out: Path | None = None,
    run: str | None = None,
) -> dict:
    """Merge the labels into the run; `out` and `run` (as the user typed them) go into hints."""
    from annotation.client import WORKSPACE
    from annotation.push import source_records
    from factory.errors import ConfigError, command_hint

    dataset = client.datasets(name=dataset_name, workspace=WORKSPACE)
    if dataset is None:
        push = f"factory annotate push {recipe.name}" + (
            f" --dataset {dataset_name}" if dataset_name != recipe.name else ""
        )
        raise ConfigError(
            f"no Argilla dataset {dataset_name!r} in workspace {WORKSPACE!r}; "
            f"run {command_hint(push, out, run)} first"
        )
    records = source_records(run_path)
    votes = fetch_votes(client, dataset)
    known = {record["id"] for record in records}
    merged = merge(records, votes, recipe)
    report = {
        "recipe": recipe.name,
        "run": run_path.name,
        "dataset": dataset_name,
        "records": len(records),
        "labelled": sum(1 for record_id in votes if record_id in known),
        "not_in_this_run": sorted(set(votes) - known)[:20],
        "outcomes": merged["counts"],
        "human_share": round(sum(1 for record_id in votes if record_id in known) / len(records), 4)
        if records
        else 0.0,
        "agreement": agreement({k: v for k, v in votes.items() if k in known}),
    }
    write(run_path, merged, report)
    refresh_build_report(run_path, recipe, report)
    return report
