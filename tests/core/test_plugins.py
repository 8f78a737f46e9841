"""Plugin discovery, the registry, backend choice and `genesis plugins`."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from genesis import BackendNotAvailableError, PluginConflictError, SyntheticGenerator
from genesis._registry import GeneratorRegistry, get_registry, resolve_backend
from genesis.cli import main
from genesis.errors import UnknownMethodError

needs_test_plugins = pytest.mark.skipif(
    importlib.util.find_spec("genesis_example") is None,
    reason="the test plugins under tests/plugins are not installed",
)


@needs_test_plugins
def test_third_party_plugin_is_found_through_its_entry_point() -> None:
    registry = get_registry()
    assert registry.generators.backends_for("independent") == ["numpy"]
    assert registry.generators.owner(("independent", "numpy")) == "example"
    data = pd.DataFrame({"a": np.arange(20.0), "b": ["x", "y"] * 10})
    out = (
        SyntheticGenerator("independent", seed=0).fit(data, progress=False).generate(7)
    )
    assert list(out.columns) == ["a", "b"] and len(out) == 7


@needs_test_plugins
def test_plugin_that_fails_to_import_is_listed_and_breaks_nothing(capsys) -> None:
    plugins = {p.name: p for p in get_registry().plugins}
    assert "libimaginary.so" in plugins["broken"].error
    assert plugins["core"].error is None
    assert plugins["example"].error is None
    assert main(["plugins"]) == 0
    printed = capsys.readouterr().out
    assert "broken" in printed and "FAILED: ImportError" in printed
    assert "independent" in printed and "gaussian_copula" in printed


def test_core_registers_the_copula_like_any_plugin() -> None:
    registry = get_registry()
    assert registry.generators.owner(("gaussian_copula", "numpy")) == "core"


def test_name_clash_is_refused_naming_both_plugins() -> None:
    class First:
        method, backend = "m", "b"

    registry = GeneratorRegistry()
    registry.current_plugin = "alpha"
    registry.register(First)
    registry.current_plugin = "beta"
    with pytest.raises(PluginConflictError, match=r"'alpha'.*'beta'"):
        registry.register(type("Second", (), {"method": "m", "backend": "b"}))


@pytest.mark.skipif(
    importlib.util.find_spec("genesis_jax") is not None, reason="jax is installed"
)
def test_unavailable_backend_names_the_install_line(monkeypatch) -> None:
    monkeypatch.delenv("GENESIS_BACKEND", raising=False)
    with pytest.raises(
        BackendNotAvailableError, match='pip install "genesis-synth-jax"'
    ):
        resolve_backend("ctgan", "jax")
    with pytest.raises(ImportError):
        SyntheticGenerator("tvae", backend="jax")


def test_backend_nobody_provides_is_named_in_the_error(monkeypatch) -> None:
    monkeypatch.delenv("GENESIS_BACKEND", raising=False)
    with pytest.raises(BackendNotAvailableError, match="'abacus'"):
        resolve_backend("ctgan", "abacus")


@pytest.mark.skipif(
    importlib.util.find_spec("genesis_jax") is not None, reason="jax is installed"
)
def test_env_variable_chooses_backend_when_argument_absent(monkeypatch) -> None:
    monkeypatch.setenv("GENESIS_BACKEND", "jax")
    with pytest.raises(BackendNotAvailableError, match="asked by GENESIS_BACKEND"):
        resolve_backend("ctgan")


def test_env_variable_naming_an_unknown_backend_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("GENESIS_BACKEND", "abacus")
    with pytest.raises(
        BackendNotAvailableError, match=r"'abacus'.*asked by GENESIS_BACKEND"
    ):
        resolve_backend("ctgan")


@pytest.mark.skipif(
    importlib.util.find_spec("genesis_torch") is not None
    or importlib.util.find_spec("genesis_jax") is not None,
    reason="a backend providing ctgan is installed",
)
def test_ctgan_without_a_backend_says_what_to_install(monkeypatch) -> None:
    monkeypatch.delenv("GENESIS_BACKEND", raising=False)
    with pytest.raises(
        BackendNotAvailableError, match='pip install "genesis-synth-torch"'
    ):
        SyntheticGenerator("ctgan")


def test_copula_ignores_backend_choice(monkeypatch) -> None:
    monkeypatch.setenv("GENESIS_BACKEND", "jax")
    assert resolve_backend("gaussian_copula") == "numpy"


def test_finding_plugins_imports_no_framework() -> None:
    # Every run builds the registry; with torch and jax installed it must not
    # import them (each costs seconds and 100-200 MB) until one is chosen.
    script = (
        "import sys; from genesis._registry import get_registry; "
        "registry = get_registry(); registry.generators.methods(); "
        "loaded = [m for m in ('torch', 'jax', 'flax', 'transformers') "
        "if m in sys.modules]; sys.exit(f'imported {loaded}' if loaded else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_lazily_registered_class_that_fails_to_import_names_the_plugin() -> None:
    registry = GeneratorRegistry()
    registry.current_plugin = "ghost"
    registry.register_lazy("ctgan", "abacus", "genesis_no_such_module:Nothing")
    assert registry.backends_for("ctgan") == ["abacus"]
    with pytest.raises(BackendNotAvailableError, match=r"'ghost'.*failed to import"):
        registry.get("ctgan", "abacus")


def test_lazily_registered_class_must_say_what_it_was_registered_as() -> None:
    registry = GeneratorRegistry()
    registry.register_lazy("tvae", "numpy", "genesis._copula:GaussianCopulaGenerator")
    with pytest.raises(PluginConflictError, match="the class says"):
        registry.get("tvae", "numpy")


@pytest.mark.parametrize(
    ("asked", "meant"),
    [
        ("copula", "gaussian_copula"),
        ("GaussianCopula", "gaussian_copula"),
        ("gaussian-copula", "gaussian_copula"),
        ("gausian_copula", "gaussian_copula"),
    ],
)
def test_misspelt_method_gets_the_installed_name_not_an_install_line(
    monkeypatch, asked: str, meant: str
) -> None:
    # SDV names its model GaussianCopula; a user trying "copula" used to be
    # told to install the torch backend, which provides no such method.
    monkeypatch.delenv("GENESIS_BACKEND", raising=False)
    with pytest.raises(UnknownMethodError) as caught:
        SyntheticGenerator(asked)
    assert f"Did you mean {meant!r}?" in str(caught.value)
    assert "pip install" not in str(caught.value)


def test_unknown_method_without_a_close_name_lists_the_methods(
    monkeypatch,
) -> None:
    monkeypatch.delenv("GENESIS_BACKEND", raising=False)
    with pytest.raises(UnknownMethodError) as caught:
        SyntheticGenerator("zzzz")
    assert "Did you mean" not in str(caught.value)
    assert "'gaussian_copula'" in str(caught.value)
