"""Config keys, defaults and the errors a bad config gives, on every backend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genesis.data import TablePreparer
from genesis.errors import InvalidConfigError
from genesis.metadata import TableMetadata
from tests.backends.conftest import Backend

GUIDE = {
    "ctgan": {
        "epochs": 300,
        "batch_size": 500,
        "generator_dim": (256, 256),
        "discriminator_dim": (256, 256),
        "generator_lr": 2e-4,
        "discriminator_lr": 2e-4,
        "generator_decay": 1e-6,
        "discriminator_decay": 1e-6,
        "discriminator_steps": 1,
        "pac": 10,
        "embedding_dim": 128,
        "log_frequency": True,
        # Ours, beyond the guide: see genesis.data._anchors and genesis.training.
        "anchor_threshold": 0.9,
        "training_precision": "auto",
        "sampling_precision": "auto",
    },
    "tvae": {
        "epochs": 300,
        "batch_size": 500,
        "embedding_dim": 128,
        "compress_dims": (128, 128),
        "decompress_dims": (128, 128),
        "l2scale": 1e-5,
        "loss_factor": 2,
        "anchor_threshold": 0.9,
        "training_precision": "auto",
        "sampling_precision": "auto",
    },
}
METHODS = pytest.mark.parametrize("method", ["ctgan", "tvae"])


@METHODS
def test_the_guide_keys_and_defaults(backend: Backend, method: str) -> None:
    implementation = backend.implementation(method)
    assert implementation(seed=0, device="cpu").config == GUIDE[method]


@METHODS
def test_classes_name_their_method_and_backend(backend: Backend, method: str) -> None:
    implementation = backend.implementation(method)
    assert (implementation.method, implementation.backend) == (method, backend.name)


@METHODS
def test_unknown_key_lists_the_valid_keys(backend: Backend, method: str) -> None:
    with pytest.raises(InvalidConfigError, match="Valid keys: epochs"):
        backend.implementation(method)({"epoch": 10}, device="cpu")


def test_layer_widths_must_be_positive_integers(backend: Backend) -> None:
    with pytest.raises(InvalidConfigError, match="generator_dim"):
        backend.ctgan({"generator_dim": (256, 0)}, device="cpu")


def test_lists_are_taken_for_layer_widths(backend: Backend) -> None:
    generator = backend.ctgan({"generator_dim": [128]}, device="cpu")
    assert generator.config["generator_dim"] == (128,)


def test_batch_size_not_a_multiple_of_pac_says_the_rule_and_the_fix(
    backend: Backend,
) -> None:
    with pytest.raises(
        ValueError, match="batch_size must be a multiple of pac"
    ) as info:
        backend.ctgan({"batch_size": 16}, device="cpu")
    assert isinstance(info.value, InvalidConfigError)
    assert "batch_size=10 or 20" in str(info.value)


def test_batch_size_below_pac_suggests_pac_itself(backend: Backend) -> None:
    with pytest.raises(InvalidConfigError, match="batch_size=10,"):
        backend.ctgan({"batch_size": 4}, device="cpu")


def test_tvae_has_no_pac_rule(backend: Backend) -> None:
    assert backend.tvae({"batch_size": 16}, device="cpu").config["batch_size"] == 16


@METHODS
@pytest.mark.parametrize("threshold", [0.0, 1.5, "high", True])
def test_anchor_threshold_out_of_range_names_the_key(
    backend: Backend, method: str, threshold: object
) -> None:
    with pytest.raises(InvalidConfigError, match="anchor_threshold"):
        backend.implementation(method)({"anchor_threshold": threshold}, device="cpu")


@METHODS
@pytest.mark.parametrize("precision", ["half", "FLOAT32", 16, None])
def test_bad_training_precision_names_the_key(
    backend: Backend, method: str, precision: object
) -> None:
    with pytest.raises(InvalidConfigError, match="training_precision"):
        backend.implementation(method)({"training_precision": precision})


@METHODS
def test_anchor_threshold_none_turns_anchoring_off(
    backend: Backend, method: str
) -> None:
    rng = np.random.default_rng(0)
    grade = rng.integers(0, 5, 600)
    frame = pd.DataFrame({"grade": grade.astype(str), "rate": grade + rng.random(600)})
    preparer = TablePreparer(TableMetadata.infer(frame, ["grade"]))
    prepared = preparer.fit_transform(frame, np.random.default_rng(0))
    implementation = backend.implementation(method)
    config = {"epochs": 1, "batch_size": 100}
    on = implementation(config, seed=0, device="cpu")
    on.fit(prepared)
    off = implementation({**config, "anchor_threshold": None}, seed=0, device="cpu")
    off.fit(prepared)

    assert on.transformer_.anchors == {"rate": "grade"}
    assert off.transformer_.anchors == {}
