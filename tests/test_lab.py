"""The widgets in a real JupyterLab: the test starts a server on a free local port, opens a
notebook in headless chromium, runs it, chats through ChatWidget and works the AttentionViewer's
controls (the static view and the live one), then stops the server."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser

TOKEN = "minillm-lab-test"
DIALOGUE = "<|user|>帮我查下订单3729104856<|end|><|assistant|>查询结果：订单3729104856"
CELLS = [
    "from minillm.chat import ChatSession\n"
    "from minillm.pretrained import load\n"
    "from minillm.widgets import AttentionViewer, ChatWidget\n\n"
    'model, tok = load("chat-zh")\n'
    "ChatWidget(ChatSession(model, tok, max_new_tokens=40))",
    f"AttentionViewer(model, tok, {DIALOGUE!r})",
    'AttentionViewer(model, tok, "你好，请问订单到哪了").widget()',
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on 127.0.0.1 serving a notebook with the widget cells; its URL."""
    pytest.importorskip("jupyterlab")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    root = tmp_path / "notebooks"
    root.mkdir()
    nbformat.write(notebook, root / "widgets.ipynb")
    port = free_port()
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}  # fmt: skip
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
         "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly", "--allow-root"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"jupyter lab exited with code {server.returncode}")
                time.sleep(0.5)
        else:
            pytest.fail("jupyter lab did not answer within 60 s")
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def run_all_cells(page, tries: int = 3) -> None:
    """Run > Run All Cells, again if no cell started: a click that lands while the menu is
    still being laid out, or before the notebook is the current widget, runs nothing."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    started = page.locator(".jp-InputPrompt").filter(has_text=re.compile(r"\[(\*|\d+)\]"))
    for _ in range(tries):
        page.locator(".jp-Notebook .jp-Cell").first.click()
        page.get_by_role("menuitem", name="Run").click()
        label = re.compile(r"^Run All Cells$")
        item = page.locator(".lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel")
        item = item.filter(has_text=label)
        item.first.click()
        accept = page.locator(".jp-Dialog .jp-mod-accept")  # "Select Kernel": keep Python 3
        try:
            accept.wait_for(timeout=5_000)
            accept.click()
        except PlaywrightTimeout:
            pass
        try:
            started.first.wait_for(timeout=15_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError("Run All Cells started no cell")


def test_chat_and_attention_widgets_in_jupyterlab(lab, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{lab}/lab/tree/widgets.ipynb?token={TOKEN}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    run_all_cells(page)

    # ChatWidget: type a question, press Enter, watch the reply arrive piece by piece
    entry = page.locator(".jp-OutputArea-output .widget-text input").first
    entry.wait_for(timeout=90_000)
    log = page.locator(".jp-OutputArea-output .widget-html-content").first
    assert "开始对话吧" in log.inner_text()
    page.evaluate(
        """() => {
            const log = document.querySelector('.jp-OutputArea-output .widget-html-content');
            window.logUpdates = 0;
            new MutationObserver(() => window.logUpdates++)
                .observe(log, {childList: true, subtree: true, characterData: true});
        }"""
    )
    entry.fill("你好，我想查一下订单")
    entry.press("Enter")
    page.wait_for_function(
        """() => {
            const text = document.querySelector(
                '.jp-OutputArea-output .widget-html-content').innerText;
            return text.includes('助手：') && !text.includes('▌');
        }""",
        timeout=60_000,
    )
    text = log.inner_text()
    assert "你：你好，我想查一下订单" in text
    reply = text.split("助手：", 1)[1].strip()
    assert reply, "the assistant's reply is empty"
    assert page.evaluate("window.logUpdates") >= 3, "the reply was not streamed"

    # the static AttentionViewer (HTML + script in the output): menus and hover
    view = page.locator(".mlv-attn").first
    view.wait_for(timeout=60_000)
    n = view.locator(".mlv-links .mlv-col:first-child .mlv-tok").count()
    before = view.locator(".mlv-heat td").evaluate_all("c => c.map(e => +e.dataset.w)")
    view.locator(".mlv-layer").select_option("3")
    view.locator(".mlv-head").select_option("1")
    after = view.locator(".mlv-heat td").evaluate_all("c => c.map(e => +e.dataset.w)")
    assert len(after) == n * n and after != before
    view.locator(".mlv-links .mlv-col:first-child .mlv-tok").nth(4).hover()
    assert 1 <= view.locator(".mlv-links svg line").count() <= n

    # the live AttentionViewer.widget(): the kernel redraws the table when a menu changes
    live = page.locator(".jp-OutputArea-output").filter(has=page.locator(".widget-dropdown")).last
    table = live.locator("table.mlv-heat")
    table.wait_for(timeout=60_000)
    first = table.inner_html()
    live.locator(".widget-dropdown select").nth(1).select_option(label="2")
    page.wait_for_function(
        "([old]) => { const t = [...document.querySelectorAll('table.mlv-heat')].pop();"
        " return t && t.innerHTML !== old; }",
        arg=[first],
        timeout=30_000,
    )
    page.close()
    assert errors == []
