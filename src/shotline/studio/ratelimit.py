"""Login rate limiting: failed attempts per user name and per client address, in a sliding
window. Checked before the password is hashed, so a guessing client costs us nothing either.

In memory: one server process answers logins (workers never do). Several web processes would each
allow the limit; the per-name limit then scales with their number, which is still a limit.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LoginLimits:
    per_name: int = 5  # failures of one user name within ``window``
    per_address: int = 20  # failures from one client address within ``window``
    window: float = 300.0  # seconds


class LoginLimiter:
    def __init__(
        self, limits: LoginLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or LoginLimits()
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, name: str, address: str) -> float:
        """Seconds until a login for ``name`` from ``address`` may be tried; 0 when it may now."""
        now = self.clock()
        waits = [
            self._wait(f"name:{name.lower()}", self.limits.per_name, now),
            self._wait(f"addr:{address}", self.limits.per_address, now),
        ]
        return max(waits)

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key in (f"name:{name.lower()}", f"addr:{address}"):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(f"name:{name.lower()}", None)

    def _wait(self, key: str, limit: int, now: float) -> float:
        with self._lock:
            times = self._failures.get(key)
            if times is None:
                return 0.0
            while times and times[0] <= now - self.limits.window:
                times.popleft()
            if not times:
                del self._failures[key]
                return 0.0
            if len(times) < limit:
                return 0.0
            return times[-limit] + self.limits.window - now
