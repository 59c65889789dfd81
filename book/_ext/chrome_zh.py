"""Sphinx extension: the page chrome in Chinese where the theme leaves it in English.

The book theme and myst-nb translate most of their buttons, but a few labels have no Simplified Chinese
entry in their catalogs (one is in Traditional Chinese) and myst-nb writes one label verbatim. After the
build, each page's copies of exactly those labels, quoted as the templates write them, are replaced.
"""

from __future__ import annotations

from pathlib import Path

LABELS = {
    '"Search this book..."': '"搜索本书……"',
    '"Color mode"': '"配色模式"',
    '"System Settings"': '"跟随系统"',
    '"Launch interactive content"': '"在线运行本页"',
    '"Launch on Binder"': '"在 Binder 上运行"',
    '"Launch on Colab"': '"在 Colab 上运行"',
    '"Launch on JupyterHub"': '"在 JupyterHub 上运行"',
    '"Source repositories"': '"源代码仓库"',
    '"Toggle primary sidebar"': '"显示或隐藏目录"',
    '"Toggle secondary sidebar"': '"显示或隐藏本页目录"',
    '"Toggle hidden content"': '"展开或收起"',
    '"Main"': '"主导航"',
    '"Page"': '"本页"',
    ">Repository<": ">代码仓库<",
    ">Open issue<": ">提交问题<",
    "列印成 PDF": "打印为 PDF",
    "© Copyright ": "© 版权所有 ",
}


def translate_pages(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        translated = html
        for english, chinese in LABELS.items():
            translated = translated.replace(english, chinese)
        if translated != html:
            page.write_text(translated, encoding="utf-8")


def setup(app):
    app.connect("build-finished", translate_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
