"""Render the site from the saved notebooks (no execution) and check what a reader would see."""

from __future__ import annotations

import json
import re
from pathlib import Path


def read(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def test_chapter_page_has_title_figures_and_citations(site):
    html = read(site, "notebooks/ch01_background.html")
    assert "第1章 背景介绍" in html and "1.1.1 自然语言处理的发展历程" in html
    images = re.findall(r'<img[^>]+src="([^"]+\.png)"', html)
    assert len(images) >= 5 and all((site / "notebooks" / src).resolve().exists() for src in images)
    assert "Vaswani" in html  # {cite} rendered as an author-year link


def test_launch_buttons(site, hub_url):
    html = read(site, "notebooks/ch01_background.html")
    assert (
        "colab.research.google.com/github/minillm-book/minillm/blob/main/notebooks/"
        "ch01_background.ipynb" in html
    )
    assert "mybinder.org/v2/gh/minillm-book/minillm/main" in html
    assert f"{hub_url}/hub/user-redirect/git-pull" in html


def test_language_search_glossary_and_bibliography(site):
    index = read(site, "book/intro.html")
    assert 'lang="zh-CN"' in index or 'lang="zh_CN"' in index
    raw = read(site, "searchindex.js")
    terms = json.loads(raw[raw.index("(") + 1 : raw.rindex(")")])["terms"]
    for term in ["注意力", "困惑", "唐诗", "动态"]:  # Chinese words, segmented by jieba
        assert term in terms, f"{term} is not in the search index"
    assert "困惑度" in read(site, "book/glossary.html")
    assert "attention is all you need" in read(site, "book/references.html").lower()


def test_page_chrome_is_chinese(site):
    html = read(site, "notebooks/ch04_math.html")
    for english in ["Search this book", '"Color mode"', "Launch on Colab", "Toggle hidden content"]:
        assert english not in html, english
    for chinese in [
        "搜索本书",
        "配色模式",
        "在 Colab 上运行",
        "展开或收起",
        "打印为 PDF",
        "显示参考解答",
    ]:
        assert chinese in html, chinese
