"""Shapes of peers' bug reports about the process a backend runs in.

A user's process has settings of its own: torch's default dtype and grad
mode, jax's 64-bit switch, the global random generators. Each test names the
report it comes from; fitting and generating must work under the setting and
leave it as the user had it.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from tests.backends.conftest import Backend, fitted
from tests.tables import Shop

METHODS = pytest.mark.parametrize("method", ["ctgan", "tvae"])


def rows(generator: Any) -> dict[str, np.ndarray]:
    return generator.generate(100, rng=np.random.default_rng(5))


def assert_same_rows(first: dict[str, np.ndarray], second: dict[str, Any]) -> None:
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])


@pytest.fixture
def torch_backend() -> Iterator[Backend]:
    """The torch backend on one CPU thread, as the shared fixture sets it."""
    torch = pytest.importorskip("torch")
    module = pytest.importorskip("genesis_torch")
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield Backend("torch", module.CTGANGenerator, module.TVAEGenerator)
    torch.set_num_threads(previous)


# PyTorch issue 105243 and gptorch issue 22: a process whose default dtype
# is float64 (set by the user or by another library) met float32 weights
# and a raw "mat1 and mat2 must have the same dtype" from deep inside fit.
@METHODS
def test_a_float64_default_dtype_gives_the_rows_of_float32(
    torch_backend: Backend, method: str, shop: Shop
) -> None:
    import torch

    _, prepared = shop
    expected = rows(fitted(torch_backend, method, prepared))
    torch.set_default_dtype(torch.float64)
    try:
        synthetic = rows(fitted(torch_backend, method, prepared))
        assert torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(torch.float32)

    assert_same_rows(expected, synthetic)


def _grad_modes() -> dict[str, Callable[[], contextlib.AbstractContextManager[Any]]]:
    torch = pytest.importorskip("torch")
    return {"no_grad": torch.no_grad, "inference_mode": torch.inference_mode}


# ubc-vision/sonic issue 2: a host application (a ComfyUI node) had turned
# gradients off process-wide, and training failed with "element 0 of tensors
# does not require grad"; fit must record gradients whatever the caller's
# mode, and generation must work inside the caller's block too.
@METHODS
@pytest.mark.parametrize("mode", ["no_grad", "inference_mode"])
def test_fit_inside_a_no_gradient_block_learns_as_outside_it(
    torch_backend: Backend, method: str, mode: str, shop: Shop
) -> None:
    import torch

    _, prepared = shop
    expected = rows(fitted(torch_backend, method, prepared))
    with _grad_modes()[mode]():
        synthetic = rows(fitted(torch_backend, method, prepared))
        assert not torch.is_grad_enabled()

    assert_same_rows(expected, synthetic)


# torchshow issue 23 and open-omics-alphafold issue 9: bfloat16 tensors
# reached numpy, which has no bfloat16 ("Got unsupported ScalarType
# BFloat16"). A user's own torch.autocast block did the same to our
# generation; the networks must keep their own precision inside one.
@METHODS
def test_fit_and_generate_inside_autocast_give_the_rows_outside_it(
    torch_backend: Backend, method: str, shop: Shop
) -> None:
    import torch

    _, prepared = shop
    expected = rows(fitted(torch_backend, method, prepared))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        synthetic = rows(fitted(torch_backend, method, prepared))

    assert_same_rows(expected, synthetic)


# Copulas issue 113 and CTGAN pull request 204: a seed applied by reseeding
# numpy's (and torch's) global generators changed what the user's own code
# drew next. Seeded fit and generate must leave the global generators, and
# the torch settings a fit touches, as they were.
@METHODS
def test_fit_and_generate_leave_global_state_as_found(
    backend: Backend, method: str, shop: Shop
) -> None:
    _, prepared = shop
    random.seed(1)
    np.random.seed(1)
    before = _global_state(backend.name)

    rows(fitted(backend, method, prepared, seed=3))

    assert _global_state(backend.name) == before


def _global_state(backend: str) -> tuple[Any, ...]:
    state: tuple[Any, ...] = (random.getstate(), np.random.get_state()[1].tobytes())
    if backend == "torch":
        import torch

        state += (
            torch.get_rng_state().numpy().tobytes(),
            torch.get_num_threads(),
            torch.get_default_dtype(),
            torch.is_grad_enabled(),
        )
    else:
        import jax

        state += (bool(jax.config.jax_enable_x64),)
    return state


@pytest.fixture
def jax_x64() -> Iterator[Backend]:
    """The jax backend with 64-bit types on, as ``JAX_ENABLE_X64=1`` sets them."""
    jax = pytest.importorskip("jax")
    module = pytest.importorskip("genesis_jax")
    previous = bool(jax.config.jax_enable_x64)
    jax.config.update("jax_enable_x64", True)
    yield Backend("jax", module.CTGANGenerator, module.TVAEGenerator)
    jax.config.update("jax_enable_x64", previous)


# flax issue 924 and dm-haiku issue 36: with jax_enable_x64 on, random draws
# and constants default to float64 and promote float32 state, so a scanned
# training loop failed with "carry input and carry output must have equal
# types". Our networks stay float32, so the rows are those of a 32-bit run
# up to rounding.
@METHODS
def test_jax_with_64_bit_types_on_gives_the_rows_of_32_bit(
    jax_x64: Backend, method: str, shop: Shop
) -> None:
    import jax

    _, prepared = shop
    synthetic = rows(fitted(jax_x64, method, prepared))
    jax.config.update("jax_enable_x64", False)
    try:
        expected = rows(fitted(jax_x64, method, prepared))
    finally:
        jax.config.update("jax_enable_x64", True)

    agreement = min(
        np.isclose(synthetic[key], expected[key], rtol=1e-3).mean() for key in expected
    )
    # XLA may fuse the two graphs differently, which moves last bits and can
    # flip a category drawn near a boundary; a float64 model would differ
    # in most rows.
    assert agreement >= 0.9
