"""Config keys, defaults and the errors a bad config gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genesis.errors import InvalidConfigError
from genesis_torch import CTGANGenerator, TVAEGenerator
from tests.torch.conftest import prepare

GUIDE_CTGAN = {
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
}
GUIDE_TVAE = {
    "epochs": 300,
    "batch_size": 500,
    "embedding_dim": 128,
    "compress_dims": (128, 128),
    "decompress_dims": (128, 128),
    "l2scale": 1e-5,
    "loss_factor": 2,
    "anchor_threshold": 0.9,
    "training_precision": "auto",
}


def test_ctgan_has_the_guide_keys_and_defaults() -> None:
    assert CTGANGenerator(seed=0, device="cpu").config == GUIDE_CTGAN


def test_tvae_has_the_guide_keys_and_defaults() -> None:
    assert TVAEGenerator(seed=0, device="cpu").config == GUIDE_TVAE


def test_classes_name_their_method_and_backend() -> None:
    assert (CTGANGenerator.method, CTGANGenerator.backend) == ("ctgan", "torch")
    assert (TVAEGenerator.method, TVAEGenerator.backend) == ("tvae", "torch")


@pytest.mark.parametrize("implementation", [CTGANGenerator, TVAEGenerator])
def test_unknown_key_lists_the_valid_keys(implementation: type) -> None:
    with pytest.raises(InvalidConfigError, match="Valid keys: epochs"):
        implementation({"epoch": 10}, device="cpu")


def test_layer_widths_must_be_positive_integers() -> None:
    with pytest.raises(InvalidConfigError, match="generator_dim"):
        CTGANGenerator({"generator_dim": (256, 0)}, device="cpu")


def test_lists_are_taken_for_layer_widths() -> None:
    generator = CTGANGenerator({"generator_dim": [128]}, device="cpu")
    assert generator.config["generator_dim"] == (128,)


def test_batch_size_not_a_multiple_of_pac_says_the_rule_and_the_fix() -> None:
    with pytest.raises(
        ValueError, match="batch_size must be a multiple of pac"
    ) as info:
        CTGANGenerator({"batch_size": 16}, device="cpu")
    assert isinstance(info.value, InvalidConfigError)
    assert "batch_size=10 or 20" in str(info.value)


def test_batch_size_below_pac_suggests_pac_itself() -> None:
    with pytest.raises(InvalidConfigError, match="batch_size=10,"):
        CTGANGenerator({"batch_size": 4}, device="cpu")


def test_tvae_has_no_pac_rule() -> None:
    assert TVAEGenerator({"batch_size": 16}, device="cpu").config["batch_size"] == 16


def test_cuda_without_a_gpu_is_a_clear_error() -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(InvalidConfigError, match="no CUDA device"):
        CTGANGenerator(device="cuda")


@pytest.mark.parametrize("implementation", [CTGANGenerator, TVAEGenerator])
@pytest.mark.parametrize("threshold", [0.0, 1.5, "high", True])
def test_anchor_threshold_out_of_range_names_the_key(
    implementation: type, threshold: object
) -> None:
    with pytest.raises(InvalidConfigError, match="anchor_threshold"):
        implementation({"anchor_threshold": threshold}, device="cpu")


@pytest.mark.parametrize("implementation", [CTGANGenerator, TVAEGenerator])
def test_anchor_threshold_none_turns_anchoring_off(implementation: type) -> None:
    rng = np.random.default_rng(0)
    grade = rng.integers(0, 5, 600)
    frame = pd.DataFrame({"grade": grade.astype(str), "rate": grade + rng.random(600)})
    _, prepared = prepare(frame, ["grade"])
    config = {"epochs": 1, "batch_size": 100}
    on = implementation(config, seed=0, device="cpu")
    on.fit(prepared)
    off = implementation({**config, "anchor_threshold": None}, seed=0, device="cpu")
    off.fit(prepared)

    assert on.transformer_.anchors == {"rate": "grade"}
    assert off.transformer_.anchors == {}
