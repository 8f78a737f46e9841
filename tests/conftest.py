"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# CI clones the repository beside a copy of shared/; tests that read the real
# datasets there skip cleanly when it is absent.
SHARED_DATA = Path(
    os.environ.get("GENESIS_SHARED_DATA", REPO.parent / "shared" / "data")
)


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "adult.csv").is_file():
        pytest.skip(f"real datasets not found at {SHARED_DATA}")
    return SHARED_DATA
