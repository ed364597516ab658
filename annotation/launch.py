"""Entry point of the Argilla server's own virtual environment (run by server.py, never imported).

    python annotation/launch.py database migrate
    python annotation/launch.py start --host 127.0.0.1 --port 6900
    python annotation/launch.py worker --num-workers 1
    python annotation/launch.py factory-setup CREDENTIALS_JSON WORKSPACE

It registers the `factory-sql` search engine (sql_engine.py), then hands the arguments to
argilla_server's own CLI. `factory-setup` is ours: `database migrate`, then it creates the owner
and the annotators a credentials file names (skipping those that exist), members of WORKSPACE
(created if missing), in one process (one start-up instead of N + 1) and without putting a
password on a command line, where `ps` would show it.
It does not start Redis or set the environment: server.py does both.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import annotation.sql_engine  # noqa: E402,F401  (registers the engine under its name)


def setup(credentials_file: str, workspace: str) -> None:
    from argilla_server.cli.database.migrate import migrate_db
    from argilla_server.cli.database.users.create import _create
    from argilla_server.models import UserRole

    migrate_db(revision="head")
    credentials = json.loads(Path(credentials_file).read_text())
    users = [(credentials["owner"], UserRole.owner)]
    users += [(user, UserRole.annotator) for user in credentials["annotators"]]

    async def create_all():
        for user, role in users:
            with contextlib.redirect_stdout(
                io.StringIO()
            ) as said:  # it echoes the API key: keep that out of logs
                await _create(
                    first_name=user["username"],
                    username=user["username"],
                    role=role,
                    password=user["password"],
                    api_key=user["api_key"],
                    workspace=[workspace],
                )
            done = "created" if "successfully created" in said.getvalue() else "exists"
            print(
                f"user {user['username']} ({role.value}, workspace {workspace}): {done}", flush=True
            )

    asyncio.run(create_all())


def main(argv: list[str]) -> None:
    if argv[:1] == ["factory-setup"]:
        setup(*argv[1:3])
        return
    from argilla_server.cli import app

    sys.argv = [sys.argv[0], *argv]
    app()


if __name__ == "__main__":
    main(sys.argv[1:])
