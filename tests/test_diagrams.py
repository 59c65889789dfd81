"""Every concept diagram draws without error, with Chinese text in the CJK font and nothing outside its figure."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import matplotlib
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

import minillm.diagrams

matplotlib.use("Agg")

DIAGRAMS = [
    (module.name, name, fn)
    for module in pkgutil.iter_modules(minillm.diagrams.__path__)
    if module.name != "draw"
    for name, fn in inspect.getmembers(
        importlib.import_module(f"minillm.diagrams.{module.name}"), inspect.isfunction
    )
    if fn.__module__ == f"minillm.diagrams.{module.name}" and not name.startswith("_")
]


@pytest.mark.parametrize("module, name, draw", DIAGRAMS, ids=[f"{m}.{n}" for m, n, _ in DIAGRAMS])
def test_diagram_draws_inside_its_figure(module, name, draw, monkeypatch):
    import matplotlib.pyplot as plt

    drawn = []
    monkeypatch.setattr(plt, "show", lambda: drawn.append(plt.gcf()))
    draw()
    assert len(drawn) == 1, f"{module}.{name} must show exactly one figure"
    fig = drawn[0]
    renderer = FigureCanvasAgg(fig).get_renderer()
    texts = [t for ax in fig.axes for t in ax.texts if t.get_text().strip()]
    assert texts or any(ax.get_title() for ax in fig.axes), "a diagram explains itself in words"
    box = fig.bbox
    for text in texts:
        extent = text.get_window_extent(renderer)
        assert (
            extent.x0 >= box.x0 - 1
            and extent.x1 <= box.x1 + 1
            and extent.y0 >= box.y0 - 1
            and extent.y1 <= box.y1 + 1
        ), f"{module}.{name}: text {text.get_text()!r} is cut off by the figure's edge"
        assert "Noto Sans CJK SC" in text.get_fontname() or text.get_text().isascii()


def test_draw_rejects_an_unknown_colour():
    from minillm.diagrams.draw import box, canvas

    _, ax = canvas(2, 1)
    with pytest.raises(ValueError, match="color must be one of"):
        box(ax, 1, 0.5, 1, 0.5, "x", color="teal")
