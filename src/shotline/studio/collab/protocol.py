"""Commands over the Yjs socket: one message type beside y-protocols' sync (0) and awareness (1).

A client sends ``[COMMAND][varString JSON]`` with ``{"id": "<its request id>", "op": ...}`` (an edit
command, or ``"undo"`` / ``"redo"``); the server answers on the same socket with
``{"id": ..., "ok": true, "revision": N}`` or ``{"id": ..., "ok": false, "error": "<reason>"}``.
The y-websocket client passes unknown types to ``provider.messageHandlers[type]`` if set.
"""

from __future__ import annotations

import json
from typing import Any

COMMAND = 100


def write_var_uint(number: int) -> bytes:
    out = bytearray()
    while number > 0x7F:
        out.append(0x80 | (number & 0x7F))
        number >>= 7
    out.append(number)
    return bytes(out)


def read_var_uint(data: bytes, at: int) -> tuple[int, int]:
    """The number at ``at`` and the position after it."""
    number, shift = 0, 0
    while True:
        if at >= len(data):
            raise ValueError("truncated message")
        byte = data[at]
        at += 1
        number |= (byte & 0x7F) << shift
        if byte < 0x80:
            return number, at
        shift += 7
        if shift > 63:
            raise ValueError("number too long")


def encode(payload: dict[str, Any]) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return write_var_uint(COMMAND) + write_var_uint(len(text)) + text


def decode(message: bytes) -> Any:
    """The JSON of a command message (``ValueError`` when it is not one)."""
    kind, at = read_var_uint(message, 0)
    if kind != COMMAND:
        raise ValueError(f"not a command message (type {kind})")
    length, at = read_var_uint(message, at)
    text = message[at : at + length]
    if len(text) != length:
        raise ValueError("truncated message")
    return json.loads(text.decode("utf-8"))


def is_command(message: bytes) -> bool:
    return bool(message) and message[0] == COMMAND
