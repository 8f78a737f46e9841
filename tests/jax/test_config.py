"""What only the jax backend checks in its arguments (devices); the config keys
every backend shares are tested in ``tests/backends/test_config.py``."""

from __future__ import annotations

import pytest

from genesis.errors import InvalidConfigError
from genesis_jax import CTGANGenerator, TVAEGenerator


def test_cuda_without_a_gpu_is_a_clear_error() -> None:
    import jax

    try:
        has_gpu = bool(jax.devices("gpu"))
    except RuntimeError:
        has_gpu = False
    if has_gpu:
        pytest.skip("this machine has a GPU")
    with pytest.raises(InvalidConfigError, match="JAX sees 0 GPU"):
        CTGANGenerator(device="cuda")


@pytest.mark.parametrize("device", ["tpu", "cuda:x", "mps"])
def test_unknown_device_names_the_choices(device: str) -> None:
    with pytest.raises(InvalidConfigError, match="use 'cpu', 'cuda' or 'auto'"):
        TVAEGenerator(device=device)


def test_auto_device_takes_the_cpu_without_a_gpu() -> None:
    import jax

    try:
        gpus = jax.devices("gpu")
    except RuntimeError:
        gpus = []
    expected = gpus[0] if gpus else jax.devices("cpu")[0]
    assert TVAEGenerator(device="auto").device == expected
    assert TVAEGenerator(device=None).device == expected
