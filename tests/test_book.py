"""Render the site from the saved notebooks (no execution) and check what a reader would see."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
HUB = "https://hub.school.test"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Build once per run with execution off and a JupyterHub URL, failing on any Sphinx warning."""
    out = tmp_path_factory.mktemp("book")
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    config = config.replace("execute_notebooks: cache", "execute_notebooks: 'off'")
    config = re.sub(r"(?m)^  jupyterhub_url:.*$", f'  jupyterhub_url: "{HUB}"', config)
    (out / "_config.yml").write_text(config, encoding="utf-8")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [
            str(jupyter_book),
            "build",
            str(ROOT),
            "--path-output",
            str(out),
            "--config",
            str(out / "_config.yml"),
            "--warningiserror",
            "--keep-going",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out / "_build" / "html"


def read(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def test_chapter_page_has_title_figures_and_citations(site):
    html = read(site, "notebooks/ch01_background.html")
    assert "第1章 背景介绍" in html and "1.1.1 自然语言处理的发展历程" in html
    images = re.findall(r'<img[^>]+src="([^"]+\.png)"', html)
    assert len(images) >= 5 and all((site / "notebooks" / src).resolve().exists() for src in images)
    assert "Vaswani" in html  # {cite} rendered as an author-year link


def test_launch_buttons(site):
    html = read(site, "notebooks/ch01_background.html")
    assert (
        "colab.research.google.com/github/minillm-book/minillm/blob/main/notebooks/"
        "ch01_background.ipynb" in html
    )
    assert "mybinder.org/v2/gh/minillm-book/minillm/main" in html
    assert f"{HUB}/hub/user-redirect/git-pull" in html


def test_language_search_glossary_and_bibliography(site):
    index = read(site, "book/intro.html")
    assert 'lang="zh-CN"' in index or 'lang="zh_CN"' in index
    raw = read(site, "searchindex.js")
    terms = json.loads(raw[raw.index("(") + 1 : raw.rindex(")")])["terms"]
    for term in ["注意力", "困惑", "唐诗", "动态"]:  # Chinese words, segmented by jieba
        assert term in terms, f"{term} is not in the search index"
    assert "困惑度" in read(site, "book/glossary.html")
    assert "attention is all you need" in read(site, "book/references.html").lower()
