"""Headless Chromium for the browser tests (the Studio, the lanes console, the community
vote page), driven by Selenium through Debian's chromium and chromium-driver: never a
driver downloaded at test time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")

#: For a test module or test that needs the browser.
MISSING = "needs Debian's chromium and chromium-driver (bash tools/setup.sh test installs them)"
needs_chromium = pytest.mark.skipif(not (CHROMIUM.exists() and DRIVER.exists()), reason=MISSING)


def start_chromium(width: int, height: int, profile: Path):
    """A headless Chromium with a window of width x height and its own profile folder
    (concurrent runs must not share one); the caller quits it. Skips the test when
    the browser is not installed."""
    if not (CHROMIUM.exists() and DRIVER.exists()):
        pytest.skip(MISSING)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium must never download a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
    ):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=opts)
    driver.set_page_load_timeout(60)
    return driver
