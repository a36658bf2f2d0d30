import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Test helpers (tests/minidata.py, …) import as plain modules.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by playwright (no browser download), for the browser tests."""
    from browser_support import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def real_graph(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The bundled data, built once for every test module that reads it."""
    import kg
    from kg.paths import DEFAULT_DATA

    return kg.load(DEFAULT_DATA, tmp_path_factory.mktemp("real-shared") / "out")
