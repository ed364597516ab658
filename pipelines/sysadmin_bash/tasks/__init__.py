"""sysadmin_bash's task grammar: everyday admin requests, phrased the ways people ask, with the one
command line that does each.

`generate(count, random_seed)` yields {"text", "command", "explanation", "family"}: one family (a
kind of task, such as "the N biggest things in a folder") drawn at random, its values (paths,
services, users, hosts, numbers, sizes) drawn from vocabulary.py, one of its phrasings
(commands, questions, "how do i ...", fragments), numbers spelled as digits or words
(factory.surface); the families live in files.py, system.py, network.py and admin.py. Deterministic for a `random_seed`. recipe.source_seeds types the text casually
and validates nothing: every command is checked by the recipe's validator like any other seed
(tests/pipelines/test_sysadmin_tasks.py runs them all through it).

The commands follow one common convention per task (`df -h`, `du -sh DIR/* | sort -rh | head -n N`,
`find DIR -type f -mtime +N -delete`, `ss -tlnp`): a student learns one way to do each thing. It
does not cover everything a shell can do: what it lacks, the teacher's new pairs and the man-page
seeds add.
"""

from __future__ import annotations

import random
from typing import Iterator

from pipelines.sysadmin_bash.tasks import admin, files, network, system  # noqa: F401 (they register)
from pipelines.sysadmin_bash.tasks.grammar import FAMILIES


def generate(count: int, random_seed: int) -> Iterator[dict]:
    """`count` tasks, deterministic for `random_seed`; families are drawn with equal weight."""
    rng = random.Random(random_seed)
    names = sorted(FAMILIES)
    for _ in range(count):
        name = rng.choice(names)
        text, command, explanation = FAMILIES[name](rng)
        yield {"text": text, "command": command, "explanation": explanation, "family": name}
