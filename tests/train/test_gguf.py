"""GGUF export: llama.cpp's converter on a tiny Llama, then llama.cpp computes what transformers computes."""

import json

import numpy as np
import pytest

from factory.errors import ConfigError
from train.gguf import answer, convert


def test_converted_model_matches_transformers(tiny_llama, tiny_gguf):
    import torch
    from llama_cpp import Llama
    from transformers import AutoModelForCausalLM, AutoTokenizer

    assert tiny_gguf.read_bytes()[:4] == b"GGUF"
    text = "LOOKUP res-1 and SEARCH notes about the budget"
    tokenizer = AutoTokenizer.from_pretrained(tiny_llama)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    llama = Llama(str(tiny_gguf), n_ctx=128, n_threads=2, logits_all=True, verbose=False)
    try:  # transformers 5 writes rope_parameters, which the converter alone would miss (llama.cpp's default 10,000)
        assert float(llama.metadata["llama.rope.freq_base"]) == 100000.0
        assert (
            llama.tokenize(text.encode(), add_bos=False, special=False) == ids
        )  # the tokenizer survived conversion
        llama.eval(ids)
        ours = np.array(llama.scores[: len(ids)])
    finally:
        llama.close()
    with torch.no_grad():
        theirs = (
            AutoModelForCausalLM.from_pretrained(tiny_llama)(torch.tensor([ids])).logits[0].numpy()
        )
    for position in range(len(ids)):  # f16 weights: close, not equal
        assert np.corrcoef(ours[position], theirs[position])[0, 1] > 0.999, position
    assert np.abs(ours - theirs).max() < 0.05


def test_answer_runs_the_chat_template(tiny_gguf):
    reply = answer(
        tiny_gguf,
        [{"role": "system", "content": "Reply."}, {"role": "user", "content": "Look up res-1"}],
        max_tokens=6,
    )
    assert isinstance(reply, str) and reply  # a random model's words, but words from llama.cpp


def test_bad_inputs_are_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match="expected one of q8_0, f16"):
        convert(tmp_path, "q4_k")
    with pytest.raises(ConfigError, match="no config.json"):
        convert(tmp_path, "q8_0")
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["NoSuchModel"]}))
    with pytest.raises(ConfigError, match="converter failed .* full log: "):
        convert(tmp_path, "q8_0", tmp_path / "out" / "student.gguf")
    assert [p.name for p in (tmp_path / "out").iterdir()] == [
        "student.log"
    ]  # no (half-written) GGUF left behind


def test_grammar_keeps_the_keywords_beside_a_list_of_types_and_integer_ranges():
    """llama-cpp-python's converter reads "type": [A, B] alone and has no integer ranges; grammar_for
    splits the types first (a pattern on a nullable string still constrains the string, and null
    stays allowed) and writes a small range as the enum of its values."""
    from factory.teacher.grammar import llama_grammar as grammar_for

    schema = {
        "type": "object",
        "required": ["order_id"],
        "properties": {"order_id": {"type": ["string", "null"], "pattern": "^NW-[0-9]{5}$"}},
    }
    text = grammar_for(schema)._grammar
    assert '"NW"' in text and "null" in text
    minutes = grammar_for({"type": "integer", "minimum": 5, "maximum": 480})._grammar
    assert (
        '"480"' in minutes and '"5"' in minutes and '"481"' not in minutes and '"4"' not in minutes
    )
    with pytest.raises(
        ConfigError, match="cannot decode under this answer schema: llama.cpp cannot"
    ):
        grammar_for({"$ref": "https://example.com/elsewhere.json"})


def test_free_strings_are_capped_so_a_constrained_reply_always_ends():
    """A small model under a grammar can repeat a digit in a free string until max_tokens; the
    grammar caps free strings (and leaves bounded ones alone), so the reply closes as JSON."""
    from factory.teacher.grammar import FREE_STRING_CAP, capped_strings

    schema = {
        "type": "object",
        "properties": {
            "invoice_number": {"type": "string"},
            "order_id": {"type": "string", "pattern": "^NW-[0-9]{5}$"},
            "status": {"type": "string", "enum": ["open", "paid"]},
            "note": {"type": "string", "maxLength": 400},
            "lines": {"type": "array", "items": {"type": "string"}},
        },
    }
    props = capped_strings(schema)["properties"]
    assert props["invoice_number"] == {"type": "string", "maxLength": FREE_STRING_CAP}
    assert props["lines"]["items"] == {"type": "string", "maxLength": FREE_STRING_CAP}
    assert props["order_id"] == schema["properties"]["order_id"]
    assert props["status"] == schema["properties"]["status"]
    assert props["note"] == {"type": "string", "maxLength": 400}
