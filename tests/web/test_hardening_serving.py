"""The panel as the Procfile serves it: a huge or slow request cannot take it offline.

gunicorn runs with the Procfile's own `web:` arguments on a loopback port, bounded in time.
"""

import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def procfile_web_args(port):
    """The `web:` line of the Procfile, with $PORT filled in."""
    line = next(ln for ln in (ROOT / "Procfile").read_text().splitlines()
                if ln.startswith("web:"))
    return shlex.split(line.split(":", 1)[1].replace("$PORT", str(port)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    port = free_port()
    args = procfile_web_args(port)
    assert args[0] == "gunicorn"
    env = {**os.environ, "SYNCDESK_DOTENV": "", "SECRET_KEY": "test-secret-key",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
           "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}",
           "SLACK_SIGNING_SECRET": "s3cret", "SLACK_ALLOWED_USERS": "U0ANA",
           "HUBSPOT_CLIENT_SECRET": "s3cret"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), *args[1:]], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{url}/login", timeout=5)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def raw_post(port, path, length, send=b"x" * 1024):
    """A socket that announces `length` bytes of body and sends only `send` of them."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n"
                 "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode() + send)
    return sock


@pytest.mark.parametrize("path", ["/slack/events", "/webhooks/hubspot", "/login"])
def test_a_200_mb_request_gets_413_at_once_without_its_body_being_read(served, path):
    started = time.monotonic()
    with raw_post(served, path, 200 * 1024 * 1024) as sock:
        answer = sock.recv(200)
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert time.monotonic() - started < 3


def test_slow_clients_do_not_stop_another_request_being_answered(served):
    slow = [raw_post(served, "/slack/events", 10_000, send=b"a") for _ in range(4)]
    try:
        for sock in slow:  # each dribbles one more byte, then holds its worker waiting
            sock.sendall(b"b")
        started = time.monotonic()
        assert requests.get(f"http://127.0.0.1:{served}/login", timeout=5).status_code == 200
        assert time.monotonic() - started < 3
    finally:
        for sock in slow:
            sock.close()
