"""make_table: write commands.json, the committed option table of the programs in programs.txt.

    python -m pipelines.sysadmin_bash.make_table        # on a machine with man pages; review the diff

For every program of programs.txt (and the git/ip subcommand pages in SUBCOMMAND_PAGES) that has a
man page here (sections 1, 8), it stores the page's options as factory.sources.manpages parses them:
`{"where": "man:ls(1)", "table": {flag: argument}, "groups": [[flag, synonym...]], "mentioned": [...]}`,
one program a line so that a regeneration reads as a diff. Programs without a page here keep no entry
(usage.yaml describes some by hand). It does not read usage.yaml or judge the options it finds.
"""

from __future__ import annotations

import json
from pathlib import Path

from factory.sources.manpages import option_table, page_of

HERE = Path(__file__).parent
SUBCOMMAND_PAGES = {
    "git": "add am apply archive bisect blame branch cat-file checkout cherry-pick clean clone commit config describe "
    "diff fetch format-patch gc grep init log ls-files merge mv pull push rebase reflog remote reset restore "
    "revert rev-parse rm shortlog show stash status submodule switch tag worktree".split(),
    "ip": "address link route neighbour rule netns".split(),
}


def program_names(path: Path = HERE / "programs.txt") -> list[str]:
    names: list[str] = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            names += line.split()
    return list(dict.fromkeys(names))


def entry(name: str) -> dict | None:
    page, table = page_of(name), option_table(name)
    if page is None or table is None:
        return None
    groups = [option["flags"] for option in page["options"] if len(option["flags"]) > 1]
    mentioned = [flag for flag in page["mentioned"] if flag not in table]
    return {"where": page["where"], "table": table, "groups": groups, "mentioned": mentioned}


def build() -> dict[str, dict]:
    names = program_names() + [
        f"{cmd}-{sub}" for cmd, subs in SUBCOMMAND_PAGES.items() for sub in subs
    ]
    return {name: found for name in sorted(set(names)) if (found := entry(name))}


def write(table: dict[str, dict], path: Path = HERE / "commands.json") -> None:
    lines = [
        f"{json.dumps(name)}: {json.dumps(value, sort_keys=True)}"
        for name, value in sorted(table.items())
    ]
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n")


if __name__ == "__main__":
    built = build()
    write(built)
    print(f"{len(built)} programs with a man page of {len(program_names())} named")
