"""sysadmin_bash: the shell splitter, bash_check with exact reasons, seeds from the machine's man pages
(every one valid), make_pair / user_seed / labels, the prompts, and the metrics against hand-computed values."""

from __future__ import annotations

import json

import pytest
from jinja2 import Environment, StrictUndefined

from factory.recipes import load_recipe
from factory.record import Rejected
from factory.stages.validate import schema_validator
from pipelines.sysadmin_bash import recipe
from pipelines.sysadmin_bash.bash_check import check, commands
from pipelines.sysadmin_bash.metrics import normal_form, reply_command, score
from pipelines.sysadmin_bash.shell import split


@pytest.fixture(scope="module")
def bound():
    return load_recipe("sysadmin_bash")


@pytest.fixture(scope="module")
def validator(bound):
    return schema_validator(bound)


def _shape(command: str) -> list[list[str]]:
    return [
        [w.text for w in s.words] + [f"{op}{target}" for op, target in s.redirects]
        for s in split(command)[0]
    ]


@pytest.mark.parametrize(
    "command, expected",
    [
        (
            "ls -la /var/log | grep -i 'error' && echo \"done: $(date +%F)\"",
            [
                ["ls", "-la", "/var/log"],
                ["grep", "-i", "error"],
                ["echo", "done: $(...)"],
                ["date", "+%F"],
            ],
        ),
        (
            r'find / -name "*.log" -exec rm {} \; 2>/dev/null',
            [["find", "/", "-name", "*.log", "-exec", "rm", "{}", ";", "2>/dev/null"]],
        ),
        ('for f in *.txt; do wc -l "$f"; done > counts.txt', [["wc", "-l", "$f"]]),
        (
            "if [[ -f /etc/hosts && -r /etc/hosts ]]; then cat /etc/hosts; fi",
            [["cat", "/etc/hosts"]],
        ),
        (
            'case "$1" in start) systemctl start nginx;; stop|halt) systemctl stop nginx;; esac',
            [["systemctl", "start", "nginx"], ["systemctl", "stop", "nginx"]],
        ),
        (
            'backup() { tar -czf /tmp/b.tgz "$1"; }; backup /etc',
            [["tar", "-czf", "/tmp/b.tgz", "$1"], ["backup", "/etc"]],
        ),
        ("X=1 Y=2 env | sort", [["env"], ["sort"]]),
        ("diff <(ls a) <(ls b)", [["diff", "$(...)", "$(...)"], ["ls", "a"], ["ls", "b"]]),
        ("(( n = 5 + 3 )); echo $((n * 2))", [["echo", "$((n * 2))"]]),
        (
            "cat <<EOF > out.txt\nhello | world\nEOF\nwc -l out.txt",
            [["cat", "<<EOF", ">out.txt"], ["wc", "-l", "out.txt"]],
        ),
        ("echo `uname -r` # a comment | with a pipe", [["echo", "$(...)"], ["uname", "-r"]]),
        (
            "sudo -u postgres psql -c 'select 1' &> log 2>&1",
            [["sudo", "-u", "postgres", "psql", "-c", "select 1", "&>log", "2>&1"]],
        ),
    ],
)
def test_split_into_simple_commands(command, expected):
    assert _shape(command) == expected


@pytest.mark.parametrize(
    "command",
    [
        "ls -la /var/log | grep -i 'error' && echo \"done: $(date +%F)\"",
        r'find /var/log -name "*.log" -mtime +7 -exec rm -f {} \; 2>/dev/null',
        "tar -czvf backup.tar.gz /etc",
        "tar xzf backup.tar.gz -C /opt",
        "tar --exclude='*.log' --create --file=b.tar /srv",
        "du -sh /var/* | sort -rh | head -n 5",
        "ps -eo pid,comm,%mem --sort=-%mem | head",
        "ps aux | awk '{print $2}' | xargs -r kill -9",
        "kill -HUP 1234",
        'sed -i.bak "s/a/b/" f.txt',
        "chmod -R 755 /srv && chmod -x run.sh",
        "sort --human /tmp/sizes",  # a unique prefix of --human-numeric-sort
        'read -r -p "Name: " name; echo "$name"',
        "set -euo pipefail",
        'watch -n 5 "df -h"',
        'for f in *.log; do gzip -9 "$f"; done',
        "$EDITOR /etc/hosts",
        "./deploy.sh --prod",
        'backup() { tar -czf /tmp/b.tgz "$1"; }; backup /etc',
    ],
)
def test_check_accepts_good_commands(command):
    assert check(command) is None


