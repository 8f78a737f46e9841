"""What only the torch backend checks in its arguments; the config keys every
backend shares are tested in ``tests/backends/test_config.py``."""

from __future__ import annotations

import pytest

from genesis.errors import InvalidConfigError
from genesis_torch import CTGANGenerator


def test_cuda_without_a_gpu_is_a_clear_error() -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(InvalidConfigError, match="no CUDA device"):
        CTGANGenerator(device="cuda")
