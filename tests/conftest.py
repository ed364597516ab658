"""Shared fixtures: a loopback OpenAI-compatible teacher and a tiny Llama (folder and GGUF).

Helpers that tests import live in factory_cli.py (not here: tests/annotation has its own conftest).
`make test` runs two pytest-xdist workers; `xdist_scope` keeps on one worker the tests that share a
session or module fixture (one Argilla server, one tiny Llama, one build, not one per worker) or
that look at machine-wide state another test's processes would change (Ray's /tmp/ray and its
workers found by `ps`; troff processes counted in /proc while man pages render)."""

from __future__ import annotations

import os

# The whole test session (and every `factory` it starts) uses the fast embedded teacher: CI never
# fetches or runs the 1.5B default (factory.teacher.embedded).
os.environ["FACTORY_EMBEDDED_TEACHER"] = "smollm2-135m"
# ... on llama-cpp-python's server, one request at a time, whether or not llama.cpp's own server has been
# built into the cache (tests/teacher/test_native_server.py builds it and asks for its slots by name).
os.environ["FACTORY_TEACHER_SLOTS"] = "1"

from pathlib import Path

import pytest

from factory.testing.loopback import LoopbackTeacher

# `make test` (-n 2 --dist loadscope): one worker per scope. A scope is a group below (node id
# prefixes), else the test alone in a module listed in SPREAD, else its module (its module fixtures
# are made once).
GROUPS = {
    "argilla": ["tests/annotation/"],  # one Argilla server (session fixture) for all of them
    "tiny_llama": [
        "tests/test_serve.py",
        "tests/train/test_gguf.py",
        "tests/train/test_sft.py",
        "tests/proxy/test_proxy_routing.py",
    ],  # one tiny Llama and its GGUF (session fixtures)
    "ray": ["tests/test_ray_engine.py"],  # /tmp/ray and Ray workers found by `ps`
    "manpages": [
        "tests/sources/test_manpages.py",
        "tests/pipelines/test_sysadmin_bash.py",  # troff counted in /proc
        "tests/test_recipe_builds.py::test_build_and_export[sysadmin_bash",
    ],
}
SPREAD = (
    "tests/test_recipe_builds.py",
    "tests/reliability/test_bad_inputs.py",
    "tests/test_build.py",
    "tests/reliability/test_budgets.py",
)  # long tests without module fixtures: any worker, one by one


def xdist_scope(nodeid: str) -> str:
    for group, prefixes in GROUPS.items():
        if nodeid.startswith(tuple(prefixes)):
            return group
    module = nodeid.split("::")[0]
    return nodeid if module in SPREAD else module


FIRST = (
    "tests/teacher/test_native_server.py",  # builds llama.cpp's server (minutes of compiling, once)
    "tests/test_recipe_builds.py",
    "tests/test_ray_engine.py",
)  # the longest: started first, no idle tail


def pytest_collection_modifyitems(config, items):
    if hasattr(config, "workerinput"):  # an xdist worker: every worker sorts alike
        items.sort(
            key=lambda item: not item.nodeid.startswith(FIRST)
        )  # stable: module order kept otherwise


@pytest.hookimpl(optionalhook=True)  # called by pytest-xdist only
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = (
        False  # collection order (FIRST first), not the largest scope first
    )

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope(nodeid)

    return GroupScheduling(config, log)


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory) -> Path:
    """A random 2-layer Llama with the real SmolLM2 tokenizer and RoPE base, saved as a transformers folder."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from factory.teacher.embedded import model_path

    gguf = model_path()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
        architectures=["LlamaForCausalLM"],
        rope_parameters={"rope_type": "default", "rope_theta": 100000.0},
    )  # SmolLM2's, not the default
    folder = tmp_path_factory.mktemp("tiny")
    torch.manual_seed(0)  # the same random weights every run
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_gguf(tiny_llama, tmp_path_factory) -> Path:
    """The tiny Llama through llama.cpp's converter (f16)."""
    from train.gguf import convert

    return convert(tiny_llama, "f16", tmp_path_factory.mktemp("gguf") / "tiny-f16.gguf")


@pytest.fixture
def loopback():
    with LoopbackTeacher(latency=0.0) as server:
        yield server
