"""Media errors. Each also subclasses the built-in error it matches, as PyAV's do."""

from __future__ import annotations

from collections.abc import Sequence


class MediaError(Exception):
    """Base for every media error."""


class MediaNotFound(MediaError, FileNotFoundError):
    def __init__(self, source: str) -> None:
        super().__init__(f"media not found: {source}")
        self.source = source


class UnsafeMediaURL(MediaError, PermissionError):
    """A media URL the fetch rules refuse (not https, a private address, too large, too slow)."""


class UnreadableMedia(MediaError, ValueError):
    """A file that exists but cannot be probed or decoded (not media, corrupt, no video...)."""


class EmptyTimeline(MediaError, ValueError):
    """A timeline with nothing to render."""


class FrameOutOfRange(MediaError, IndexError):
    """A time or frame past what a file holds (or, for a damaged file, past what decodes)."""


class UnsupportedImageFormat(MediaError, ValueError):
    """An image suffix we cannot write."""


def describe(exc: BaseException) -> str:
    """An FFmpeg/OS error in words a user can act on, not ``[Errno 1094995529] ...``."""
    text = getattr(exc, "strerror", None) or str(exc)
    if "Invalid data" in text:
        return "not a media file, or damaged beyond reading"
    if "End of file" in text:
        return "ends early (truncated)"
    if "Permission denied" in text:
        return "permission denied"
    return text


class FFmpegError(MediaError, RuntimeError):
    """ffmpeg exited non-zero. Carries the command, exit code and the tail of stderr."""

    def __init__(self, command: Sequence[str], returncode: int, stderr: str) -> None:
        self.command = list(command)
        self.returncode = returncode
        self.stderr_tail = "\n".join(stderr.strip().splitlines()[-15:])
        super().__init__(
            f"ffmpeg failed with exit code {returncode}\n"
            f"command: {' '.join(self.command)}\n"
            f"stderr (last lines):\n{self.stderr_tail}"
        )