UNKNOWN = "is not a builtin, not a known program and has no man page"


@pytest.mark.parametrize(
    "command, expected",
    [
        ("", ("bash_syntax_error", "the command is empty")),
        ("ls -l |", ("bash_syntax_error", "syntax error: unexpected end of file")),
        ("ls )", ("bash_syntax_error", "syntax error near unexpected token `)'")),
        (
            'echo "unterminated',
            ("bash_syntax_error", "unexpected EOF while looking for matching `\"'"),
        ),
        ("frobnicate-xyz -v", ("bash_unknown_command", "'frobnicate-xyz' " + UNKNOWN)),
        ("ls -l | nosuchcmd-xyz", ("bash_unknown_command", "'nosuchcmd-xyz' " + UNKNOWN)),
        ("echo $(nosuchcmd-xyz)", ("bash_unknown_command", "'nosuchcmd-xyz' " + UNKNOWN)),
        (
            r"find . -exec nosuchcmd-xyz {} \;",
            ("bash_unknown_command", "'nosuchcmd-xyz' " + UNKNOWN),
        ),
        (
            "ls --frobnicate",
            ("bash_unknown_option", "ls: --frobnicate is not documented in man:ls"),
        ),
        ("tar -xqf a.tar", ("bash_unknown_option", "tar: -xqf (-q) is not documented in man:tar")),
        (
            "cut -d: -f1 --frob=1 /etc/x",
            ("bash_unknown_option", "cut: --frob=1 (--frob) is not documented in man:cut"),
        ),
        (
            "ls --h",
            ("bash_unknown_option", "ls: --h is not documented in man:ls"),
        ),  # ambiguous: --help, --hide...
        (
            "cd /tmp && read -r -x v",
            ("bash_unknown_option", "read: -x is not documented in bash's help read"),
        ),
    ],
)
def test_check_rejects_with_the_exact_reason(command, expected):
    assert check(command) == expected


def test_commands_normalise_options():
    tar, ls = commands("tar -czvf backup.tar.gz /etc && ls --all -l")
    assert (tar.name, tar.operands) == ("tar", ["/etc"])
    assert tar.options == [("-c", None), ("-z", None), ("-v", None), ("-f", "backup.tar.gz")]
    assert (ls.name, ls.options) == ("ls", [("-a", None), ("-l", None)])
    find, rm = commands(r"find /tmp -mtime -7 -exec rm -f {} \;")
    assert find.options == [("-mtime", "-7"), ("-exec", "rm -f {} ;")]
    assert (rm.name, rm.options) == ("rm", [("-f", None)])
    sudo, systemctl = commands("sudo systemctl --now enable nginx")
    assert sudo.known is True and systemctl.options == [
        ("--now", None)
    ]  # sudo: known, installed or not


@pytest.fixture(scope="module")
def curated(bound):
    """One seed per curated command (the count spreads over the list), from this machine's pages;
    no task-grammar share (tests/pipelines/test_sysadmin_tasks.py covers that)."""
    config = {**bound.source, "tasks": 0}
    return list(recipe.source_seeds(config, len(config["commands"]), 11))


def test_source_seeds_are_valid_records_from_real_options(curated, bound, validator):
    seeds = [s for s in curated if not isinstance(s, Rejected)]
    skipped = [s for s in curated if isinstance(s, Rejected)]
    assert all(s.reason == "man_not_found" for s in skipped)
    names = {s["provenance"]["source"].split(":")[1].split("(")[0] for s in seeds}
    assert len(seeds) == len(
        bound.source["commands"]
    )  # the count, spread: every command with a page has seeds
    assert (
        names == set(bound.source["commands"]) - {s.where.removeprefix("man:") for s in skipped}
        and len(names) >= 30
    )
    for seed in seeds:
        assert seed["provenance"]["origin"] == "man" and seed["provenance"]["source"].startswith(
            "man:"
        )
        assert list(validator.iter_errors(seed["output"])) == []
        assert recipe.validate(seed) is None, (seed["output"]["command"], recipe.validate(seed))
        assert seed["labels"] == recipe.labels(seed["output"])
        context = seed["context"]
        assert context["command"] in seed["input"] and 0 < len(context["options"]) <= 30
    du = next(s for s in seeds if s["provenance"]["source"] == "man:du(1)")
    assert du["input"].startswith("Show the disk usage of /var/log, ") and du["input"].endswith(
        " (du)"
    )
    assert du["output"]["command"].startswith("du -") and du["output"]["command"].endswith(
        " /var/log"
    )
    assert du["output"]["explanation"].startswith("du (estimate file space usage) with -")


