"""The answering process keeps the memory a question frees for the next one (glibc)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# In a fresh process: a question's arrays (6 MB, what one whose words are all common builds at 100k
# facts) made and freed twice; the page faults of the second time.
_PROBE = """
import resource, sys
import numpy as np
from bot.allocator import keep_freed_memory
np._core.multiarray._set_madvise_hugepage(False)  # count 4 KB pages, whatever the kernel's huge-page policy
if sys.argv[1] == "keep":
    assert keep_freed_memory()
def faults():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    array = np.ones((6 << 20) // 8)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    del array
    return after - before
faults()
print(faults())
"""


def _second_faults(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True)
    return int(out.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_an_array_freed_by_one_question_is_reused_without_page_faults() -> None:
    # By default glibc hands the freed array back to the OS and faults it in again, page by page.
    assert _second_faults("default") > 1000
    # Kept (what `cchc-bot run` and `ask` do), the same pages serve again.
    assert _second_faults("keep") < 64
