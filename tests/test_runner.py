"""The runner seam (factory.runner): one writer for both executors, stages that travel as they are.

- The local path (run_stage) and the Ray path (StageStep over chunks, then the driver's
  _write) write the same bytes through the same StageWriter; no Ray is started here
  (tests/test_ray_engine.py runs the real pipeline).
- A stage pickled and unpickled writes what the stage writes, and never carries the key.
"""

import copy
import json
import pickle
from pathlib import Path

import pytest

from factory.build import _stages
from factory.jsonl import read_jsonl
from factory.recipes import load_recipe
from factory.record import Rejected
from factory.runner.local import LocalExecutor, run_stage
from factory.runner.ray_engine import RayExecutor, _write, shared_out
from factory.runner.writer import StageWriter, is_done
from factory.stages.base import BuildOptions, Stage, StageSettings
from factory.teacher.spec import TeacherSpec

KEY = "sk-planted-key-0123456789abcdef"


class Quiet:
    def add_task(self, *args, **kwargs) -> int:
        return 0

    def advance(self, *args, **kwargs) -> None:
        pass

    def update(self, *args, **kwargs) -> None:
        pass


class Parity(Stage):
    """Keeps even numbers; rejects odd ones (multiples of 5 for a reason of their own)."""

    name = "parity"
    per_record = True

    def process(self, records):
        self.extras = {"seen": {"records": 0}}
        for record in records:
            self.extras["seen"]["records"] += 1
            if record["n"] % 2 == 0:
                yield {**record, "half": record["n"] // 2}
            else:
                reason = "five" if record["n"] % 5 == 0 else "odd"
                yield Rejected(record, reason, detail=f"n={record['n']}")


def _settings(tmp_path: Path, recipe="rem_queries", **options) -> StageSettings:
    return StageSettings(recipe, BuildOptions(**options), tmp_path / "run", tmp_path / "c" / "t")


def _source(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "source.jsonl"
    path.write_text("".join(json.dumps({"n": n}) + "\n" for n in range(count)))
    return path


def test_local_and_ray_paths_write_the_same_files_through_one_writer(tmp_path):
    source = _source(tmp_path, 300)  # three chunks of the Ray path (128, 128, 44)
    local = tmp_path / "local"
    row = run_stage(Parity(_settings(tmp_path)), source, local, Quiet())
    assert (row["in"], row["out"], row["rejected"]) == (300, 150, {"five": 30, "odd": 120})
    assert row["seen"] == {"records": 300} and is_done(local, "parity")

    from factory.runner.ray_steps import steps

    ReadChunks, StageStep = steps()
    work = tmp_path / "work"
    step = StageStep(name="stage-0-parity", position=0, first=True, segment=[0], work=str(work))
    step._stage = pickle.loads(pickle.dumps(Parity(_settings(tmp_path))))  # as Ray ships it
    step.load()
    for rows, _ in ReadChunks(name="read", path=str(source)).process():
        for _ in step.process(rows):
            pass
    chunks = sorted((work / "chunks").glob("*.jsonl"))
    assert len(chunks) == 3
    ray = tmp_path / "ray"
    [ray_row] = _write([step._stage], chunks, ray)
    for name in ("stages/parity.jsonl", "rejected/parity.jsonl"):
        assert (local / name).read_bytes() == (ray / name).read_bytes(), name
    assert {k: ray_row[k] for k in row if k != "seconds"} == {
        k: row[k] for k in row if k != "seconds"
    }
    assert ray_row["engine"] == "ray"
    rejection = next(obj for _, obj in read_jsonl(local / "rejected" / "parity.jsonl"))
    assert rejection == {
        "stage": "parity",
        "reason": "odd",
        "detail": "n=1",
        "record": {"n": 1},
    }


def test_a_stage_that_fails_leaves_no_files_and_no_done_row(tmp_path):
    class Broken(Parity):
        def process(self, records):
            yield from super().process(r for r in records if r["n"] < 3)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        LocalExecutor(tmp_path).run([Broken(_settings(tmp_path))], _source(tmp_path, 5), Quiet())
    assert not (tmp_path / "stages").exists() or not any((tmp_path / "stages").iterdir())
    assert not any((tmp_path / "rejected").iterdir())
    writer = StageWriter(tmp_path, "x")
    with pytest.raises(RuntimeError, match="before its files were written"):
        writer.finish(0, 0.0, {})


def test_executors_group_what_runs_together(tmp_path):
    settings = _settings(tmp_path)
    stages = _stages(load_recipe("rem_queries").stages, settings)
    names = [s.name for s in stages]
    assert names[:5] == ["seeds", "scrub", "generate", "invent", "faithfulness"]
    source = tmp_path / "seeds.jsonl"
    assert LocalExecutor(tmp_path).group(stages, 1, source) == [stages[1]]
    ray = RayExecutor(tmp_path)  # starts nothing until it runs a segment
    assert [s.name for s in ray.group(stages, 1, source)] == names[1:6]  # up to dedup
    assert ray.group(stages, 0, None) == [stages[0]]  # seeds make their own input
    assert ray.group(stages, 6, source) == [stages[6]]  # dedup needs every record


@pytest.fixture(scope="module")
def rem_stages(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stages")
    recipe = load_recipe("rem_queries")
    settings = _settings(tmp, recipe, limit=6, new_examples=2)
    stages = _stages(recipe.stages, settings)
    return settings, {stage.name: stage for stage in stages}


def test_the_key_is_never_in_a_pickled_stage_and_comes_back_where_it_lands(rem_stages):
    settings, stages = rem_stages
    settings.teacher = TeacherSpec(model="m", base_url="http://127.0.0.1:9/v1", api_key=KEY)
    settings.teacher_budget = object()  # runtime only: never travels
    for stage in stages.values():
        shipped = pickle.dumps(stage)
        assert KEY.encode() not in shipped, stage.name
        assert b"factory.recipes" not in shipped  # the Recipe is loaded where it lands
        arrived = pickle.loads(shipped)
        assert (type(arrived), arrived.name) == (type(stage), stage.name)
        assert arrived.settings.teacher.api_key == "none"
        assert arrived.settings.teacher_budget is None
        assert arrived.settings.recipe_folder == str(settings.recipe.folder)  # a plain string
        arrived.settings.restore_key(KEY)
        assert arrived.context.teacher.api_key == KEY  # invent reads it through its own view
    assert KEY not in repr(settings)
    assert copy.deepcopy(stages["generate"]).context.teacher.api_key == "none"
    shared = shared_out(stages["generate"], 4)  # a replica's: in memory, keeps the key
    assert shared.context.teacher.api_key == KEY and shared.context.options.max_concurrency == 2


def test_which_stages_ask_the_teacher(tmp_path):
    stages = {s.name: s for s in _stages(load_recipe("rem_queries").stages, _settings(tmp_path))}
    assert [n for n, s in stages.items() if s.asks_teacher()] == ["generate", "invent"]
    none = {
        s.name: s
        for s in _stages(load_recipe("rem_queries").stages, _settings(tmp_path, new_examples=0))
    }
    assert [n for n, s in none.items() if s.asks_teacher()] == ["generate"]


def test_a_pickled_stage_writes_what_the_stage_writes(tmp_path, loopback):
    settings = _settings(tmp_path, limit=6, max_concurrency=2)
    settings.teacher = TeacherSpec(model="loopback", base_url=loopback.base_url, api_key=KEY)
    stages = {s.name: s for s in _stages(load_recipe("rem_queries").stages, settings)}
    seeds = [r for r in stages["seeds"].process(iter(())) if not isinstance(r, Rejected)]
    assert len(seeds) == 6
    travelled = pickle.loads(pickle.dumps(stages["generate"]))
    travelled.settings.restore_key(KEY)
    first = list(travelled.process(iter(seeds)))
    asked = loopback.requests
    assert asked == 6 and travelled.extras["cache"]["misses"] == 6
    again = list(stages["generate"].process(iter(seeds)))  # the same prompts: all from the cache
    assert loopback.requests == asked and stages["generate"].extras["cache"]["hits"] == 6
    assert again == first and sum(1 for r in first if not isinstance(r, Rejected)) > 6