def test_source_seeds_are_deterministic_and_count_limited(bound):
    config = {
        **bound.source,
        "commands": {name: bound.source["commands"][name] for name in ("ls", "du", "grep")},
        "tasks": 0,
    }
    first = list(recipe.source_seeds(config, 7, 11))
    assert first == list(recipe.source_seeds(config, 7, 11))
    assert first != list(recipe.source_seeds(config, 7, 12))
    assert (
        len(first) == 7
        and [s["labels"]["command_name"] for s in first] == ["du"] * 3 + ["grep"] * 2 + ["ls"] * 2
    )
    missing = list(recipe.source_seeds({"commands": ["ls", "no-such-command-xyz"]}, 2, 1))
    skipped = [(s.where, s.reason) for s in missing if isinstance(s, Rejected)]
    assert skipped == [("man:no-such-command-xyz", "man_not_found")]
    assert sum(isinstance(s, dict) for s in missing) == 2


def test_source_seeds_from_a_man_path(tmp_path):
    (tmp_path / "mytool.1").write_text(""".TH MYTOOL 1
.SH NAME
mytool \\- rotate service logs
.SH SYNOPSIS
mytool [OPTION]... DIR
.SH OPTIONS
.TP
\\fB\\-n\\fR, \\fB\\-\\-keep\\fR=\\fINUM\\fR
keep NUM rotated logs per service
""")
    seeds = list(recipe.source_seeds({"paths": [str(tmp_path)], "commands": {"ls": {}}}, 5, 1))
    assert seeds == [
        {
            "input": "Rotate service logs, keep 5 rotated logs per service (mytool)",
            "output": {
                "command": "mytool -n 5",
                "explanation": "mytool (rotate service logs) with -n: keep 5 rotated logs per service.",
            },
            "provenance": {"origin": "man", "source": "man:mytool(1)"},
            "context": {
                "command": "mytool",
                "summary": "rotate service logs",
                "synopsis": "mytool [OPTION]... DIR",
                "options": ["-n, --keep: keep 5 rotated logs per service"],
                "source": "man:mytool(1)",
            },
            "labels": {"command_name": "mytool", "option_count": "1"},
        }
    ]
    assert recipe.validate(seeds[0]) == (
        "bash_unknown_command",
        "'mytool' " + UNKNOWN,
    )  # not installed here


def test_make_pair_checks_the_shape():
    seed = {"input": "x", "output": {"command": "ls", "explanation": "x"}}
    item = {
        "input": "Show   the 5 largest files in /var/log",
        "output": {
            "command": "$ ls -S /var/log | head -n 5 ",
            "explanation": "Sort by size,\nkeep five.",
        },
    }
    assert recipe.make_pair(item, seed) == {
        "input": "Show the 5 largest files in /var/log",
        "output": {
            "command": "ls -S /var/log | head -n 5",
            "explanation": "Sort by size, keep five.",
        },
        "labels": {"command_name": "ls", "option_count": "2"},
    }
    for bad, message in [
        ("ls", "a pair must be an object, got str"),
        (
            {"input": "short", "output": {"command": "ls", "explanation": "x"}},
            "input must be a task of at least 8 characters",
        ),
        (
            {"input": "List the files", "output": "ls"},
            'output must be {"command": ..., "explanation": ...}',
        ),
        (
            {"input": "List the files", "output": {"command": " ", "explanation": "x"}},
            "output.command must be a non-empty string",
        ),
        (
            {"input": "List the files", "output": {"command": "ls"}},
            "output.explanation must be a non-empty string",
        ),
        (
            {"input": "List the files", "output": {"command": "ls\nrm x", "explanation": "x"}},
            "output.command spans several lines; one command line is expected",
        ),
    ]:
        with pytest.raises(ValueError) as error:
            recipe.make_pair(bad, seed)
        assert str(error.value) == message


