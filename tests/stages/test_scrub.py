"""The scrub stage: every text field redacted consistently, structure kept valid or rejected, policies."""

import json

from stage_helpers import rem_record, run

from factory.stages.scrub import ScrubStage


def test_redaction_is_consistent_across_input_output_and_provenance(tmp_path):
    record = rem_record(
        "What did Maria Garcia write?",
        'SEARCH "Maria Garcia" IN resources',
        origin="teacher",
        seed_text="Find notes by Maria Garcia",
        keep_values=["Maria Garcia"],
    )
    original_id = record["id"]
    kept, rejected, stage = run(ScrubStage, [record], tmp_path)
    assert rejected == []
    [out] = kept
    assert out["input"] == "What did <PERSON_1> write?"
    assert out["output"]["rem"] == 'SEARCH "<PERSON_1>" IN resources'
    assert out["output"]["parameters"]["query_text"] == "<PERSON_1>"
    assert out["provenance"]["seed_text"] == "Find notes by <PERSON_1>"
    assert out["provenance"]["keep_values"] == ["<PERSON_1>"]
    assert out["checks"]["pii"] == {"PERSON": 5}
    assert out["id"] != original_id and "Maria" not in json.dumps(out)
    assert stage.extras["entities"] == {"PERSON": 5}


def test_a_seed_context_is_redacted_like_the_record_and_unlabeled_seeds_wait_for_the_teacher(
    tmp_path,
):
    record = rem_record(
        "What did Maria Garcia write?",
        'SEARCH "Maria Garcia" IN resources',
        origin="log",
        context={"labels": {"Maria Garcia": "SEE_ALSO"}, "note": "written by Maria Garcia"},
    )
    unlabeled = rem_record(
        "Call 192.168.10.24 about the notes", "LOOKUP x", origin="user", unlabeled=True
    )
    unlabeled["output"] = None  # user material: the teacher writes the output later
    kept, rejected, _ = run(ScrubStage, [record, unlabeled], tmp_path)
    assert rejected == []
    assert kept[0]["provenance"]["context"] == {
        "labels": {"<PERSON_1>": "SEE_ALSO"},
        "note": "written by <PERSON_1>",
    }
    assert kept[1]["input"] == "Call <IP_ADDRESS_1> about the notes" and kept[1]["output"] is None


def test_clean_records_pass_unchanged(tmp_path):
    record = rem_record(
        "Find 5 moments about morning activities", 'SEARCH "morning activities" IN moments LIMIT 5'
    )
    kept, rejected, _ = run(ScrubStage, [dict(record, checks={})], tmp_path)
    assert rejected == [] and kept[0]["id"] == record["id"] and kept[0]["checks"]["pii"] == {}


def test_a_redaction_that_breaks_the_query_is_rejected(tmp_path):
    record = rem_record("Look up 192.168.10.24", "LOOKUP 192.168.10.24")
    kept, [rejected], _ = run(ScrubStage, [record], tmp_path)
    assert kept == []
    assert rejected.reason == "pii_broke_schema"
    assert rejected.detail.startswith(
        "after redacting IP_ADDRESS: 4: schema_invalid: output/parameters/key: "
    )
    assert rejected.record["output"]["rem"] == "LOOKUP <IP_ADDRESS_1>"
    assert "192.168" not in json.dumps(rejected.to_dict("scrub"))


def test_drop_policy_rejects_already_redacted(tmp_path):
    dirty = rem_record(
        "Send maria.garcia@example.com the diary list",
        "SELECT * FROM resources WHERE category='diary'",
    )
    clean = rem_record(
        "Count resources per category",
        "SELECT category, COUNT(*) AS n FROM resources GROUP BY category ORDER BY n DESC",
    )
    kept, [rejected], _ = run(ScrubStage, [dirty, clean], tmp_path, pii_policy="drop")
    assert [r["input"] for r in kept] == ["Count resources per category"]
    assert (rejected.reason, rejected.detail) == ("pii_found", "EMAIL_ADDRESS: 1")
    assert rejected.record["input"] == "Send <EMAIL_ADDRESS_1> the diary list"


def test_off_policy_passes_through(tmp_path):
    dirty = rem_record(
        "Email maria.garcia@example.com the diary list",
        "SELECT * FROM resources WHERE category='diary'",
    )
    kept, rejected, _ = run(ScrubStage, [dirty], tmp_path, pii_policy="off")
    assert (
        rejected == [] and kept[0]["input"] == dirty["input"] and kept[0]["checks"]["pii"] == "off"
    )


def test_a_person_key_is_redacted_in_the_request_and_in_every_field_of_the_answer(tmp_path):
    # a user seed whose answer holds the same key as the request: rejected (the placeholder breaks the
    # query) or kept, no field of the stored record may still hold the name
    record = rem_record(
        "look up the entity person:maria-gonzalez", "LOOKUP person:maria-gonzalez IN entities"
    )
    kept, rejected, _ = run(ScrubStage, [record], tmp_path)
    stored = [r for r in kept] + [r.to_dict("scrub") for r in rejected]
    assert len(stored) == 1 and "maria-gonzalez" not in json.dumps(stored)


def test_the_recipes_keys_are_not_taken_for_people(tmp_path):
    record = rem_record("open the failover runbook", "LOOKUP runbook-db-failover IN resources")
    kept, rejected, _ = run(ScrubStage, [record], tmp_path)
    assert rejected == [] and kept[0]["output"]["rem"] == "LOOKUP runbook-db-failover IN resources"
