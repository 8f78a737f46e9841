"""Models move between backends: saved on torch, loaded on jax, and back.

Weights are saved under backend-neutral names in torch's layout, so a model
loaded on the other backend computes the same function: the same input
noise gives the same raw output, to float32 rounding.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genesis import SyntheticGenerator
from genesis._io import read_model_file, write_model_file
from tests.jax.conftest import SMALL_CTGAN, SMALL_TVAE, shop_frame

CONFIGS = {"ctgan": SMALL_CTGAN, "tvae": SMALL_TVAE}
# float32 sums in another order (XLA versus torch kernels): differences are
# around 1e-6 on outputs of order 1; the issue allows 1e-4.
TOLERANCE = 1e-4
DIRECTIONS = pytest.mark.parametrize(
    ("source", "target"), [("torch", "jax"), ("jax", "torch")]
)
METHODS = pytest.mark.parametrize("method", ["ctgan", "tvae"])


def fit_and_save(method: str, backend: str, path: Path) -> SyntheticGenerator:
    generator = SyntheticGenerator(
        method=method, backend=backend, config=CONFIGS[method], seed=0
    )
    generator.fit(shop_frame(), discrete_columns=["channel"], progress=False)
    generator.save(path)
    return generator


def same_noise_outputs(
    first: SyntheticGenerator, second: SyntheticGenerator, method: str
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    noise = rng.normal(size=(64, CONFIGS[method]["embedding_dim"]))
    if method == "tvae":
        return first._impl.decode_noise(noise), second._impl.decode_noise(noise)
    slots = first._impl.conditions_.original(64, rng)
    return (
        first._impl.decode_noise(noise, slots),
        second._impl.decode_noise(noise, slots),
    )


@METHODS
@DIRECTIONS
def test_saved_model_gives_the_same_output_on_the_other_backend(
    method: str, source: str, target: str, tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    path = tmp_path / f"{method}-{source}.genesis"
    original = fit_and_save(method, source, path)

    loaded = SyntheticGenerator.load(path, backend=target)

    assert loaded.backend_ == target
    expected, got = same_noise_outputs(original, loaded, method)
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)
    synthetic = loaded.generate(50, seed=1)
    assert list(synthetic.columns) == list(shop_frame().columns)
    assert (synthetic.dtypes == shop_frame().dtypes).all()


@METHODS
def test_weights_survive_a_round_trip_through_the_other_backend(
    method: str, tmp_path: Path
) -> None:
    pytest.importorskip("torch")
    first = tmp_path / "first.genesis"
    fit_and_save(method, "torch", first)
    second = tmp_path / "second.genesis"
    SyntheticGenerator.load(first, backend="jax").save(second)

    before, _ = read_model_file(first)
    after, document = read_model_file(second)

    assert document["backend"] == "jax"
    assert set(after) == set(before)
    for name, array in before.items():
        np.testing.assert_array_equal(after[name], array, err_msg=name)


def test_a_model_from_an_uninstalled_backend_loads_on_an_installed_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "tvae.genesis"
    original = fit_and_save("tvae", "jax", path)
    arrays, document = read_model_file(path)
    # As if saved by a backend this machine lacks (torch, on a jax-only one).
    write_model_file(path, arrays, {**document, "backend": "tensorflow"})

    with caplog.at_level("INFO", logger="genesis"):
        loaded = SyntheticGenerator.load(path)

    assert "saved on backend 'tensorflow', which is not installed" in caplog.text
    expected, got = same_noise_outputs(original, loaded, "tvae")
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)