def test_user_seed_labels_keep_values_and_student_answer():
    seed = recipe.user_seed({"input": "How big is /var/log?", "command": "sudo du -s /var/log"})
    assert seed["labels"] == {
        "command_name": "du",
        "option_count": "1",
    }  # sudo is a prefix, not the command
    assert seed["output"]["explanation"] == "du (estimate file space usage)."  # from its man page
    other = recipe.user_seed(
        {"input": "x", "output": {"command": "du -sh /var", "explanation": "Sizes."}}
    )
    assert other["output"] == {"command": "du -sh /var", "explanation": "Sizes."}
    assert other["labels"] == {"command_name": "du", "option_count": "2"}
    with pytest.raises(ValueError, match='each line needs "command"'):
        recipe.user_seed({"input": "x"})
    assert recipe.labels({"command": "ls -l -a -h -t /tmp"})["option_count"] == "3+"
    assert recipe.keep_values(
        "Show the last 20 lines of /var/log/syslog", {"command": "tail -n 20 /var/log/syslog"}
    ) == ["/var/log/syslog", "20"]
    assert recipe.student_answer({"output": {"command": "ls -l", "explanation": "x"}}) == "ls -l"
    assert recipe.validate({"input": " ", "output": {"command": "ls"}}) == (
        "bash_empty_task",
        "the input must be a non-empty task",
    )
    assert recipe.validate(
        {"input": "List and remove", "output": {"command": "ls\nrm -r x", "explanation": "x"}}
    ) == ("bash_multiline_command", "the command spans several lines; one command line is expected")
    assert recipe.validate({"input": "List", "output": {"command": "ls", "explanation": " "}}) == (
        "bash_empty_explanation",
        "the explanation is blank",
    )
    redacted = {
        "command": "cat <PERSON_1> /etc/hosts",
        "explanation": "x",
    }  # parses: two redirections
    assert recipe.validate({"input": "Print hosts", "output": redacted}) == (
        "bash_redacted_value",
        "the command holds <PERSON_1> where the scrubber removed a value",
    )
    assert (
        recipe.validate({"input": "List", "output": {"command": "ls -Q", "explanation": "x"}})
        is None
    )


def test_recipe_binds_and_prompts_render(bound, curated):
    assert (bound.kind, bound.teacher_mode, bound.labels) == (
        "bash_command",
        "pairs",
        ["command_name", "option_count"],
    )
    assert bound.stages == ["seeds", "scrub", "generate", "scrub", "dedup", "validate"]
    env = Environment(undefined=StrictUndefined)
    seed = next(s for s in curated if isinstance(s, dict))
    user = env.from_string(bound.prompt.read_text()).render(seed=seed, n=3)
    assert (
        "Options from its man page (use only these):" in user
        and seed["context"]["options"][0] in user
    )
    assert 'Reply with JSON: {"pairs": [' in user and "Write 3 new tasks" in user
    bare = env.from_string(bound.prompt.read_text()).render(
        seed={"input": "x", "output": seed["output"]}, n=2
    )
    assert "Options from its man page" not in bare  # a user seed has no context
    assert "bash expert" in env.from_string(bound.system_prompt.read_text()).render(seed=seed, n=3)


EXPECTED = {
    "output": {
        "command": "du -sh /var/log | sort -rh",
        "explanation": "Sizes of /var/log, largest first.",
    }
}


@pytest.mark.parametrize(
    "reply, expected",
    [
        (
            "du -sh /var/log | sort -rh",
            {"syntax": 1, "valid": 1, "command_name": 1, "options": 1, "intent": 1, "exact": 1},
        ),
        (
            '  du  --summarize -h "/var/log"|sort -hr ',
            {"syntax": 1, "valid": 1, "command_name": 1, "options": 1, "intent": 1, "exact": 1},
        ),
        (
            "```bash\n$ du -s /var/log | sort -rh\n```",  # 3 of 4 options: P 1, R 3/4
            {"syntax": 1, "valid": 1, "command_name": 1, "options": 6 / 7, "intent": 0, "exact": 0},
        ),
        (
            '{"command": "du -h /var/log", "explanation": "x"}',  # 1 of 4: P 1, R 1/4
            {"syntax": 1, "valid": 1, "command_name": 0, "options": 0.4, "intent": 0, "exact": 0},
        ),
        (
            "du --frob /var/log | sort -rh",  # --frob counts as a wrong option: P 2/3, R 2/4
            {"syntax": 1, "valid": 0, "command_name": 1, "options": 4 / 7, "intent": 0, "exact": 0},
        ),
        (
            "du -sh /var/log | sort -r",
            {"syntax": 1, "valid": 1, "command_name": 1, "options": 6 / 7, "intent": 0, "exact": 0},
        ),
        (
            "ls -l |",
            {"syntax": 0, "valid": 0, "command_name": 0, "options": 0, "intent": 0, "exact": 0},
        ),
        (
            "I don't know",
            {"syntax": 0, "valid": 0, "command_name": 0, "options": 0, "intent": 0, "exact": 0},
        ),
        ("", {"syntax": 0, "valid": 0, "command_name": 0, "options": 0, "intent": 0, "exact": 0}),
        (None, {"syntax": 0, "valid": 0, "command_name": 0, "options": 0, "intent": 0, "exact": 0}),
    ],
)
def test_score_by_hand(reply, expected, validator):
    assert score(reply, EXPECTED, validator) == pytest.approx(expected)


