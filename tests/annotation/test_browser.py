"""The Argilla UI in a real browser: an annotator signs in, rejects one record with a tag, and `pull` sees it.

Headless Debian chromium driven by playwright-core (tests/browser/annotate.js; `make setup`
installs both). The screenshot after submitting is kept in test-artifacts/.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from factory_cli import ROOT, records, run_cli
from test_merge import RECORDS

pytestmark = pytest.mark.slow  # starts real servers

SCRIPT = ROOT / "tests" / "browser" / "annotate.js"
ARTIFACTS = ROOT / "test-artifacts"


def test_annotator_submits_in_the_ui_and_pull_gets_it(argilla_server, tmp_path):
    assert shutil.which("node") and Path("/usr/bin/chromium").is_file(), (
        "run `make setup` (node, Debian chromium)"
    )
    assert (SCRIPT.parent / "node_modules" / "playwright-core").is_dir(), (
        "run `make setup` (npm ci in tests/browser)"
    )
    run = tmp_path / "rem_queries" / "b1"
    run.mkdir(parents=True)
    (run / "dataset.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS[:3]))
    owner = [
        "--out",
        str(tmp_path),
        "--api-url",
        argilla_server.api_url,
        "--api-key",
        argilla_server.credentials["owner"]["api_key"],
    ]
    pushed = run_cli(
        "annotate", "push", "rem_queries", "--run", "b1", "--dataset", "browser", *owner
    )
    assert pushed.returncode == 0, pushed.stderr

    annotator = argilla_server.credentials["annotators"][0]
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "argilla-annotator-submitted.png"
    ui = subprocess.run(
        [
            "node",
            str(SCRIPT),
            argilla_server.api_url,
            annotator["username"],
            annotator["password"],
            "browser",
            "wrong_intent",
            str(screenshot),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=SCRIPT.parent,
    )
    assert ui.returncode == 0, ui.stderr[-3000:]
    request = json.loads(ui.stdout.strip().splitlines()[-1])["request"]
    assert request in {r["input"] for r in RECORDS[:3]}
    assert screenshot.read_bytes()[:4] == b"\x89PNG"

    pulled = run_cli(
        "annotate", "pull", "rem_queries", "--run", "b1", "--dataset", "browser", *owner
    )
    assert pulled.returncode == 0, pulled.stderr
    [rejected] = records(run / "rejected" / "human.jsonl")
    assert rejected["record"]["input"] == request
    assert rejected["tags"] == ["wrong_intent"] and rejected["annotators"] == [
        annotator["username"]
    ]
    assert len(records(run / "dataset.jsonl")) == 2  # the other two, unlabelled, kept
