"""show_source renders minillm's own code exactly as the package file has it."""

from __future__ import annotations

import inspect
import json

import pytest

from minillm.attention import scaled_dot_product_attention
from minillm.models.gpt import GPT
from minillm.utils import show_source


def test_source_is_the_package_text_as_markdown_and_plain_text():
    shown = show_source(GPT.forward)
    markdown = shown._repr_markdown_()
    assert markdown.startswith("`minillm/models/gpt.py`：`GPT.forward`")
    assert "```python\ndef forward(" in markdown  # dedented out of the class
    body = inspect.getsource(GPT.forward)
    assert [line.strip() for line in shown.source.splitlines()] == [
        line.strip() for line in body.rstrip().splitlines()
    ]
    assert repr(show_source(scaled_dot_product_attention)).startswith(
        "# minillm/attention.py: scaled_dot_product_attention\ndef scaled_dot_product_attention("
    )


def test_a_decorated_function_shows_itself():
    from minillm.interop import gpt_to_hf

    assert show_source(gpt_to_hf).source.startswith("@torch.no_grad()\ndef gpt_to_hf(")


@pytest.mark.parametrize("obj", [print, json.dumps, 3, "GPT"])
def test_only_minillm_functions_and_classes(obj):
    with pytest.raises(ValueError, match="show_source"):
        show_source(obj)
