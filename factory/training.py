"""Bind `factory train` to the trainer script: the recipe's train.yaml + flags -> train.sft.TrainConfig.

Checks before any work: the export exists, train.yaml has only known keys of the right type.
The trainer itself is train/sft.py (one readable script; it also runs on its own).
`export_gguf()` converts a trained run's merged model with train/gguf.py and asks it one
request from the export's test split through llama.cpp (written to gguf.json).
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import yaml

from factory.errors import ConfigError, command_hint
from factory.export.formats import student_turns
from factory.jsonl import read_jsonl, write_json_file
from factory.recipes import load_recipe


def train_config(recipe_name: str, *, out: Path, run: str, name: str, overrides: dict):
    from train.sft import TrainConfig

    recipe = load_recipe(recipe_name)
    export_dir = Path(out) / recipe.name / run / "export"
    if not (export_dir / "train.jsonl").is_file():
        raise ConfigError(
            f"no export at {export_dir}; run {command_hint(f'factory export {recipe.name}', out, run)} first"
        )
    with open(export_dir / "train.jsonl", encoding="utf-8") as handle:
        if "messages" not in json.loads(handle.readline() or "{}"):
            raise ConfigError(
                f"{export_dir}/train.jsonl is not in the messages format; "
                f"run {command_hint(f'factory export {recipe.name} --format messages', out, run)}"
            )
    path = recipe.folder / "train.yaml"
    values = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    known = {f.name: f for f in fields(TrainConfig) if f.name not in ("data", "out")}
    errors = [
        f"{key}: unknown key (known: {', '.join(known)})" for key in values if key not in known
    ]
    for key, value in values.items():
        if key in known and not isinstance(value, (type(known[key].default), int)):
            errors.append(f"{key}: expected {type(known[key].default).__name__}, got {value!r}")
    if errors:
        raise ConfigError(f"{path}: " + "; ".join(errors))
    values.update({k: v for k, v in overrides.items() if v is not None})
    return TrainConfig(
        data=str(export_dir), out=str(Path(out) / recipe.name / "models" / name), **values
    )


def export_gguf(recipe_name: str, model_dir: Path, outtype: str, *, out: Path, run: str) -> dict:
    from train.gguf import answer, convert

    recipe = load_recipe(recipe_name)
    path = convert(model_dir / "merged", outtype, model_dir / f"student-{outtype}.gguf")
    test = Path(out) / recipe.name / run / "export" / "records" / "test.jsonl"
    first = next((obj for _, obj in read_jsonl(test)), None) if test.is_file() else None
    system, request = (
        student_turns(recipe, first)[:2] if first else (recipe.student_prompt, "Say hello.")
    )
    reply = answer(
        path,
        [{"role": "system", "content": system}, {"role": "user", "content": request}],
        max_tokens=recipe.max_tokens,
    )
    result = {
        "file": str(path),
        "outtype": outtype,
        "bytes": path.stat().st_size,
        "prompt": request,
        "answer": reply,
    }
    write_json_file(model_dir / "gguf.json", result)
    return result
