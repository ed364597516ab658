"""The build report's PII line: which PII rejections hit the task's own output (a key taken for a name)."""

import json

from factory.report import pii_rejections, stage_table


def test_pii_rejections_that_hit_the_task_output_are_counted_and_shown(tmp_path):
    (tmp_path / "rejected").mkdir()
    rejected = [  # a LOOKUP key taken for a person: the redacted query no longer validates
        {"stage": "seeds", "reason": "pii_broke_schema", "detail": "after redacting PERSON: 1: rem_unknown_key",
         "record": {"input": "Open <PERSON_1>", "output": {"rem": "LOOKUP <PERSON_1>", "parameters": {"key": "<PERSON_1>"}}}},
        {"stage": "seeds", "reason": "pii_found", "detail": "EMAIL_ADDRESS: 1",  # found in the request only
         "record": {"input": "Mail <EMAIL_ADDRESS_1>", "output": {"rem": "LOOKUP res-1"}}},
        {"stage": "seeds", "reason": "bad_seed", "detail": "x", "record": {"input": "x", "output": "<PERSON_1>"}},
    ]
    (tmp_path / "rejected" / "seeds.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rejected))
    rows = [{"name": "seeds", "in": 3, "out": 0, "rejected": {"bad_seed": 1, "pii_broke_schema": 1, "pii_found": 1},
             "seconds": 0.1},
            {"name": "dedup", "in": 0, "out": 0, "rejected": {}, "seconds": 0.1}]
    found = pii_rejections(tmp_path, rows)
    assert found == {"total": 2, "in_task_output": 1, "by_entity": {"PERSON": 1}, "files": ["rejected/seeds.jsonl"]}
    report = {"recipe": "rem_queries", "run_id": "r", "stages": rows, "records": 0, "rejected": 3,
              "tokens": {"prompt": 0, "completion": 0}, "pii_rejections": found}
    assert stage_table(report).caption.endswith(
        "; 1 of 2 PII rejections hit the task's own output (keys, queries: PERSON 1): a false positive? "
        "see rejected/seeds.jsonl and add the words to the recipe's pii.allow")
