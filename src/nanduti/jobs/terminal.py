"""A progress bar for long commands, fed by the same ``progress(done, total)`` callback the
background jobs use. Drawn on a terminal only: piped or logged output stays clean."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(description: str, unit: str) -> Iterator[Callable[[int, int | None], None]]:
    with tqdm(desc=description, unit=unit, disable=None, file=sys.stderr, leave=True) as bar:

        def progress(done: int, total: int | None = None) -> None:
            if total != bar.total:
                bar.total = total
                bar.refresh()
            bar.update(done - bar.n)

        yield progress
