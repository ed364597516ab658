"""Connect the Argilla SDK to a server: flags, then ARGILLA_API_URL / ARGILLA_API_KEY, then the embedded one.

The embedded server (`factory annotate serve`) leaves its URL and owner API key in
data/argilla/credentials.json (mode 0600); any other Argilla (a Hugging Face Space, a
team deployment) is reached with the environment variables or flags. Failures become one
line: unreachable server, refused key. It never prints or stores a key.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

from annotation.server import WORKSPACE  # the workspace the embedded server makes
from factory.errors import ConfigError, command_hint


def embedded_credentials(data_root: Path) -> dict | None:
    path = Path(data_root) / "argilla" / "credentials.json"
    if not path.is_file():
        return None
    try:
        creds = json.loads(path.read_text())
        creds["api_url"], creds["owner"]["api_key"]  # noqa: B018  (the keys everything below relies on)
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{path} is not the embedded server's credentials file ({exc}); "
            "restore it or remove data/argilla to start over"
        ) from None
    return creds


@contextmanager
def argilla_errors(client):
    """Turn the SDK's and httpx's errors in the middle of a push or pull into one ConfigError line."""
    import httpx
    from argilla._exceptions import ArgillaError

    try:
        yield
    except (ArgillaError, httpx.HTTPError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        url = str(client.api.http_client.base_url).rstrip("/")
        raise ConfigError(f"Argilla at {url} failed: {first[:300]}") from None


def connect(data_root: Path, api_url: str | None = None, api_key: str | None = None):
    import argilla as rg
    import httpx
    from argilla._exceptions import ArgillaCredentialsError

    api_url = api_url or os.environ.get("ARGILLA_API_URL")
    api_key = api_key or os.environ.get("ARGILLA_API_KEY")
    if not (api_url and api_key):
        creds = embedded_credentials(data_root)
        if creds is None or (api_url and api_url.rstrip("/") != creds["api_url"].rstrip("/")):
            # never send the embedded owner's key to another server
            raise ConfigError(
                f"no Argilla to talk to: start one with {command_hint('factory annotate serve', data_root)}, "
                "or set ARGILLA_API_URL and ARGILLA_API_KEY (or --api-url/--api-key)"
            )
        api_url, api_key = api_url or creds["api_url"], api_key or creds["owner"]["api_key"]
    try:
        client = rg.Argilla(api_url=api_url, api_key=api_key, timeout=120)
        client.me  # noqa: B018  (one authenticated call: fails here, not halfway through a push)
    except ArgillaCredentialsError:
        raise ConfigError(
            f"Argilla at {api_url} refused the API key (401); check ARGILLA_API_KEY or --api-key"
        ) from None
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise ConfigError(
            f"Argilla at {api_url} is unreachable ({exc}); is "
            f"{command_hint('factory annotate serve', data_root)} running?"
        ) from None
    except Exception as exc:  # the SDK wraps HTTP errors in its own exception types
        status = getattr(getattr(exc, "response", None), "status_code", None) or getattr(
            exc, "status_code", None
        )
        if status in (401, 403) or "401" in str(exc) or "Unauthorized" in str(exc):
            raise ConfigError(
                f"Argilla at {api_url} refused the API key (401); check ARGILLA_API_KEY or --api-key"
            ) from None
        raise ConfigError(
            f"Argilla at {api_url} failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from None
    return client


def workspace(client, name: str = WORKSPACE):
    import argilla as rg

    found = client.workspaces(name)
    return found if found is not None else rg.Workspace(name=name, client=client).create()
