"""The teacher response cache and the cached distilabel LLM: hits, misses, failures never cached."""

import sqlite3

from factory.processes import free_port
from factory.teacher.cache import ResponseCache, cache_key
from factory.teacher.llm import CachedOpenAILLM

MESSAGES = [{"role": "user", "content": "Request: find notes"}]


def test_key_depends_on_every_part():
    base = cache_key("m", MESSAGES, {"temperature": 0.5}, 0)
    assert base == cache_key("m", MESSAGES, {"temperature": 0.5}, 0)
    assert (
        len(
            {
                base,
                cache_key("m2", MESSAGES, {"temperature": 0.5}, 0),
                cache_key("m", MESSAGES + MESSAGES, {"temperature": 0.5}, 0),
                cache_key("m", MESSAGES, {"temperature": 0.6}, 0),
                cache_key("m", MESSAGES, {"temperature": 0.5}, 1),
            }
        )
        == 5
    )


def test_cache_roundtrip_persists_and_counts(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    assert cache.get("k") is None
    cache.put("k", {"text": "hello"})
    cache.put("k", {"text": "ignored: first write wins"})
    assert cache.get("k") == {"text": "hello"}
    assert (cache.hits, cache.misses, len(cache)) == (1, 1, 1)
    cache.close()
    assert ResponseCache(tmp_path / "c.sqlite").get("k") == {"text": "hello"}


def _llm(base_url, path):
    llm = CachedOpenAILLM(
        model="loopback",
        base_url=base_url,
        api_key="none",
        cache_path=str(path),
        max_retries=0,
        timeout=5,
        generation_kwargs={"max_new_tokens": 64, "temperature": 0.0},
    )
    llm.load()
    return llm


def test_llm_stores_before_use_and_never_asks_twice(loopback, tmp_path):
    llm = _llm(loopback.base_url, tmp_path / "c.sqlite")
    first = llm.generate_outputs(
        inputs=[MESSAGES], num_generations=2, max_new_tokens=64, temperature=0.0
    )
    assert loopback.requests == 2  # two samples, two keys
    again = _llm(loopback.base_url, tmp_path / "c.sqlite")
    second = again.generate_outputs(
        inputs=[MESSAGES], num_generations=2, max_new_tokens=64, temperature=0.0
    )
    assert loopback.requests == 2
    assert first[0]["generations"] == second[0]["generations"]
    assert (again.cache.hits, again.cache.misses) == (2, 0)
    assert (llm.prompt_tokens, again.prompt_tokens) == (100, 0)


def test_failed_call_is_reported_and_not_cached(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}/v1"
    llm = _llm(dead, tmp_path / "c.sqlite")
    out = llm.generate_outputs(
        inputs=[MESSAGES], num_generations=1, max_new_tokens=64, temperature=0.0
    )
    assert out[0]["generations"] == [None]
    assert list(llm.failures.values())[0].startswith("APIConnectionError")
    rows = (
        sqlite3.connect(tmp_path / "c.sqlite")
        .execute("SELECT COUNT(*) FROM responses")
        .fetchone()[0]
    )
    assert rows == 0
