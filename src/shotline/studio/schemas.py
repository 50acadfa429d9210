"""The base of every request body: unknown fields, NaN and infinities are refused with a clear
message instead of being ignored or stored (JSON parsers accept ``NaN``; pydantic floats too)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=False)


class Detail(BaseModel):
    """The shape of every error answer."""

    detail: str
