"""`factory build --engine ray`: distilabel's RayPipeline on a local Ray instance that the build starts and stops.

The same build on both engines writes the same files; a Ray worker killed mid-generation
loses nothing (the segment runs again, the teacher's finished replies come from the cache).
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from factory.runner.ray_engine import segment
from factory.runner.ray_steps import add_extras, steps
from factory.testing.loopback import LoopbackTeacher

pytest.importorskip("ray")
FACTORY = [str(Path(sys.executable).with_name("factory"))]  # the installed console script
FILES = [
    "dataset.jsonl",
    "dedup/clusters.jsonl",
    *(
        f"{kind}/{stage}.jsonl"
        for kind in ("stages", "rejected")
        for stage in ("seeds", "scrub", "generate", "faithfulness", "scrub-2", "dedup", "validate")
    ),
]


def build(out: Path, engine: str, teacher: LoopbackTeacher, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *FACTORY,
            "build",
            "rem_queries",
            "--teacher-url",
            teacher.base_url,
            "--out",
            str(out),
            "--run",
            "r",
            "--engine",
            engine,
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen, timeout: float = 1200) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return out


def same_files(left: Path, right: Path) -> None:
    for name in FILES:
        assert (left / name).read_bytes() == (right / name).read_bytes(), name
    for stage in ("scrub", "generate", "faithfulness", "scrub-2"):
        a, b = (json.loads((run / "stages" / f"{stage}.done").read_text()) for run in (left, right))
        assert (a["in"], a["out"], a["rejected"]) == (b["in"], b["out"], b["rejected"]), stage


def test_ray_and_local_write_the_same_records(tmp_path):
    with LoopbackTeacher(latency=0.0) as teacher:
        finished(build(tmp_path / "local", "local", teacher, "--limit", "30"))
        local_requests = teacher.requests
        output = finished(build(tmp_path / "ray", "ray", teacher, "--limit", "30"))
        assert (
            teacher.requests == 2 * local_requests
        )  # two data roots, two caches: each build asked once
    local, ray = tmp_path / "local" / "rem_queries" / "r", tmp_path / "ray" / "rem_queries" / "r"
    same_files(local, ray)
    assert sum(1 for _ in open(ray / "dataset.jsonl")) > 30
    report = json.loads((ray / "report.json").read_text())
    generate = next(row for row in report["stages"] if row["name"] == "generate")
    invent = next(row for row in report["stages"] if row["name"] == "invent")
    assert (
        generate["engine"] == "ray"
        and generate["cache"]["misses"] + invent["cache"]["misses"] == local_requests
    )
    assert report["tokens"] == json.loads((local / "report.json").read_text())["tokens"]
    assert not (ray / ".ray-pipeline").exists()  # distilabel's working copy is removed
    assert "records in" in output


def _generate_workers() -> list[int]:
    listing = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [
        int(line.split()[0])
        for line in listing.splitlines()
        if "ray::factory-step" in line and "generate" in line
    ]


def test_a_killed_ray_worker_loses_no_record(tmp_path):
    with LoopbackTeacher(latency=0.5) as teacher:  # 58 prompts, 2 at a time: generate takes >= 15 s
        process = build(tmp_path / "ray", "ray", teacher, "--limit", "60", "--max-concurrency", "2")
        killed, deadline = None, time.monotonic() + 900
        while killed is None and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            workers = _generate_workers()
            if workers and teacher.requests >= 2:
                os.kill(workers[0], signal.SIGKILL)
                killed = (workers[0], teacher.requests)
        assert killed is not None, "the build ended before a generate worker could be killed"
        finished(process)
        prompts_asked, requests = len(set(teacher.prompts)), len(teacher.prompts)
        finished(build(tmp_path / "local", "local", teacher, "--limit", "60"))
    ray_run, local_run = (
        tmp_path / "ray" / "rem_queries" / "r",
        tmp_path / "local" / "rem_queries" / "r",
    )
    same_files(local_run, ray_run)
    with sqlite3.connect(tmp_path / "ray" / "_cache" / "teacher.sqlite") as cache:
        cached = cache.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    seeds = json.loads((ray_run / "stages" / "scrub.done").read_text())["out"]
    # every seed's two prompts (its rewrites, its new examples) answered and kept once, none lost
    assert cached == 2 * seeds == prompts_asked
    # what was in flight when the worker died is asked again, nothing else: 2 replicas x 1 request each
    assert requests <= 2 * seeds + 2


def test_segments_are_runs_of_per_record_stages():
    class S:
        def __init__(self, per_record):
            self.per_record = per_record

    stages = [S(False), S(True), S(True), S(True), S(False), S(False)]
    assert segment(stages, 1) == stages[1:4]
    assert segment(stages, 0) == stages[0:1] and segment(stages, 4) == stages[4:5]


def test_the_teacher_key_reaches_the_workers_but_is_never_written(tmp_path):
    import ray.cloudpickle

    from factory.recipes import load_recipe
    from factory.stages.base import BuildOptions, StageSettings
    from factory.stages.generate import GenerateStage
    from factory.teacher.spec import TeacherSpec

    key = "sk-planted-0123456789abcdefghij"
    settings = StageSettings(load_recipe("rem_queries"), BuildOptions(), tmp_path, tmp_path / "c")
    settings.teacher = TeacherSpec(model="m", base_url="http://127.0.0.1:9/v1", api_key=key)
    _, StageStep = steps()
    step = StageStep(name="stage-2-generate", position=2, input_batch_size=1)
    step._stage, step._secret = GenerateStage(settings), key
    shipped = ray.cloudpickle.dumps(step)  # what Ray ships to an actor: the key once, beside
    assert shipped.count(key.encode()) == 1  # the stage (which travels without it)
    arrived = ray.cloudpickle.loads(shipped)
    assert arrived._stage.context.teacher.api_key == "none"
    arrived.load()  # in the worker
    assert arrived._stage.context.teacher.api_key == key and arrived._stage.name == "generate"
    assert key not in json.dumps(step.dump())  # what distilabel writes (pipeline.yaml, signature)


def test_stage_extras_add_up_over_chunks():
    assert add_extras(
        {"tokens": {"prompt": 3}, "entities": {"PERSON": 1}},
        {"tokens": {"prompt": 4}, "entities": {"IP": 2}},
    ) == {"tokens": {"prompt": 7}, "entities": {"PERSON": 1, "IP": 2}}
    assert add_extras({}, {"clusters": 2}) == {"clusters": 2}


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--ray-address", "127.0.0.1:6379"], "--ray-address needs --engine ray"),
        (["--engine", "spark"], "--engine must be local or ray"),
        (["--engine", "ray", "--max-tokens", "100"], "not enforced across Ray replicas"),
    ],
)
def test_engine_flag_errors_are_one_line(tmp_path, flags, message):
    result = subprocess.run(
        [*FACTORY, "build", "rem_queries", "--limit", "2", "--out", str(tmp_path), *flags],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        result.returncode == 2
        and message in result.stderr
        and len(result.stderr.strip().splitlines()) == 1
    )
    assert not any(tmp_path.iterdir())


@pytest.fixture
def ray_cluster(tmp_path):
    """A Ray head started here (`ray start --head`), with a token of its own, killed by its process group."""
    import secrets
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}
    head = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("ray")),
            "start",
            "--head",
            "--block",
            "--port",
            str(port),
            "--num-cpus",
            "2",
            "--include-dashboard",
            "false",
            "--disable-usage-stats",
        ],
        stdout=open(tmp_path / "ray-head.log", "w"),
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    try:
        yield f"127.0.0.1:{port}", env, head
    finally:
        os.killpg(head.pid, signal.SIGKILL)
        head.wait(30)
        current = Path(
            "/tmp/ray/ray_current_cluster"
        )  # what `ray start` leaves for later ray.init() calls
        if current.is_file() and current.read_text().strip().endswith(f":{port}"):
            current.unlink()


def test_a_build_on_an_existing_cluster_leaves_it_running(tmp_path, ray_cluster):
    address, env, head = ray_cluster
    with LoopbackTeacher(latency=0.0) as teacher:
        result = subprocess.run(
            [
                *FACTORY,
                "build",
                "rem_queries",
                "--limit",
                "10",
                "--teacher-url",
                teacher.base_url,
                "--out",
                str(tmp_path),
                "--run",
                "r",
                "--engine",
                "ray",
                "--ray-address",
                address,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "rem_queries" / "r" / "report.json").read_text())
    assert (
        report["records"] > 10
        and next(r for r in report["stages"] if r["name"] == "generate")["engine"] == "ray"
    )
    assert head.poll() is None  # the build connected to the cluster and left it up
