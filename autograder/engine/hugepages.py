"""The zygote's memory in transparent huge pages, so that each fork and exit
of a submission's processes handles a page-table entry per 2 MB instead of
one per 4 KB. Runs in the sandbox; standard library only.

A submission's template and worker are forks of the zygote, whose imports
(NumPy, Matplotlib, the grader's modules) fill about 60 MB of anonymous
memory in 4 KB pages: every fork copies their ~15,000 page-table entries
and every exit takes them down again, about 1.5 ms each per process here.
After ``collapse_anonymous_memory`` the parts that are collapsed cost one
entry per 2 MB. A child that writes to a shared huge page gets that one
4 KB page copied, as before (the kernel splits the mapping in the child
only), so the children's own memory use does not grow.

MADV_COLLAPSE (Linux 6.1) works whatever the machine's THP setting
(madvise, always); where the kernel lacks it, nothing changes.
"""

from __future__ import annotations

import ctypes

_MADV_COLLAPSE = 25
_HUGE = 2 * 2**20


def collapse_anonymous_memory() -> int:
    """Collapse every 2 MB-aligned stretch of this process's private writable
    anonymous memory (the heap and unnamed mappings) into huge pages; returns
    how many stretches the kernel collapsed (0 where it cannot). Slow once
    (tens of ms, at the zygote's start), never raises."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    collapsed = 0
    try:
        with open("/proc/self/maps") as maps:
            ranges = [line.split() for line in maps]
    except OSError:
        return 0
    for fields in ranges:
        anonymous = len(fields) == 5 or (len(fields) == 6 and fields[5] == "[heap]")
        if not anonymous or not fields[1].startswith("rw") or not fields[1].endswith("p"):
            continue
        start, end = (int(bound, 16) for bound in fields[0].split("-"))
        first, last = -(-start // _HUGE) * _HUGE, end // _HUGE * _HUGE
        if last > first and libc.madvise(first, last - first, _MADV_COLLAPSE) == 0:
            collapsed += 1
    return collapsed
