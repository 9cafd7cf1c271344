"""The zygote's memory in huge pages (engine/hugepages.py): forks and exits of
a submission's processes take fewer page-table entries."""

import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent('''
    import numpy, gc
    from autograder.engine.hugepages import collapse_anonymous_memory
    data = [bytearray(4096) for _ in range(20000)]  # 80 MB of small objects, as a warm zygote holds
    def huge_kb():
        with open("/proc/self/smaps_rollup") as rollup:
            return next(int(line.split()[1]) for line in rollup if line.startswith("AnonHugePages:"))
    before = huge_kb()
    collapsed = collapse_anonymous_memory()
    print(before, collapsed, huge_kb())
''')


def test_anonymous_memory_is_collapsed_into_huge_pages_where_the_kernel_can():
    before, collapsed, after = map(int, subprocess.run([sys.executable, "-c", PROBE], capture_output=True,
                                                       text=True, check=True).stdout.split())
    if collapsed == 0:
        pytest.skip("this kernel collapses nothing (no MADV_COLLAPSE, or transparent huge pages are off)")
    assert after >= before + 2048 * collapsed // 2, (before, collapsed, after)
