"""factory.sources.manpages: the machine's own pages (ls, tar, grep), pages written here in man and
mdoc, and every kind of page that must be Rejected with its reason."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from factory.record import Rejected
from factory.sources import manpages
from factory.sources.man_text import ANY_NUMBER, parse_tag, synopsis_flags
from factory.sources.manpages import option_table, options_of, read_man_pages, read_page

MYTOOL = r""".TH MYTOOL 1 "January 2025" "mytool 1.0" "User Commands"
.SH NAME
mytool \- rotate and compress service logs
.SH SYNOPSIS
.B mytool
[\fIOPTION\fR]... \fIDIR\fR...
.SH DESCRIPTION
Rotate the logs of every service under each
.IR DIR .
Old logs are compressed.
.PP
A second paragraph that is not the description.
.SH OPTIONS
.TP
\fB\-n\fR, \fB\-\-keep\fR=\fINUM\fR
keep NUM rotated logs per service
.TP
\fB\-z\fR
compress rotated logs with gzip
.TP
\fB\-\-dry\-run\fR
print what would be done,
do nothing
.TP
.BR \-c ", " \-\-config " " \fIFILE\fR
read settings from FILE
.SH "SEE ALSO"
.BR logrotate (8)
"""
MDTOOL = """.Dd January 1, 2025
.Dt MDTOOL 8
.Os
.Sh NAME
.Nm mdtool
.Nd check disks
.Sh SYNOPSIS
.Nm
.Op Fl qv
.Op Fl d Ar device
.Sh DESCRIPTION
The
.Nm
utility checks disks.
.Pp
The options are as follows:
.Bl -tag -width Ds
.It Fl d Ar device
Check only
.Ar device .
.It Fl q
Be quiet.
.El
"""
MYTOOL_OPTIONS = [
    {
        "flags": ["-n", "--keep"],
        "argument": "NUM",
        "description": "keep NUM rotated logs per service",
    },
    {"flags": ["-z"], "argument": None, "description": "compress rotated logs with gzip"},
    {
        "flags": ["--dry-run"],
        "argument": None,
        "description": "print what would be done, do nothing",
    },
    {"flags": ["-c", "--config"], "argument": "FILE", "description": "read settings from FILE"},
]


def _pages(items) -> dict[str, dict]:
    return {item["command"]: item for item in items if isinstance(item, dict)}


def _skips(items) -> list[tuple[str, str]]:
    return [
        (Path(s.where).name if "/" in s.where else s.where, s.reason)
        for s in items
        if isinstance(s, Rejected)
    ]


@pytest.fixture(scope="module")
def own_pages() -> dict[str, dict]:
    """ls, tar and grep as this machine has them (coreutils, tar and grep always ship their pages)."""
    return _pages(read_man_pages(names=["tar", "ls", "grep"]))


def test_the_machines_ls_tar_and_grep(own_pages):
    assert list(own_pages) == [
        "grep",
        "ls",
        "tar",
    ]  # sorted by name, whatever order they were asked in
    ls = own_pages["ls"]
    assert (ls["section"], ls["where"], ls["summary"]) == (
        "1",
        "man:ls(1)",
        "list directory contents",
    )
    assert ls["synopsis"] == "ls [OPTION]... [FILE]..."
    assert ls["description"].startswith("List information about the FILEs")
    assert Path(ls["path"]).name.startswith("ls.1")
    by_flag = {flag: option for option in ls["options"] for flag in option["flags"]}
    assert by_flag["-l"] == {
        "flags": ["-l"],
        "argument": None,
        "description": "use a long listing format",
    }
    assert by_flag["--all"]["flags"] == ["-a", "--all"]
    assert by_flag["--block-size"]["argument"] == "SIZE"
    assert by_flag["--color"]["argument"] == "[WHEN]"  # optional: --color[=WHEN]
    tar = {flag: option for option in own_pages["tar"]["options"] for flag in option["flags"]}
    assert tar["-x"]["flags"] == ["-x", "--extract", "--get"]
    assert tar["-f"]["flags"] == ["-f", "--file"] and tar["-f"]["argument"] == "ARCHIVE"
    assert tar["-z"]["flags"] == ["-z", "--gzip", "--gunzip", "--ungzip"]
    grep = {flag: option for option in own_pages["grep"]["options"] for flag in option["flags"]}
    assert grep["-e"]["flags"] == ["-e", "--regexp"] and grep["-e"]["argument"] == "PATTERNS"
    assert grep["-i"]["description"].startswith(
        "Ignore case distinctions in patterns and input data"
    )


def test_names_filter_renders_only_the_pages_asked_for(monkeypatch):
    rendered: list[str] = []
    real_render = manpages.render
    monkeypatch.setattr(
        manpages,
        "render",
        lambda source, where: rendered.append(where) or real_render(source, where),
    )
    manpages._parse_file.cache_clear()
    items = list(read_man_pages(names=["ls", "no-such-command-xyz"]))
    assert _skips(items) == [("man:no-such-command-xyz", "man_not_found")]
    assert list(_pages(items)) == ["ls"]
    assert [Path(p).name for p in rendered] == [Path(_pages(items)["ls"]["path"]).name]


def test_section_filter_on_the_machine():
    assert _skips(read_man_pages(names=["ls"], sections=("8",))) == [("man:ls", "man_not_found")]
    mount = _pages(read_man_pages(names=["mount"], sections=("8",)))["mount"]
    assert (mount["section"], mount["where"]) == ("8", "man:mount(8)")


def test_early_stop_renders_no_more_pages(monkeypatch):
    rendered: list[str] = []
    real_render = manpages.render
    monkeypatch.setattr(
        manpages,
        "render",
        lambda source, where: rendered.append(where) or real_render(source, where),
    )
    manpages._parse_file.cache_clear()
    pages = read_man_pages()  # every page of man1 and man8 (thousands), streamed
    first_two = [next(pages), next(pages)]
    pages.close()
    assert len(rendered) <= 2 and all(isinstance(p, (dict, Rejected)) for p in first_two)


def test_a_man_path_folder_with_man_and_mdoc_pages(tmp_path):
    (tmp_path / "man1").mkdir()
    (tmp_path / "man8").mkdir()
    (tmp_path / "man1" / "mytool.1").write_text(MYTOOL)
    (tmp_path / "man8" / "mdtool.8.gz").write_bytes(gzip.compress(MDTOOL.encode()))
    pages = _pages(read_man_pages([tmp_path]))
    assert list(pages) == ["mdtool", "mytool"]
    mytool = pages["mytool"]
    assert {k: v for k, v in mytool.items() if k != "mentioned"} == {
        "command": "mytool",
        "section": "1",
        "summary": "rotate and compress service logs",
        "synopsis": "mytool [OPTION]... DIR...",
        "description": "Rotate the logs of every service under each DIR. Old logs are compressed.",
        "options": MYTOOL_OPTIONS,
        "where": "man:mytool(1)",
        "path": str(tmp_path / "man1" / "mytool.1"),
    }
    assert mytool["mentioned"] == ["--config", "--dry-run", "--keep", "-c", "-n", "-z"]
    mdtool = pages["mdtool"]
    assert (mdtool["summary"], mdtool["synopsis"], mdtool["description"]) == (
        "check disks",
        "mdtool [-qv] [-d device]",
        "The mdtool utility checks disks.",
    )
    assert mdtool["options"] == [
        {"flags": ["-d"], "argument": "device", "description": "Check only device."},
        {"flags": ["-q"], "argument": None, "description": "Be quiet."},
    ]
    assert _pages(read_man_pages([tmp_path], sections=("8",))).keys() == {"mdtool"}
    assert _pages(read_man_pages([tmp_path / "man1" / "mytool.1"], sections=("8",))).keys() == {
        "mytool"
    }  # named


def test_pages_that_cannot_be_used_are_skipped_with_their_reason(tmp_path, monkeypatch):
    folder = tmp_path / "man1"
    folder.mkdir()
    (folder / "good.1").write_text(MYTOOL)
    (folder / "stub.1").write_text('.\\" a link page\n.so man1/good.1\n')
    (folder / "binary.1").write_bytes(b".TH X 1\n\x00\x01\x02")
    (folder / "latin1.1").write_bytes(".TH X 1\n.SH NAME\nx \\- caf\xe9\n".encode("latin-1"))
    (folder / "noname.1").write_text(".TH X 1\n.SH DESCRIPTION\nNothing here.\n")
    (folder / "loop.1").write_text(".TH X 1\n.SH NAME\nx \\- y\n.de again\n.again\n..\n.again\n")
    (folder / "empty.1").write_text('.\\" only a comment\n')
    (folder / "README").write_text("not a page")
    (folder / "truncated.1.gz").write_bytes(gzip.compress(MYTOOL.encode())[:40])
    os.symlink(folder / "gone.1", folder / "dangling.1")
    items = list(read_man_pages([tmp_path]))
    assert sorted(_skips(items)) == [
        ("README", "man_not_a_page"),
        ("binary.1", "source_binary_file"),
        ("dangling.1", "source_broken_link"),
        ("empty.1", "man_render_failed"),
        ("latin1.1", "source_not_utf8"),
        ("loop.1", "man_render_failed"),
        ("noname.1", "man_no_name"),
        ("stub.1", "man_so_link"),
        ("truncated.1.gz", "source_unreadable"),
    ]
    assert list(_pages(items)) == ["good"]
    details = {Path(s.where).name: s.detail for s in items if isinstance(s, Rejected)}
    assert details["stub.1"] == "a stub that sources man1/good.1"
    assert "input stack limit exceeded" in details["loop.1"]
    monkeypatch.setattr(manpages, "RENDER_TIMEOUT_S", 1)
    (folder / "forever.1").write_text(".TH X 1\n.SH NAME\nx \\- y\n.while 1 .nr a +1\n")
    forever = read_page(folder / "forever.1")
    assert (forever.reason, forever.detail) == ("man_render_timeout", "groff took over 1 s")


def test_options_of_and_option_table_through_man_w():
    ls = options_of("ls")
    assert {
        "-l",
        "-a",
        "--all",
        "--human-readable",
        "-h",
        "--color",
    } <= ls and "--frobnicate" not in ls
    assert options_of("no-such-command-xyz") is None and option_table("no-such-command-xyz") is None
    tar = option_table("tar")
    assert (tar["-f"], tar["--file"], tar["-x"]) == ("ARCHIVE", "ARCHIVE", None)
    assert option_table("sed")["-i"] == "[SUFFIX]"
    assert ANY_NUMBER in options_of("kill")  # kill -9, kill -HUP: "-<signal>" in its page
    assert options_of("ls") is options_of("ls")  # cached


@pytest.mark.parametrize(
    "tag, expected",
    [
        ("-a, --all", [("-a", None, False), ("--all", None, False)]),
        ("-f, --file=ARCHIVE", [("-f", None, False), ("--file", "ARCHIVE", False)]),
        (
            "-e PATTERNS, --regexp=PATTERNS",
            [("-e", "PATTERNS", False), ("--regexp", "PATTERNS", False)],
        ),
        (
            "-i[SUFFIX], --in-place[=SUFFIX]",
            [("-i", "SUFFIX", True), ("--in-place", "SUFFIX", True)],
        ),
        ("-D [bind_address:]port", [("-D", "[bind_address:]port", False)]),
        ("-exec command ;", [("-exec", "command ;", False)]),
        ("-t, --type=", [("-t", None, False), ("--type", "VALUE", False)]),
        ("-<signal>", [(ANY_NUMBER, None, False)]),
        ("-noleaf. If you later use the -P option", None),
        ("--help Output a usage message and exit.", None),
    ],
)
def test_parse_tag(tag, expected):
    assert parse_tag(tag) == expected


def test_synopsis_flags():
    assert synopsis_flags(
        "ssh [-46A] [-B bind_interface] [-o=opt] [-s sigspec | -n signum | -sigspec] dest"
    ) == {
        "-46A": None,
        "-B": "bind_interface",
        "-o": "opt",
        "-s": "sigspec",
        "-n": "signum",
        ANY_NUMBER: None,
        "-4": None,
        "-6": None,
        "-A": None,
    }
    assert synopsis_flags("ls [OPTION]... [FILE]...") == {}


def _troffs() -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "cmdline").read_bytes().startswith(b"troff"):
                found.add(int(entry.name))
        except OSError:
            continue
    return found


def test_a_page_that_never_ends_is_skipped_and_leaves_no_troff_behind(monkeypatch):
    monkeypatch.setattr(manpages, "RENDER_TIMEOUT_S", 2)
    before = _troffs()
    page = ".TH LOOP 1\n.SH NAME\nloop \\- spins\n.nr a 0\n.while 1 .nr a +1\n"
    result = manpages.render(page, "loop.1")
    assert isinstance(result, Rejected) and result.reason == "man_render_timeout"
    assert (
        _troffs() - before == set()
    )  # groff's children end with it (an orphaned troff spun a core for hours)
