"""Rotary position embedding (RoPE, Su et al. 2021): positions as rotations of query/key pairs.

Dimension pair (j, j + d/2) of a query or key at position m is rotated by the angle m·θ_j with
θ_j = base^(−2j/d). A rotation preserves lengths, and the dot product of a query rotated by m with
a key rotated by n depends on m − n only: attention sees relative positions, and no position table
limits the length. The pairing (first half, second half) is the one of GPT-NeoX and HF Llama.
"""

from __future__ import annotations

import torch


def rope_tables(
    positions: torch.Tensor, dim: int, base: float = 10000.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of the rotation angles, each (*positions.shape, dim), for ``dim`` even."""
    if dim % 2:
        raise ValueError(f"RoPE rotates pairs of dimensions: dim must be even, got {dim}")
    inv_freq = base ** (-torch.arange(0, dim, 2, device=positions.device).float() / dim)
    angles = positions.float()[..., None] * inv_freq  # (..., dim / 2)
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos(), angles.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate ``x`` (..., T, dim): x·cos + rotate_half(x)·sin, rotate_half(a, b) = (−b, a)."""
    first, second = x.chunk(2, dim=-1)
    return x * cos.to(x.dtype) + torch.cat([-second, first], dim=-1) * sin.to(x.dtype)
