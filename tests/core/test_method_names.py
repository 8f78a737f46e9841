"""A misspelt method is UnknownMethodError; a known one without its backend is
BackendNotAvailableError, on every path that resolves a method name.

Code that catches BackendNotAvailableError (an ImportError) to fall back to
another method must not also swallow a typo, so the two never overlap.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator, _io
from genesis._registry import (
    _unknown_method,
    get_registry,
    resolve_backend,
    resolve_provider,
)
from genesis.cli import main
from genesis.errors import (
    BackendNotAvailableError,
    GenesisError,
    UnknownMethodError,
)
from genesis.generators.timeseries import TimeGANGenerator
from genesis.gpu import BatchedGenerator
from genesis.multitable import MultiTableGenerator, RelationalSchema

MISSPELT = [
    ("copula", "gaussian_copula"),
    ("GaussianCopula", "gaussian_copula"),
    ("CTGAN", "ctgan"),
    ("tvea", "tvae"),
    ("Auto", "auto"),
]


@pytest.fixture(autouse=True)
def _no_backend_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GENESIS_BACKEND", raising=False)


def _small_table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"amount": rng.normal(50, 10, 60), "kind": ["a", "b"] * 30})


@pytest.mark.parametrize(("asked", "meant"), MISSPELT)
def test_misspelt_method_is_its_own_error_with_the_name_meant(
    asked: str, meant: str
) -> None:
    with pytest.raises(UnknownMethodError) as caught:
        SyntheticGenerator(asked)
    error = caught.value
    assert isinstance(error, GenesisError) and isinstance(error, ValueError)
    assert not isinstance(error, ImportError)
    assert f"Did you mean {meant!r}?" in str(error)


def test_fallback_on_a_missing_backend_does_not_swallow_a_typo() -> None:
    def fit_or_fall_back(method: str) -> str:
        try:
            return SyntheticGenerator(method).method
        except BackendNotAvailableError:
            return "gaussian_copula"

    with pytest.raises(UnknownMethodError):
        fit_or_fall_back("copula")


def test_a_name_close_to_no_method_lists_the_methods() -> None:
    with pytest.raises(UnknownMethodError) as caught:
        SyntheticGenerator("zzzz")
    assert "Did you mean" not in str(caught.value)
    assert "'gaussian_copula'" in str(caught.value)


def test_misspelt_backend_method_without_backends_also_says_what_to_install() -> None:
    # What the core-only session sees for "CTGAN": the name meant, and that
    # it needs a backend, whatever is installed where this test runs.
    error = _unknown_method("CTGAN", ["gaussian_copula"], ["auto"])
    assert "Did you mean 'ctgan'? It needs a backend" in str(error)
    assert 'pip install "genesis-synth-torch"' in str(error)


def test_known_method_on_a_backend_nobody_installed_is_backend_not_available() -> None:
    with pytest.raises(BackendNotAvailableError) as caught:
        SyntheticGenerator("tvae", backend="abacus")
    assert not isinstance(caught.value, UnknownMethodError)
    assert "pip install" in str(caught.value)


@pytest.mark.skipif(
    importlib.util.find_spec("genesis_jax") is not None, reason="jax is installed"
)
def test_jax_only_request_without_jax_is_backend_not_available() -> None:
    with pytest.raises(BackendNotAvailableError, match="genesis-synth-jax"):
        SyntheticGenerator("ctgan", backend="jax")


@pytest.mark.skipif(
    bool(get_registry().generators.backends_for("ctgan")),
    reason="a backend providing ctgan is installed",
)
def test_ctgan_without_any_backend_is_backend_not_available() -> None:
    with pytest.raises(BackendNotAvailableError, match="genesis-synth-torch"):
        resolve_backend("ctgan")


def test_timegan_front_door_on_a_missing_backend_is_backend_not_available() -> None:
    with pytest.raises(BackendNotAvailableError) as caught:
        TimeGANGenerator(seq_len=8, n_features=2, backend="abacus")
    assert not isinstance(caught.value, UnknownMethodError)


def test_batched_generator_method_typo_is_unknown_method() -> None:
    with pytest.raises(UnknownMethodError, match="Did you mean 'ctgan'"):
        BatchedGenerator("CTGAN", device="cpu")


def test_multitable_per_table_method_typo_is_unknown_method() -> None:
    schema = (
        RelationalSchema()
        .add_table("customers", primary_key="customer_id")
        .add_table("orders", primary_key="order_id")
        .add_relationship("orders", "customer_id", "customers", "customer_id")
    )
    with pytest.raises(UnknownMethodError, match="Did you mean 'gaussian_copula'"):
        MultiTableGenerator(schema, method={"orders": "copula"})


def test_cli_fit_with_a_misspelt_method_exits_2_with_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "table.csv"
    _small_table().to_csv(data, index=False)
    status = main(
        ["fit", str(data), "-o", str(tmp_path / "m.genesis"), "--method", "copula"]
    )
    assert status == 2
    assert "Did you mean 'gaussian_copula'?" in capsys.readouterr().err
    assert not (tmp_path / "m.genesis").exists()


def test_model_file_of_a_method_nobody_provides_is_backend_not_available(
    tmp_path: Path,
) -> None:
    # A file names the method it was fitted with, so an unknown name there
    # means its plugin is missing here, not a typo.
    path = tmp_path / "model.genesis"
    SyntheticGenerator("gaussian_copula", seed=0).fit(
        _small_table(), progress=False
    ).save(path)
    arrays, document = _io.read_model_file(path)
    _io.write_model_file(path, arrays, {**document, "method": "vine_copula"})
    with pytest.raises(BackendNotAvailableError) as caught:
        SyntheticGenerator.load(path)
    assert "'vine_copula'" in str(caught.value)
    assert not isinstance(caught.value, UnknownMethodError)


def test_misspelt_text_provider_is_unknown_method() -> None:
    with pytest.raises(UnknownMethodError, match="Did you mean 'anthropic'"):
        resolve_provider("antropic")


@pytest.mark.skipif(
    "openai" in get_registry().providers, reason="the openai provider is installed"
)
def test_known_text_provider_without_its_extra_is_backend_not_available() -> None:
    with pytest.raises(BackendNotAvailableError, match=r"genesis-synth-llm\[openai\]"):
        resolve_provider("openai")


MISSPELT_BACKENDS = [("toch", "torch"), ("JAX", "jax"), ("pytorch", "torch")]


@pytest.mark.parametrize(("asked", "meant"), MISSPELT_BACKENDS)
@pytest.mark.parametrize("method", ["ctgan", "gaussian_copula"])
def test_misspelt_backend_is_unknown_with_the_name_meant(
    method: str, asked: str, meant: str
) -> None:
    # Before, "toch" on ctgan advised `pip install "a plugin providing
    # 'toch'"`, and the copula ran in numpy without a word.
    with pytest.raises(UnknownMethodError, match=f"Did you mean {meant!r}"):
        SyntheticGenerator(method, backend=asked)


def test_misspelt_backend_from_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GENESIS_BACKEND", "toch")
    with pytest.raises(UnknownMethodError, match="asked by GENESIS_BACKEND"):
        TimeGANGenerator(seq_len=8, n_features=2)


def test_cli_generate_with_a_misspelt_backend_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "table.csv"
    _small_table().to_csv(data, index=False)
    model = tmp_path / "m.genesis"
    assert main(["fit", str(data), "-o", str(model)]) == 0
    output = tmp_path / "out.csv"
    status = main(
        ["generate", str(model), "-n", "5", "-o", str(output), "--backend", "tourch"]
    )
    assert status == 2
    assert "Did you mean 'torch'?" in capsys.readouterr().err
    assert not output.exists()
