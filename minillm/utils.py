"""Small helpers every chapter needs: seeding, device choice, Chinese plots and the Colab first cell.

Kept free of heavy imports at module load: torch and matplotlib are imported inside the functions
that need them, so ``import minillm.utils`` is instant.
"""

from __future__ import annotations

import inspect
import os
import random
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path

CJK_FONT_FAMILY = "Noto Sans CJK SC"
CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
REPOSITORY_URL = "https://github.com/minillm-book/minillm"

# The first cell of every chapter notebook. On Colab it clones the book and installs minillm;
# anywhere else minillm is already importable, so the cell does nothing.
COLAB_CELL = f"""# 在 Colab 上运行时安装 minillm；在本地运行时此单元什么也不做。
import importlib.util
import subprocess
import sys

if "google.colab" in sys.modules and importlib.util.find_spec("minillm") is None:
    repo, target = "{REPOSITORY_URL}", "/content/minillm"
    subprocess.run(["git", "clone", "--depth", "1", repo, target], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", target], check=True)
    sys.path.insert(0, target)"""


def positive_int(name: str, value) -> int:
    """``value`` if it is an int >= 1 (not a bool), else a ValueError naming ``name``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def in_colab() -> bool:
    """True when running inside Google Colab (its kernel imports ``google.colab``)."""
    return "google.colab" in sys.modules


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) so a chapter gives the same numbers every run."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    try:
        import numpy as np
    except ImportError:  # NumPy is a dependency, but seeding should never be the thing that fails
        pass
    else:
        np.random.seed(seed % 2**32)
    try:
        import torch
    except ImportError:
        return
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


@contextmanager
def evaluating(model):
    """Eval mode and ``torch.no_grad()`` for the block (no dropout, no graph to keep), then the
    model's previous train/eval mode back, even after an exception."""
    import torch

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        model.train(was_training)


def get_device(prefer: str | None = None):
    """Return the best available ``torch.device``: CUDA, then Apple MPS, then CPU.

    ``prefer`` (or the ``MINILLM_DEVICE`` environment variable) forces one, e.g. ``"cpu"``.
    """
    import torch

    choice = prefer or os.environ.get("MINILLM_DEVICE")
    if choice:
        if choice not in ("cpu", "cuda", "mps") and not choice.startswith("cuda:"):
            raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'mps', got {choice!r}")
        return torch.device(choice)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font shipped by the ``mplfonts`` wheel (installed from PyPI)."""
    from importlib.resources import files

    try:
        path = Path(str(files("mplfonts") / "fonts" / CJK_FONT_FILE))
    except ModuleNotFoundError as err:
        raise ImportError(
            "Chinese plots need the CJK font from PyPI: pip install mplfonts"
        ) from err
    if not path.is_file():
        raise FileNotFoundError(f"mplfonts is installed but {path} is missing; reinstall mplfonts")
    return path


def setup_matplotlib(dpi: int = 110) -> str:
    """Register the CJK font with matplotlib and make it the default, so Chinese labels render.

    Returns the font family name. Safe to call many times.
    """
    import matplotlib
    from matplotlib import font_manager

    path = cjk_font_path()
    if CJK_FONT_FAMILY not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [CJK_FONT_FAMILY, "DejaVu Sans"]
    matplotlib.rcParams["figure.dpi"] = dpi
    matplotlib.rcParams["svg.fonttype"] = "path"
    return CJK_FONT_FAMILY


class SourceCode:
    """A function's, class's or method's source as the installed package has it, for a notebook:
    Markdown (a highlighted code block in Jupyter, Colab and the book's site) or plain text."""

    def __init__(self, obj):
        obj = inspect.unwrap(obj)  # a decorated function (e.g. @torch.no_grad()) shows itself
        try:
            source = inspect.getsource(obj)
            path = Path(inspect.getsourcefile(obj)).resolve()
        except (TypeError, OSError) as err:
            raise ValueError(f"show_source needs a function, class or method, got {obj!r}") from err
        package = Path(__file__).resolve().parent
        if not path.is_relative_to(package):
            raise ValueError(f"show_source shows minillm's own code, {obj!r} is from {path}")
        self.name = obj.__qualname__
        self.path = (Path(package.name) / path.relative_to(package)).as_posix()
        self.source = textwrap.dedent(source).rstrip()

    def __repr__(self) -> str:
        return f"# {self.path}: {self.name}\n{self.source}"

    def _repr_markdown_(self) -> str:
        return f"`{self.path}`：`{self.name}`\n\n```python\n{self.source}\n```"


def show_source(obj) -> SourceCode:
    """minillm's own code for ``obj``, shown in a notebook cell, so the book and the package cannot drift:
    the saved output changes whenever the source does."""
    return SourceCode(obj)
