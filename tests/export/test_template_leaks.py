"""Leakage that understands templates: the text a recipe puts in every input is no evidence of a copy.

The inputs are code_tests' own (pipelines.code_tests.seeds.tester_input / coder_input, one shared
instruction of 13+ words around different code), built over real functions of the standard library."""

import ast
import colorsys
import difflib
import fnmatch
import inspect
import json
import shlex
import textwrap

import pytest

from factory.embeddings import EmbeddingCache
from factory.export import export
from factory.export.split import find_leaks
from factory.export.template import TEMPLATE_GRAM, Template
from factory.record import Record
from pipelines.code_tests import seeds as code_seeds

FUNCTIONS = [
    textwrap.dedent,
    textwrap.indent,
    textwrap.shorten,
    shlex.quote,
    shlex.join,
    fnmatch.translate,
    fnmatch.filter,
    colorsys.rgb_to_hsv,
    colorsys.hls_to_rgb,
    difflib.get_close_matches,
    json.dumps,
    ast.literal_eval,
    inspect.cleandoc,
    inspect.getmodulename,
    inspect.formatannotation,
]


def _items() -> list[dict]:
    items = []
    for function in FUNCTIONS:
        source = inspect.getsource(function)
        signature = (
            source[: source.index(":\n")].strip()
            if source.startswith("def ")
            else f"def {function.__name__}(...)"
        )
        items.append(
            {
                "name": function.__name__,
                "module": function.__module__,
                "source": source,
                "signature": signature,
                "docstring": inspect.getdoc(function) or "No docstring.",
            }
        )
    return items


def _records() -> list[dict]:
    """One tester and one coder seed per function, each its own seed group (as code_tests builds them)."""
    records = []
    for item in _items():
        for agent, text in (
            ("tester", code_seeds.tester_input(item, "import os")),
            ("coder", code_seeds.coder_input(item, "")),
        ):
            output = {"agent": agent, "code": item["source"]}
            record = Record(
                recipe="code_tests",
                kind="code",
                schema_version=1,
                seed_id="",
                input=text,
                output=output,
                labels={"agent": agent, "module": item["module"]},
                provenance={"origin": "repo"},
            )
            record.seed_id = record.id
            records.append(record.to_dict())
    return records


@pytest.fixture(scope="module")
def records():
    return _records()


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    cache = EmbeddingCache(tmp_path_factory.mktemp("emb") / "e.sqlite")
    yield cache
    cache.close()


def test_the_template_is_found_in_the_data_and_cut_out(records):
    template = Template.of(records)
    tester = records[0]["input"]
    assert tester.startswith("Write pytest tests for the function `dedent`")
    content = template.content(tester)
    for instruction in (
        "use plain pytest (tmp_path is the only fixture you may use), no network",
        "Reply with the test module in one",
    ):
        assert instruction in tester and instruction not in content
    assert "dedent(text):" in content and "Remove any common leading whitespace" in content
    assert all(len(gram) == TEMPLATE_GRAM for gram in template.grams)
    assert not template.ngrams(tester, 13) & template.ngrams(
        records[2]["input"], 13
    )  # dedent vs indent: no leak


def test_a_copy_or_a_text_in_two_records_is_never_template(records):
    copied = [*records, {**records[4], "id": "copy", "seed_id": "copy"}]
    template = Template.of(copied)
    assert "shorten(text, width, **kwargs)" in template.content(records[4]["input"])
    assert Template.of(records[:2]).grams == frozenset()  # two groups: never a template


def test_templated_inputs_do_not_leak_but_a_real_copy_does(records, cache):
    train, other = records[:20], records[20:]
    # the whole input compared, as before: the shared instruction alone makes every record a leak
    assert len(find_leaks(train, other, 0.87, cache, template=Template())) == len(other)
    assert find_leaks(train, other, 0.87, cache) == {}
    copy = {**train[2], "id": "copy", "seed_id": "copy"}
    near = {
        **train[6],
        "id": "near",
        "seed_id": "near",
        "input": train[6]["input"].replace("Reply", "Answer"),
    }
    assert find_leaks(train, [*other, copy, near], 0.87, cache) == {
        "copy": ("leakage_ngram", train[2]["id"]),
        "near": ("leakage_ngram", train[6]["id"]),
    }
    short = [{"id": "t", "input": "Write a test for add: def add(a, b): return a + b"}]
    assert find_leaks(
        short,
        [{"id": "o", "input": "Write a test for add: def add(a, b): return a + b"}],
        0.87,
        cache,
    ) == {"o": ("leakage_cosine", "t")}


def test_code_tests_exports_non_empty_validation_and_test_splits(records, tmp_path):
    run_dir = tmp_path / "code_tests" / "r1"
    run_dir.mkdir(parents=True)
    (run_dir / "dataset.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (run_dir.parent / "latest").symlink_to("r1")
    summary = export("code_tests", out=tmp_path, split="60/20/20", stratify=["agent"], seed=0)
    counts = {name: split["records"] for name, split in summary["splits"].items()}
    assert counts["validation"] >= 4 and counts["test"] >= 4, (counts, summary["leakage"])
    assert sum(counts.values()) == len(records)
    assert summary["leakage"]["remaining"] == 0
    exported = [
        json.loads(line)
        for line in (run_dir / "export" / "records" / "test.jsonl").read_text().splitlines()
    ]
    assert {r["id"] for r in exported} <= {r["id"] for r in records}
