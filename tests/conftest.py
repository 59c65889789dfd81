"""Shared pytest fixtures: a local HTTP server for download tests, an isolated data folder, the
rendered site (built once per run) and a headless chromium to look at it."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).parent.parent
HUB = "https://hub.school.test"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]  # fmt: skip


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


@pytest.fixture(scope="session")
def hub_url() -> str:
    """The JupyterHub address the test site is built with."""
    return HUB


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """Build once per run with execution off and a JupyterHub URL, failing on any Sphinx warning."""
    out = tmp_path_factory.mktemp("book")
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    config = config.replace("execute_notebooks: cache", "execute_notebooks: 'off'")
    config = re.sub(r"(?m)^  jupyterhub_url:.*$", f'  jupyterhub_url: "{HUB}"', config)
    # local extension folders are relative to the config file, which now lives elsewhere
    config = config.replace(": book/_ext", f": {ROOT / 'book' / '_ext'}")
    (out / "_config.yml").write_text(config, encoding="utf-8")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--path-output", str(out),
         "--config", str(out / "_config.yml"), "--warningiserror", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out / "_build" / "html"


@pytest.fixture(scope="session")
def site_url(site):
    """The rendered site served over HTTP on 127.0.0.1, as a reader's web server would."""
    handler = functools.partial(_QuietFiles, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium driven by Playwright (never a downloaded browser)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (make install installs it)")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield chromium
        chromium.close()
