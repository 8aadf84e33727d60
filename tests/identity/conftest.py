"""Fixtures for identity tests: real RSA keys, real signed tokens, a real HTTP issuer on 127.0.0.1,
and a real moto server process for Cognito."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from .helpers import Issuer, SigningKey, new_key


@pytest.fixture(scope="session")
def idp_key() -> SigningKey:
    return new_key("key-1")


@pytest.fixture(scope="session")
def rotated_key() -> SigningKey:
    return new_key("key-2")


@pytest.fixture(scope="session")
def attacker_key() -> SigningKey:
    """Same kid as the IdP's key: a forgery that only the signature check can catch."""
    return new_key("key-1")


def _serve(issuer_holder: list[Issuer]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            issuer = issuer_holder[0]
            issuer.requests.append(self.path)
            if self.path == "/.well-known/openid-configuration":
                body: Any = {"issuer": issuer.discovery_issuer or issuer.url, "jwks_uri": issuer.jwks_uri}
            elif self.path == "/jwks.json":
                body = issuer.jwks
            elif self.path == "/redirect-away":
                self.send_response(302)
                self.send_header("Location", "http://example.invalid/jwks.json")
                self.end_headers()
                return
            else:
                self.send_error(404)
                return
            data = json.dumps(body).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def issuer(idp_key: SigningKey) -> Iterator[Issuer]:
    holder: list[Issuer] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _serve(holder))
    holder.append(Issuer(url=f"http://127.0.0.1:{server.server_address[1]}", jwks={}))
    holder[0].publish(idp_key)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def offline_url() -> str:
    """A loopback URL on which nothing listens: connection refused, i.e. the issuer is unreachable."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def state(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real moto server process on a free loopback port, killed at the end of the session."""
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Credentials for moto only; no shared config of this machine leaks in."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
