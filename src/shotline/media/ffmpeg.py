"""Running the ffmpeg binary that ships with ``imageio-ffmpeg`` (never a system ffmpeg)."""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Callable, Sequence

import imageio_ffmpeg

from shotline.media.errors import FFmpegError

Progress = Callable[[float], None]  # called with seconds of output written so far


@functools.cache
def ffmpeg_exe() -> str:
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def run_ffmpeg(args: Sequence[str], progress: Progress | None = None) -> None:
    """Run ``ffmpeg ARGS``; report output time through ``progress``; raise ``FFmpegError``."""
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
    if progress is not None:
        command += ["-progress", "pipe:1", "-nostats"]
    command += list(args)
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE if progress else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        if progress is not None and proc.stdout is not None:
            for line in proc.stdout:
                key, _, value = line.strip().partition("=")
                if key == "out_time_us" and value.lstrip("-").isdigit():
                    progress(max(0, int(value)) / 1_000_000)
        stderr = proc.stderr.read() if proc.stderr else ""
        returncode = proc.wait()
    if returncode != 0:
        raise FFmpegError(command, returncode, stderr)
