"""Train/validation split and random next-token windows."""

from __future__ import annotations

import pytest
import torch

from minillm.data import RandomWindows, train_val_split


def test_split_is_contiguous_90_10():
    data = list(range(1000))
    train, val = train_val_split(data)
    assert train == list(range(900)) and val == list(range(900, 1000))
    text_train, text_val = train_val_split("abcdefghij")
    assert (text_train, text_val) == ("abcdefghi", "j")


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 2])
def test_split_rejects_bad_fraction(fraction):
    with pytest.raises(ValueError, match="train_fraction"):
        train_val_split("abcdef", fraction)


def test_windows_are_shifted_by_one():
    data = torch.arange(100)
    batches = RandomWindows(data, block_size=8, batch_size=4, seed=0)
    x, y = batches.next_batch()
    assert x.shape == y.shape == (4, 8)
    assert torch.equal(y[:, :-1], x[:, 1:]) and torch.equal(y - x, torch.ones_like(x))


def test_windows_cover_the_ends():
    data = torch.arange(10)
    batches = RandomWindows(data, block_size=9, batch_size=64, seed=0)
    x, y = batches.next_batch()
    assert x.min() == 0 and y.max() == 9  # the first and last token are both reachable


def test_same_seed_same_batches_and_exact_resume():
    data = torch.randint(0, 50, (500,))
    a = RandomWindows(data, 16, 4, seed=7)
    b = RandomWindows(data, 16, 4, seed=7)
    for _ in range(3):
        assert all(torch.equal(u, v) for u, v in zip(a.next_batch(), b.next_batch()))
    state = a.state_dict()
    expected = [a.next_batch() for _ in range(2)]
    resumed = RandomWindows(data, 16, 4, seed=999)
    resumed.load_state_dict(state)
    for (ex, ey), (rx, ry) in zip(expected, [resumed.next_batch() for _ in range(2)]):
        assert torch.equal(ex, rx) and torch.equal(ey, ry)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"block_size": 0, "batch_size": 2}, "block_size"),
        ({"block_size": 10, "batch_size": 2}, "smaller than the data"),
        ({"block_size": 4, "batch_size": 0}, "batch_size"),
    ],
)
def test_windows_reject_bad_sizes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RandomWindows(torch.arange(10), **kwargs)


def test_windows_reject_2d_data():
    with pytest.raises(ValueError, match="1-D"):
        RandomWindows(torch.zeros(4, 4, dtype=torch.long), 2, 2)
