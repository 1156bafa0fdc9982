"""Giving memory back to the operating system after the start-up's peak."""

from __future__ import annotations

import ctypes
import gc


def return_freed_memory() -> None:
    """Hand the heap's free pages back: glibc keeps them, so the peak of loading the content
    bank (800+ parsed items, freed once they are in the database) would otherwise stay in the
    idle RSS for good (10 MiB, measured with ``bench/startup.py``). Nothing where there is no
    glibc."""
    gc.collect()
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # musl, macOS, Windows
        return
    libc.malloc_trim(0)
