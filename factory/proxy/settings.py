"""`factory proxy serve`: the flags checked up front, the proxy's key, the student server, the run.

`check_flags(...)` collects every problem with the flags, each named by its flag, and raises one
ConfigError before anything starts. `proxy_key(flag, log_dir)` is the proxy's own API key:
--api-key, else FACTORY_PROXY_KEY, else the one kept in DIR/.proxy/api_key (mode 0600), else a
new one, written there and returned as new (the CLI prints it once). The teacher's key comes
from FACTORY_TEACHER_API_KEY or OPENAI_API_KEY (factory.teacher.spec) and is never the proxy's.
`serve(...)` starts the student (`--student PATH`: factory.serving.ModelServer, llama.cpp for a
GGUF, transformers for a folder) or checks `--student-url`, then runs the proxy until stopped.
It does not parse the command line (factory/cli_proxy.py does).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

from factory.errors import ConfigError, FactoryError

KEY_FILE = Path(".proxy") / "api_key"


def check_flags(
    *,
    share: float,
    timeout: float,
    port: int,
    student: str | None,
    student_url: str | None,
    teacher_url: str,
    log_dir: Path,
    max_log_mb: float = 64.0,
) -> None:
    problems = []
    if not 0 <= share <= 1:
        problems.append(
            f"--share {share:g}: must be between 0 and 1 (the fraction of requests the student answers first)"
        )
    if not timeout > 0:
        problems.append(f"--timeout {timeout:g}: must be more than 0 seconds")
    if not max_log_mb > 0:
        problems.append(f"--max-log-mb {max_log_mb:g}: must be more than 0")
    if not 0 <= port <= 65535:
        problems.append(f"--port {port}: must be between 0 and 65535")
    if bool(student) == bool(student_url):
        problems.append(
            "--student PATH or --student-url URL: give exactly one (a model to serve, or a running server)"
        )
    for flag, url in (("--teacher-url", teacher_url), ("--student-url", student_url)):
        if url is not None and urlsplit(url).scheme not in ("http", "https"):
            problems.append(f"{flag} {url!r}: not an http(s) URL; e.g. http://127.0.0.1:8000/v1")
    if log_dir.exists() and not log_dir.is_dir():
        problems.append(f"--log-dir {log_dir}: is a file, not a folder")
    else:
        try:
            log_dir.mkdir(parents=True, exist_ok=True)
            probe = log_dir / ".proxy-write-test"
            probe.write_text("")
            probe.unlink()
        except OSError as exc:
            problems.append(f"--log-dir {log_dir}: cannot write there ({exc.strerror})")
    if problems:
        raise ConfigError("; ".join(problems))


def proxy_key(flag: str | None, log_dir: Path) -> tuple[str, bool]:
    """(the key, whether it was just generated)."""
    key = flag or os.environ.get("FACTORY_PROXY_KEY")
    if key:
        if len(key) < 8:
            raise ConfigError("--api-key / FACTORY_PROXY_KEY: use at least 8 characters")
        return key, False
    path = log_dir / KEY_FILE
    if path.is_file():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = "fpk-" + secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key, True


def _models(base_url: str, flag: str, api_key: str = "none") -> list[str]:
    import httpx

    try:
        reply = httpx.get(
            f"{base_url}/models", headers={"Authorization": f"Bearer {api_key}"}, timeout=10
        )
        return [str(item["id"]) for item in reply.json()["data"]]
    except httpx.HTTPError as exc:
        raise ConfigError(
            f"{flag} {base_url}: cannot reach {base_url}/models ({type(exc).__name__}); "
            "start the server or fix the URL"
        ) from None
    except (ValueError, KeyError, TypeError):
        raise ConfigError(
            f"{flag} {base_url}: /models is not an OpenAI model list; give the server's OpenAI "
            "base URL (often ending in /v1)"
        ) from None


def serve(
    recipe_name: str,
    *,
    teacher_url: str,
    teacher_model: str | None,
    student: str | None,
    student_url: str | None,
    share: float,
    host: str,
    port: int,
    log_dir: Path,
    api_key: str,
    shadow: bool,
    timeout: float,
    seed: int | None,
    max_log_mb: float,
    on_ready,
) -> None:
    """Run the proxy until KeyboardInterrupt / SystemExit; `on_ready(base_url, student_base_url)` once it listens."""
    from factory.proxy.app import Proxy
    from factory.proxy.checks import RecipeChecks
    from factory.proxy.logwriter import ExchangeLog
    from factory.proxy.wire import Upstream
    from factory.recipes import load_recipe
    from factory.teacher.spec import resolve

    recipe = load_recipe(recipe_name)
    teacher = resolve(teacher_model, teacher_url)
    with ExitStack() as stack:
        if student:
            student_upstream = Upstream(*_start_student(stack, student, log_dir))
        else:
            models = _models(student_url.rstrip("/"), "--student-url")
            if not models:
                raise ConfigError(f"--student-url {student_url}: the server lists no model")
            student_upstream = Upstream(student_url.rstrip("/"), models[0])
        log = ExchangeLog(
            log_dir,
            recipe=recipe,
            secrets=(teacher.api_key, api_key),
            max_bytes=int(max_log_mb * 2**20),
        )
        stack.callback(log.close)
        proxy = Proxy(
            RecipeChecks(recipe),
            log,
            teacher=Upstream(teacher.base_url, teacher_model or "", teacher.api_key),
            student=student_upstream,
            share=share,
            api_key=api_key,
            timeout=timeout,
            shadow=shadow,
            seed=seed,
        )
        asyncio.run(
            _run(
                proxy,
                host,
                port,
                lambda bound: on_ready(f"http://{host}:{bound}/v1", student_upstream),
            )
        )


def _start_student(stack: ExitStack, student: str, log_dir: Path) -> tuple[str, str]:
    from factory.models import resolve_model
    from factory.serving import ModelServer

    try:
        engine, path = resolve_model(student)
    except FactoryError as exc:
        raise ConfigError(f"--student {student}: {exc}") from None
    server = ModelServer(
        engine, path, log_path=log_dir / ".proxy" / "student-server.log", alias="student"
    )
    spec = stack.enter_context(server)
    return spec.base_url, spec.model


async def _run(proxy, host: str, port: int, on_ready) -> None:
    from aiohttp import web

    runner = web.AppRunner(proxy.application(), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024, reuse_address=True)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise ConfigError(
            f"--port {port}: cannot listen on {host}:{port} ({exc.strerror})"
        ) from None
    bound = site._server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    handled = _stop_on(stop)
    try:
        on_ready(bound)
        await stop.wait()
    finally:
        for sig in handled:
            asyncio.get_running_loop().remove_signal_handler(sig)
        await runner.cleanup()


def _stop_on(stop: asyncio.Event) -> list:
    """SIGTERM and SIGINT set `stop` inside the event loop: the proxy then closes its server and the
    student's in order. Raised from a Python signal handler instead, the exit could land inside a
    request handler that takes it for a failed request, and the first `kill` was lost (seen in a
    full test run). Outside the main thread (no signal handlers there) nothing is installed."""
    import signal

    loop, handled = asyncio.get_running_loop(), []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (RuntimeError, ValueError):
            break
        handled.append(sig)
    return handled
