"""The JAX backend registers through its entry point and is chosen as asked."""

from __future__ import annotations

import logging

import pytest

from genesis import SyntheticGenerator
from genesis._registry import get_registry, resolve_backend
from genesis_jax import CTGANGenerator, TVAEGenerator
from tests.jax.conftest import SMALL_TVAE, shop_frame


def test_entry_point_registers_both_methods_on_jax() -> None:
    generators = get_registry().generators
    assert generators.get("ctgan", "jax") is CTGANGenerator
    assert generators.get("tvae", "jax") is TVAEGenerator


def test_backend_argument_selects_jax() -> None:
    generator = SyntheticGenerator(
        method="tvae", backend="jax", config=SMALL_TVAE, seed=0
    )
    generator.fit(shop_frame(), discrete_columns=["channel"], progress=False)
    assert generator.backend_ == "jax"
    assert isinstance(generator._impl, TVAEGenerator)
    assert len(generator.generate(25)) == 25


def test_environment_variable_selects_jax_and_the_choice_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("GENESIS_BACKEND", "jax")
    with caplog.at_level(logging.INFO, logger="genesis"):
        generator = SyntheticGenerator(method="tvae", config=SMALL_TVAE, seed=0)
        generator.fit(shop_frame(), discrete_columns=["channel"], progress=False)
    assert generator.backend_ == "jax"
    assert "runs on backend 'jax' (from GENESIS_BACKEND)" in caplog.text


def test_with_both_backends_installed_the_default_choice_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if "torch" not in get_registry().generators.backends_for("ctgan"):
        pytest.skip("the torch backend is not installed")
    monkeypatch.delenv("GENESIS_BACKEND", raising=False)
    with caplog.at_level(logging.INFO, logger="genesis"):
        backend = resolve_backend("ctgan")
    assert backend == "torch"
    assert "the first installed of" in caplog.text
    assert "'jax'" in caplog.text


def test_without_torch_jax_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    if "torch" in get_registry().generators.backends_for("ctgan"):
        pytest.skip("the torch backend is installed")
    monkeypatch.delenv("GENESIS_BACKEND", raising=False)
    assert resolve_backend("ctgan") == "jax"
    assert resolve_backend("tvae") == "jax"
