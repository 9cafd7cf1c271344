"""Screenshots of HTML pages by headless Chromium (Debian's ``chromium``), for
the feedback page and class report tests; skipped with the reason when it is
not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(BROWSER is None, reason="headless Chromium is not installed "
                                                            "(apt-get install chromium; .ci/run installs it)")
BAR = (0x00, 0xA0, 0x50)  # the score bar's fill colour in templates/base.html


def screenshot(page: Path, out: Path, width: int = 1000, height: int = 1400) -> np.ndarray:
    """The page as Chromium renders it, as an (height, width, 3) array of 0..255.
    Network access is mapped to nowhere, so a page that needed it would show it."""
    subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--force-device-scale-factor=1", f"--user-data-dir={out.parent / 'chromium-profile'}",
                    "--host-resolver-rules=MAP * ~NOTFOUND", f"--window-size={width},{height}",
                    f"--screenshot={out}", page.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    return np.round(imread(out)[..., :3] * 255).astype(int)


def bar_width(pixels: np.ndarray) -> int:
    """The widest run of the score bar's colour in any row: the bar's fill in pixels."""
    match = np.all(np.abs(pixels - np.array(BAR)) <= 3, axis=-1)
    return int(match.sum(axis=1).max())
