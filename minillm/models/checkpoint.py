"""Reading a saved model without trusting it: the JSON config and the safetensors header are checked
against each other before any weight is allocated, and every problem is one ValueError that names
the file and what in it is wrong.

A safetensors file is an 8-byte little-endian header length, a JSON header (tensor name -> dtype,
shape and byte range) and the raw bytes; reading the header costs nothing however large the file
claims to be.
"""

from __future__ import annotations

import dataclasses
import json
import math
import struct
from pathlib import Path

from torch import nn

FLOAT_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2}  # the weight dtypes a model may be saved in
MAX_HEADER_BYTES = 100_000_000  # safetensors' own limit


def read_json(path: Path, kind: type = dict):
    """The JSON value in ``path``, which must be a ``kind`` (an object by default; ``object``
    accepts any), or a ValueError naming the file."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path} does not exist") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} is not valid JSON: {err}") from None
    if not isinstance(value, kind):
        raise ValueError(f"{path} must hold a JSON object, got {type(value).__name__}")
    return value


def config_from(path: Path, field: str, config_class):
    """``config_class`` built from the object ``field`` of the JSON file ``path``; unknown, missing
    or invalid settings are a ValueError naming the file, the field and what is accepted."""
    value = read_json(path).get(field)
    if not isinstance(value, dict):
        raise ValueError(f"{path} has no {field} object: not a checkpoint of this kind")
    names = [f.name for f in dataclasses.fields(config_class)]
    unknown = sorted(set(value) - set(names))
    if unknown:
        raise ValueError(f"{path}: {field} has unknown settings {unknown}; accepted: {names}")
    try:
        return config_class(**value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path}: {field} is invalid: {err}") from None


def safetensors_header(path: Path) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Tensor name -> (dtype, shape) from the header of the safetensors file ``path``, after checking
    that every tensor's bytes lie inside the file and fill it exactly."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            (n,) = struct.unpack("<Q", f.read(8).ljust(8, b"\0"))
            if not 2 <= n <= min(MAX_HEADER_BYTES, size - 8):
                raise ValueError(f"its header length {n} does not fit a {size}-byte file")
            header = json.loads(f.read(n))
    except FileNotFoundError:
        raise ValueError(f"{path} does not exist") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise ValueError(f"{path} is not a safetensors file: {err}") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path} is not a safetensors file: its header is not a JSON object")
    header.pop("__metadata__", None)
    tensors, end_of_data = {}, 0
    for name, entry in header.items():
        try:
            dtype, shape, (begin, end) = (
                entry["dtype"],
                tuple(entry["shape"]),
                entry["data_offsets"],
            )
            valid = all(isinstance(d, int) and d >= 0 for d in (*shape, begin, end))
        except (TypeError, KeyError, ValueError):
            valid = False
        if not valid or dtype not in FLOAT_BYTES:
            raise ValueError(
                f"{path}: tensor {name!r} has a malformed entry {entry!r:.120} "
                f"(dtype must be one of {sorted(FLOAT_BYTES)})"
            )
        if end - begin != math.prod(shape) * FLOAT_BYTES[dtype]:
            raise ValueError(
                f"{path}: tensor {name!r} of shape {list(shape)} has a wrong byte range"
            )
        tensors[name], end_of_data = (dtype, shape), max(end_of_data, end)
    if 8 + n + end_of_data != size:
        raise ValueError(
            f"{path} is truncated or padded: its header describes {8 + n + end_of_data} bytes, "
            f"the file has {size}"
        )
    return tensors


def check_weights(path: Path, model: nn.Module) -> None:
    """Raise a ValueError naming the first tensor of the safetensors file ``path`` that ``model``
    (built on the meta device: shapes only) has not, lacks, or has in another shape. Tied weights
    are saved once, under any one of their names."""
    saved = safetensors_header(path)
    state = model.state_dict(keep_vars=True)
    shapes = {name: tuple(tensor.shape) for name, tensor in state.items()}
    groups: dict[int, list[str]] = {}
    for name, tensor in state.items():
        groups.setdefault(id(tensor), []).append(name)
    for name, (_, shape) in saved.items():
        if name not in shapes:
            raise ValueError(f"{path}: tensor {name!r} is not a weight of this model")
        if shape != shapes[name]:
            raise ValueError(
                f"{path}: tensor {name!r} has shape {list(shape)}, but the config gives "
                f"{list(shapes[name])}"
            )
    for names in groups.values():
        if not any(name in saved for name in names):
            raise ValueError(f"{path} lacks the tensor {names[0]!r}")
