"""
The torch fast path: dense, quantized and sparse tensors, on any device.

torch is never imported here. Imports: ``digest._encoder``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any, Final

from ._encoder import (
    _BLOCK_BYTES,
    _Encoder,
    _fail,
    _pack_len,
    _shape,
    _state,
    _text,
    _type_name,
    _typed,
)

#: Largest block moved to host memory at once for a tensor on another device.
_DEVICE_BLOCK_BYTES: Final = 16 << 20


def _torch_tensor(enc: _Encoder, tensor: Any, depth: int) -> None:
    """
    The class, dtype, layout, device, ``requires_grad`` and shape, then the
    values: the raw bytes in C order (dense), the integer representation and
    quantization parameters (quantized), or indices and values (sparse).
    Gradients and autograd history are not part of a tensor's value.
    """
    torch = sys.modules["torch"]
    cls = type(tensor)
    _typed(enc, "torch.Tensor")
    enc.out.append(
        _text(_type_name(cls))
        + _text(str(tensor.dtype))
        + _text(str(tensor.layout))
        + _text(str(tensor.device))
        + (b"T" if tensor.requires_grad else b"F")
        + _shape(tuple(tensor.shape))
    )
    if tensor.device.type == "meta":
        raise _fail(tensor, "it is on the meta device and has no data")
    data = tensor.detach()
    if data.layout != torch.strided:
        sparse = (
            data.to_sparse_coo().coalesce() if data.layout != torch.sparse_coo else None
        )
        sparse = data.coalesce() if sparse is None else sparse
        _torch_tensor(enc, sparse.indices(), depth + 1)
        _torch_tensor(enc, sparse.values(), depth + 1)
    elif data.is_quantized:
        enc.out.append(_text(str(data.qscheme())))
        if data.qscheme() in (torch.per_tensor_affine, torch.per_tensor_symmetric):
            enc.encode((float(data.q_scale()), int(data.q_zero_point())), depth + 1)
        else:
            enc.encode(int(data.q_per_channel_axis()), depth + 1)
            _torch_tensor(enc, data.q_per_channel_scales(), depth + 1)
            _torch_tensor(enc, data.q_per_channel_zero_points(), depth + 1)
        _torch_dense(enc, data.int_repr(), on_cpu=data.device.type == "cpu")
    else:
        dense = data.resolve_conj().resolve_neg()
        _torch_dense(enc, dense, on_cpu=data.device.type == "cpu")
    _state(enc, tensor, depth)


def _torch_dense(enc: _Encoder, tensor: Any, *, on_cpu: bool) -> None:
    """Raw bytes in C order; blocks go through host memory if on another device."""
    torch = sys.modules["torch"]
    enc.out.append(_pack_len(tensor.numel() * tensor.element_size()))
    limit = _BLOCK_BYTES if not tensor.is_contiguous() else _DEVICE_BLOCK_BYTES
    for block in _torch_blocks(tensor, limit, on_cpu=on_cpu):
        if not on_cpu:
            block = block.cpu()
        enc.write_buffer(block.view(torch.uint8).numpy())


def _torch_blocks(tensor: Any, limit: int, *, on_cpu: bool) -> Iterator[Any]:
    """Contiguous 1-D views (or bounded copies) that are *tensor*'s data in C order."""
    if tensor.is_contiguous():
        flat = tensor.reshape(-1)
        if on_cpu:
            yield flat
            return
        step = max(1, limit // max(tensor.element_size(), 1))
        for start in range(0, flat.numel(), step):
            yield flat[start : start + step]
        return
    # Not contiguous: at least one dimension and one element (torch calls
    # empty and 0-d tensors contiguous).
    row_bytes = tensor[0].numel() * tensor.element_size()
    if row_bytes <= limit:
        rows = max(1, limit // max(row_bytes, 1))
        for start in range(0, tensor.shape[0], rows):
            yield tensor[start : start + rows].contiguous().reshape(-1)
    else:
        for row in tensor:
            yield from _torch_blocks(row, limit, on_cpu=on_cpu)
