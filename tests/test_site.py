"""The rendered site in a real browser: every page loads without a script error and without the
network, formulas are typeset by the MathJax the site carries, the attention view answers the
mouse, the launch buttons and the Chinese search work. Screenshots go to _build/screenshots/."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
import yaml

ROOT = Path(__file__).parent.parent
SCREENSHOTS = ROOT / "_build" / "screenshots"
pytestmark = pytest.mark.browser


def toc_pages() -> list[str]:
    """Every page of the book, in reading order, as paths without extension."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]


@pytest.fixture
def page(browser, site_url):
    """A fresh tab whose script errors and off-site requests are collected (and blocked)."""
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.problems = []
    tab.on("pageerror", lambda err: tab.problems.append(f"page error: {err}"))
    tab.on(
        "console",
        lambda msg: tab.problems.append(f"console: {msg.text}") if msg.type == "error" else None,
    )

    def offline(route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            tab.problems.append(f"off-site request: {route.request.url}")
            route.abort()

    tab.route("**/*", offline)
    yield tab
    tab.close()


@pytest.mark.parametrize("path", toc_pages())
def test_page_loads_offline_without_errors(page, site_url, path):
    page.goto(f"{site_url}/{path}.html", wait_until="networkidle")
    assert page.title(), "the page has no title"
    if page.locator("div.math, span.math").count():
        page.wait_for_function("document.querySelectorAll('mjx-container').length > 0")
        assert page.locator("mjx-merror").count() == 0, "MathJax could not typeset a formula"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{Path(path).name}.png"))
    assert page.problems == []


def test_math_is_typeset_from_the_site(page, site_url):
    page.goto(f"{site_url}/notebooks/ch04_math.html", wait_until="networkidle")
    page.wait_for_function("document.querySelectorAll('mjx-container').length > 50")
    sources = page.eval_on_selector_all("script[src*='mathjax']", "s => s.map(e => e.src)")
    assert sources and all(src.startswith(site_url) for src in sources)
    # a typeset formula is drawn with MathJax's own glyphs, not left as TeX source
    formula = page.locator("mjx-container[display='true']").first
    assert formula.is_visible() and "\\frac" not in formula.inner_text()
    assert page.problems == []


def test_attention_view_answers_menus_and_hover(page, site_url):
    page.goto(f"{site_url}/notebooks/ch05_practice.html", wait_until="networkidle")
    view = page.locator(".mlv-attn").first
    view.scroll_into_view_if_needed()
    n = view.locator(".mlv-links .mlv-col:first-child .mlv-tok").count()
    assert n > 10 and view.locator(".mlv-heat td").count() == n * n

    def weights():
        return view.locator(".mlv-heat td").evaluate_all("cells => cells.map(c => +c.dataset.w)")

    before = weights()
    view.locator(".mlv-layer").select_option("2")
    view.locator(".mlv-head").select_option("0")
    after = weights()
    assert after != before and all(0 <= w <= 1 for w in after)
    view.locator(".mlv-links .mlv-col:first-child .mlv-tok").nth(5).hover()
    assert 1 <= view.locator(".mlv-links svg line").count() <= n  # only that token's lines
    assert page.problems == []


def test_saved_chat_widget_is_drawn_offline(page, site_url):
    page.goto(f"{site_url}/notebooks/ch05_practice.html", wait_until="networkidle")
    widget = page.locator(".widget-text input").first  # drawn by the site's own widget manager
    widget.wait_for(state="attached", timeout=20_000)
    assert page.get_by_text("开始对话吧。").count() >= 1
    assert page.problems == []


def test_launch_buttons_are_present(page, site_url):
    page.goto(f"{site_url}/notebooks/ch01_background.html", wait_until="networkidle")
    links = page.eval_on_selector_all("a[href]", "a => a.map(e => e.href)")
    assert any(
        "colab.research.google.com" in href and "ch01_background.ipynb" in href for href in links
    )
    assert any("mybinder.org" in href for href in links)
    assert page.problems == []


def test_search_finds_a_chinese_term(page, site_url):
    page.goto(f"{site_url}/search.html?q={quote('注意力')}", wait_until="networkidle")
    results = page.locator("ul.search li")
    results.first.wait_for(timeout=20_000)
    titles = results.all_inner_texts()
    assert len(titles) >= 3 and any("第4章" in t for t in titles)
    assert page.problems == []
