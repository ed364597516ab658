"""What every source shares: bad files and lines are Rejected with a reason, the rest still read."""

import gzip
import os

from factory.record import Rejected
from factory.sources.base import expand, read_json_lines, read_lines, read_text


def test_a_truncated_gzip_keeps_what_was_read_and_says_why_it_stopped(tmp_path):
    data = gzip.compress(b"".join(b'{"n": %d}\n' % i for i in range(20000)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    items = list(read_json_lines(path))
    assert items[0] == (1, {"n": 0}) and len(items) > 1000
    assert items[-1] == Rejected.at(
        str(path),
        "source_unreadable",
        "Compressed file ended before the end-of-stream marker was reached",
    )


def test_lines_too_long_or_not_utf8_are_skipped_one_by_one(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes(b"x" * 100 + b"\nok\n\xff\xfe\nlast")
    assert list(read_lines(path, max_line_bytes=10)) == [
        Rejected.at(f"{path}:1", "source_line_too_large", "over 10 bytes"),
        (2, "ok"),
        Rejected.at(f"{path}:3", "source_not_utf8", "byte 0: invalid start byte"),
        (4, "last"),
    ]


def test_expand_walks_folders_once_and_names_what_is_missing(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.jsonl").write_text("{}\n")
    (tmp_path / "a" / "skip.txt").write_text("not a log")
    os.symlink(tmp_path / "gone", tmp_path / "a" / "dangling.jsonl")
    found = list(
        expand(
            [tmp_path / "a", str(tmp_path / "a" / "*.jsonl"), tmp_path / "nope"],
            suffixes=(".jsonl",),
        )
    )
    assert found[0] == Rejected.at(
        str(tmp_path / "a" / "dangling.jsonl"),
        "source_broken_link",
        f"points to {tmp_path / 'gone'}",
    )
    assert found[1] == tmp_path / "a" / "one.jsonl"
    assert [s.reason for s in found[2:]] == [
        "source_broken_link",
        "source_missing",
    ]  # the glob's dangling link, nope
    binary = tmp_path / "b.py"
    binary.write_bytes(b"\x00\x01code")
    assert read_text(binary) == Rejected.at(
        str(binary), "source_binary_file", "NUL bytes in the first 8 KiB"
    )


def test_a_corrupt_gzip_a_compression_bomb_and_a_deeply_nested_line_are_skipped(tmp_path):
    data = bytearray(gzip.compress(b"".join(b'{"n": %d}\n' % i for i in range(5000))))
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(
        64
    )  # zeroed in the middle: zlib.error, not EOF
    corrupt = tmp_path / "corrupt.jsonl.gz"
    corrupt.write_bytes(bytes(data))
    assert list(read_json_lines(corrupt))[-1].reason == "source_unreadable"
    bomb = tmp_path / "bomb.jsonl.gz"
    bomb.write_bytes(
        gzip.compress((b'{"pad": "' + b"x" * 1000 + b'"}\n') * 3000)
    )  # 3 MB unpacked, 15 KB packed
    items = list(read_json_lines(bomb, max_bytes=100_000))
    assert items[-1] == Rejected.at(
        str(bomb), "source_too_large", "over the cap of 100,000 bytes unpacked, at line 99"
    )
    assert read_text(bomb, max_bytes=100_000).reason == "source_too_large"
    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 200_000 + "\n" + '{"ok": 1}\n')
    assert list(read_json_lines(deep)) == [
        Rejected.at(f"{deep}:1", "source_bad_json", "nested too deeply"),
        (2, {"ok": 1}),
    ]
