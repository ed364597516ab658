"""Teacher resolution and preflight: every misuse is a one-line error before work starts."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from factory.errors import TeacherError
from factory.processes import free_port
from factory.teacher.spec import TeacherSpec, resolve


def test_openai_model_without_key_is_refused(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(TeacherError, match="needs OPENAI_API_KEY"):
        resolve("gpt-4", None)


def test_openai_model_with_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    spec = resolve("gpt-4", None)
    assert (spec.model, spec.base_url, spec.structured) == (
        "gpt-4",
        "https://api.openai.com/v1",
        "json_object",
    )
    assert "sk-test" not in str(spec.public())


def test_no_flags_means_embedded():
    assert resolve(None, None) is None


def test_unreachable_url():
    with pytest.raises(TeacherError, match="cannot reach"):
        resolve("m", f"http://127.0.0.1:{free_port()}/v1")


def test_not_a_url():
    with pytest.raises(TeacherError, match="not an http"):
        resolve("m", "localhost:11434")


def test_server_that_is_not_openai_compatible():
    class Html(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<html>hello</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Html)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(TeacherError, match="without an OpenAI model list"):
            resolve("m", f"http://127.0.0.1:{server.server_address[1]}/v1")
    finally:
        server.shutdown()


def test_url_without_model_takes_the_servers_first(loopback):
    spec = resolve(None, loopback.base_url)
    assert spec.model == "loopback"


def test_public_view_drops_credentials():
    spec = TeacherSpec(
        model="m", base_url="https://user:secret@host.example:8443/v1?key=abc", api_key="sk-x"
    )
    assert spec.public()["base_url"] == "https://host.example:8443/v1"
