"""Shared pytest fixtures: a local HTTP server for download tests and an isolated data folder."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
import torch


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.routes``: path -> bytes, or path -> ("truncate", bytes) to cut the body short."""

    def do_GET(self):
        route = self.server.routes.get(self.path)
        self.server.requests.append(self.path)
        if route is None:
            self.send_error(404)
            return
        truncate = isinstance(route, tuple)
        body = route[1] if truncate else route
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if truncate else body)
        if truncate:
            self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    """A real HTTP server on 127.0.0.1 with a free port; set ``server.routes`` before requesting."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.routes, server.requests = {}, []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch) -> Path:
    """An empty MINILLM_DATA_DIR for one test."""
    folder = tmp_path / "data"
    monkeypatch.setenv("MINILLM_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def one_thread():
    """Tiny matrices run fastest on one thread (and do not fight other processes for cores)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