def test_a_bare_sudo_changes_who_runs_a_command_not_what_it_does(validator):
    restart = {"output": {"command": "systemctl restart nginx", "explanation": "Restart nginx."}}
    scores = score("sudo systemctl restart nginx", restart, validator)
    assert (scores["command_name"], scores["options"], scores["intent"], scores["exact"]) == (
        1,
        1,
        1,
        0,  # exact still sees the sudo
    )
    assert score("sudo du -sh /var/log | sort -rh", EXPECTED, validator)["intent"] == 1
    install = {"output": {"command": "sudo apt install htop", "explanation": "Install htop."}}
    assert score("apt install htop", install, validator)["intent"] == 1
    as_postgres = {
        "output": {"command": "sudo -u postgres psql -l", "explanation": "List databases."}
    }
    assert score("psql -l", as_postgres, validator)["command_name"] == 0  # -u names whom
    assert score("sudo -u postgres psql -l", as_postgres, validator)["intent"] == 1


def test_score_without_options_and_reply_forms(validator):
    record = {"output": {"command": "uptime", "explanation": "How long the system has run."}}
    assert score("uptime", record, validator)["options"] == 1.0
    assert score("uptime -p", record, validator)["options"] == 0.0
    assert reply_command(json.dumps({"command": "ls -l"})) == "ls -l"
    assert reply_command("Run this:\n```sh\nls -l\n```\nIt lists files.") == "ls -l"
    assert (
        normal_form("ls -l -a /tmp")
        == normal_form("ls  -la '/tmp'")
        != normal_form("ls -la /tmp > out")
    )


@pytest.mark.parametrize(
    "command",
    [  # issue 20, trap 6: real commands the validator refused
        'find . -newermt "2024-01-01" -type f',
        "perl -pe 's/a/b/g' f.txt",
        "stat -c%s /etc/passwd",
        "sudo -u postgres psql -c 'select 1'",
        "crontab -l",
        "cal -3",
        "nc -zv example.com 22",
        r"find . -execdir diff -u {} /srv/ref/{} \;",
        "find . -name '*.c' | xargs -n1 -I{} diff -u {} {}.orig",
        "tail -1 /var/log/syslog",
        "head -20 /etc/passwd",
        "kill -9 1234",
        "cut -d: -f1 -- /etc/passwd",
        "head -n5 /etc/group",
        "ls --color=auto -la",
        "tar xzf backup.tar.gz -C /opt",
        "timeout 10s nice -n 5 sort -u big.txt",
    ],
)
def test_trap_6_real_commands_pass(command):
    assert check(command) is None


