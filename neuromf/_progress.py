"""A dependency-free progress bar on stderr for work that takes more than a second."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Text progress bar, drawn only once the work has taken ``delay`` seconds.

    >>> with ProgressBar(total=100, label="scan") as bar:
    ...     for _ in range(100):
    ...         bar.update()
    """

    def __init__(self, total: int, label: str = "", enabled: bool = True,
                 delay: float = 1.0, stream: TextIO | None = None, width: int = 30):
        self.total = max(int(total), 1)
        self.label = label
        self.enabled = enabled
        self.delay = delay
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.done = 0
        self.start = time.perf_counter()
        self._last_draw = 0.0
        self._drawn = False

    def update(self, n: int = 1) -> None:
        self.done = min(self.done + n, self.total)
        now = time.perf_counter()
        if not self.enabled or now - self.start < self.delay:
            return
        if now - self._last_draw > 0.1 or self.done == self.total:
            self._draw(now)

    def _draw(self, now: float) -> None:
        fraction = self.done / self.total
        filled = int(round(self.width * fraction))
        elapsed = now - self.start
        eta = elapsed / fraction - elapsed if fraction > 0 else float("nan")
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
                          f"{self.done}/{self.total} {elapsed:6.1f}s elapsed, ~{eta:5.1f}s left")
        self.stream.flush()
        self._last_draw = now
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self._draw(time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
