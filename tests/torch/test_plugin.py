"""The torch backend registers through its entry point and serves the front door."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis._registry import get_registry
from genesis.plugins import GeneratorRegistry
from genesis_torch import CTGANGenerator, TVAEGenerator
from genesis_torch._plugin import genesis_register_generators
from tests.torch.conftest import shop_frame


def test_entry_point_registers_both_methods_on_torch() -> None:
    generators = get_registry().generators
    assert generators.get("ctgan", "torch") is CTGANGenerator
    assert generators.get("tvae", "torch") is TVAEGenerator


def test_hook_implementation_registers_by_method_and_backend() -> None:
    registry = GeneratorRegistry()
    genesis_register_generators(registry)
    assert registry.backends_for("ctgan") == ["torch"]
    assert registry.get("ctgan", "torch") is CTGANGenerator
    assert registry.get("tvae", "torch") is TVAEGenerator


@pytest.mark.parametrize("method", ["ctgan", "tvae"])
def test_synthetic_generator_fits_saves_and_loads_on_torch(
    method: str, tmp_path: Path
) -> None:
    frame = shop_frame(300)
    generator = SyntheticGenerator(
        method=method, backend="torch", config={"epochs": 2, "batch_size": 100}, seed=0
    )
    generator.fit(frame, discrete_columns=["channel"], progress=False)
    synthetic = generator.generate(120)
    assert list(synthetic.columns) == list(frame.columns)
    assert (synthetic.dtypes == frame.dtypes).all()
    assert set(generator.generate(40, conditions={"channel": "phone"})["channel"]) == {
        "phone"
    }

    path = tmp_path / f"{method}.genesis"
    generator.save(path)
    loaded = SyntheticGenerator.load(path)
    pd.testing.assert_frame_equal(
        loaded.generate(50, seed=4), generator.generate(50, seed=4)
    )