@pytest.mark.parametrize(
    "command, expected",
    [  # issue 20, trap 6: garbage and destruction it accepted
        ("<a href=", ("bash_not_a_command", "markup (HTML or XML), not a command line")),
        (
            "../config.json",
            ("bash_not_a_command", "'../config.json' is a path to a file or folder, not a program"),
        ),
        ("-la", ("bash_not_a_command", "'-la' is not a program name")),
        (
            "find all files larger than 10MB",
            ("bash_not_a_command", "its operands read as English prose, not as a command line"),
        ),
        (
            "ls [OPTION]... [FILE]...",
            ("bash_not_a_command", "'[OPTION]...' is a placeholder, not a value"),
        ),
        ("find . -name", ("bash_missing_argument", "find: -name needs an argument (pattern)")),
        (
            "find . -exec rm {}",
            ("bash_missing_argument", "find: -exec needs a command ended by ';' or '+'"),
        ),
        (
            "tar backup.tar",
            (
                "bash_missing_argument",
                "tar: needs one of -A, -c, -d, -r, -t, -u, -x, --catenate...",
            ),
        ),
        ("cp a.txt", ("bash_missing_argument", "cp: needs 2 operand(s), got 1")),
        (
            "find . -execdir diff -Q {} \\;",
            ("bash_unknown_option", "diff: -Q is not documented in man:diff"),
        ),
        ("rm -rf /", ("dangerous_command", "rm -r /: it removes the system or a home folder")),
        (
            "sudo rm -rf ~/",
            ("dangerous_command", "rm -r ~/: it removes the system or a home folder"),
        ),
        (
            "mkfs.ext4 /dev/sdb1",
            ("dangerous_command", "mkfs.ext4 onto a disk: it destroys what is on /dev/sdb1"),
        ),
        (
            "dd if=x.iso of=/dev/sdb bs=4M",
            ("dangerous_command", "dd of=/dev/sdb: it overwrites a disk"),
        ),
        (
            ":(){ :|:& };:",
            ("dangerous_command", "a fork bomb: it starts processes until the system stops"),
        ),
        (
            "chmod -R 777 /",
            ("dangerous_command", "chmod -R ... /: it changes every file of the system"),
        ),
        ("echo x > /dev/sda", ("dangerous_command", "it writes over /dev/sda")),
        ("echo x >> /dev/sda", ("dangerous_command", "it writes over /dev/sda")),
        ("echo '' > /etc/fstab", ("dangerous_command", "it writes over /etc/fstab")),
        (
            "echo b >> /proc/sysrq-trigger",
            ("dangerous_command", "it writes over /proc/sysrq-trigger"),
        ),
    ],
)
def test_trap_6_refusals(command, expected):
    assert check(command) == expected


@pytest.mark.parametrize(
    "command",
    [  # appending is how a mount or a rule is added: the file keeps what it had
        "echo '/dev/sdb1 /mnt/data ext4 defaults 0 2' >> /etc/fstab",
        "echo 'deploy ALL=(ALL) NOPASSWD: /usr/bin/systemctl' | sudo tee -a /etc/sudoers",
        "cat fstab.extra >> /etc/fstab",
    ],
)
def test_trap_6_appending_to_a_system_file_is_not_destroying_it(command):
    assert check(command) is None


def test_trap_6_options_of_run_commands_are_their_own():
    find, diff = commands(r"find . -execdir diff -u {} /srv/ref/{} \;")
    assert find.options == [("-execdir", "diff -u {} /srv/ref/{} ;")] and diff.options == [
        ("-u", None)
    ]
    xargs, rm = commands("xargs -0 -n 10 rm -f")
    assert xargs.options == [("-0", None), ("-n", "10")] and (rm.name, rm.options) == (
        "rm",
        [("-f", None)],
    )
    (stat,) = commands("stat -c%s f")
    assert stat.options == [("-c", "%s")] and stat.operands == ["f"]
    (tail,) = commands("tail -1 f")
    assert tail.options == [("-NUM", "1")]


def test_the_committed_corpora_meet_their_goals():
    """bench/bash_validator.py's figures: >= 97% of real one-liners, no garbage, every destruction refused."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "bash_validator.py"
    spec = importlib.util.spec_from_file_location("bash_validator_bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    m = bench.measure()
    assert m["real"] >= 300 and m["garbage"] >= 100 and m["dangerous"] >= 30
    assert m["real_accepted"] / m["real"] >= 0.97, m["real_rejected"]
    assert m["garbage_accepted"] == []
    assert m["dangerous_missed"] == []


@pytest.mark.parametrize(
    "one, other",
    [  # exact match compares normal forms: quoting, spacing, option order aside
        ("grep -r 'TODO' /src", "grep  -r TODO   /src"),
        ('find . -name "*.log" -delete', "find . -name '*.log' -delete"),
        ("ls -la /tmp", "ls -a -l /tmp"),
        ("df -h | sort -k 5", "df -h|sort -k 5"),
        ("tar -czf backup.tar.gz /etc", "tar -c -z -f backup.tar.gz /etc"),
    ],
)
def test_normal_form_of_the_same_command(one, other):
    assert normal_form(one) == normal_form(other)


@pytest.mark.parametrize(
    "one, other",
    [
        ("ls /tmp", "ls /var"),
        ('echo "a b"', "echo a b"),  # one operand, not two
        ("sort -k 5 f", "sort -k 2 f"),  # a value stays with its option
        ("df -h | sort", "df -h; sort"),
    ],
)
def test_normal_form_of_different_commands(one, other):
    assert normal_form(one) != normal_form(other)
