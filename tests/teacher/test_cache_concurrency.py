"""The teacher cache is shared by concurrent writers (Ray replicas, two processes on one data root)."""

import multiprocessing

from factory.teacher.cache import ResponseCache, cache_key


def _writer(path: str, worker: int, count: int) -> None:
    cache = ResponseCache(path)
    try:
        for n in range(count):
            shared = cache_key(
                "m", [{"role": "user", "content": f"shared {n}"}], {}, 0
            )  # every writer writes it
            cache.put(shared, {"text": f"shared {n}", "by": worker})
            own = cache_key("m", [{"role": "user", "content": f"{worker}:{n}"}], {}, 0)
            cache.put(own, {"text": f"{worker}:{n}"})
            assert cache.get(own) == {"text": f"{worker}:{n}"}
    finally:
        cache.close()


def test_processes_writing_at_once_lose_nothing(tmp_path):
    path, workers, count = str(tmp_path / "teacher.sqlite"), 4, 300
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_writer, args=(path, worker, count)) for worker in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * workers
    cache = ResponseCache(path)
    try:
        assert (
            len(cache) == count + workers * count
        )  # each shared key once (the first write wins), every own key
        for worker in range(workers):
            for n in (0, count - 1):
                assert cache.get(
                    cache_key("m", [{"role": "user", "content": f"{worker}:{n}"}], {}, 0)
                ) == {"text": f"{worker}:{n}"}
        assert (
            cache.get(cache_key("m", [{"role": "user", "content": "shared 7"}], {}, 0))["text"]
            == "shared 7"
        )
    finally:
        cache.close()
