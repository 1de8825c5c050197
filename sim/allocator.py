"""Memory allocator settings for large communities: freed memory kept for reuse (glibc only).

A quarter at a million agents makes and frees arrays of tens of megabytes many times over
(tie trust and keys, neighbour lists, member gathers). With glibc's defaults much of that
memory goes back to the system when it is freed and is taken again moments later, and the
kernel must zero every page it hands out again: about 0.2 s of system time a step at a million
agents (``resource.getrusage``, steps 3-5). Telling glibc to keep freed memory (a trim threshold
of 1 GiB, arrays up to 32 MiB from the heap, the heap grown 64 MiB at a time) lets the next
array reuse it; the peak memory is about the same, because the same arrays are alive at the
peak either way.

The settings are the process's, not one model's, so they are made once, and only when a model
with at least ``LARGE_COMMUNITY`` agents is built (small runs, such as a sweep's, gain nothing
measurable). They are left alone where glibc is not the C library (macOS, Windows, musl) and
where the user has set glibc's own variables (``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_TOP_PAD_``,
``MALLOC_MMAP_THRESHOLD_``), which then rule. No number the model produces depends on them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

_log = logging.getLogger(__name__)

# Communities from this many agents get the settings.
LARGE_COMMUNITY = 200_000
# mallopt parameters (malloc.h) and the values set.
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
SETTINGS = (
    (M_MMAP_THRESHOLD, 32 * 2**20),  # glibc's largest allowed value
    (M_TRIM_THRESHOLD, 2**30),
    (M_TOP_PAD, 64 * 2**20),
)
USER_VARIABLES = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_THRESHOLD_")

# Whether the settings were made in this process (they are the process's, made once).
_state = {"done": False}


def keep_freed_memory(agents: int) -> bool:
    """Make the settings for a model of ``agents`` agents, once a process.

    Returns:
        True if the settings are in force (made now or earlier in the process).
    """
    if _state["done"]:
        return True
    if agents < LARGE_COMMUNITY or any(v in os.environ for v in USER_VARIABLES):
        return False
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return False
    if not all(mallopt(param, value) == 1 for param, value in SETTINGS):
        _log.debug("glibc refused an allocator setting; left as it was")
        return False
    _state["done"] = True
    _log.debug("allocator: freed memory kept for reuse (%d agents)", agents)
    return True


def _glibc_mallopt():
    """The C library's ``mallopt`` if it is glibc's, else None."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    if not hasattr(libc, "gnu_get_libc_version"):  # musl and others have mallopt too
        return None
    mallopt = libc.mallopt
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt
