"""Studio domain errors; the app maps each to an HTTP status with a one-sentence ``detail``."""

from __future__ import annotations


class StudioError(Exception):
    """Base of the studio's own errors. ``status`` is the HTTP status the app answers with."""

    status = 400


class NotFound(StudioError):
    status = 404


class Conflict(StudioError):
    status = 409


class Forbidden(StudioError):
    status = 403


class InvalidName(StudioError):
    status = 422


class WeakPassword(StudioError):
    status = 422
