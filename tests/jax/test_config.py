"""Config keys, defaults and the errors a bad config gives, as on torch."""

from __future__ import annotations

import pytest

from genesis.errors import InvalidConfigError
from genesis_jax import CTGANGenerator, TVAEGenerator

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


@pytest.mark.parametrize("method", ["ctgan", "tvae"])
def test_config_spec_matches_the_torch_backend(method: str) -> None:
    pytest.importorskip("torch")
    import genesis_jax
    import genesis_torch

    names = {"ctgan": "CTGANGenerator", "tvae": "TVAEGenerator"}
    ours = getattr(genesis_jax, names[method]).config_spec
    theirs = getattr(genesis_torch, names[method]).config_spec
    assert {k: (v.default, v.types) for k, v in ours.items()} == {
        k: (v.default, v.types) for k, v in theirs.items()
    }


def test_classes_name_their_method_and_backend() -> None:
    assert (CTGANGenerator.method, CTGANGenerator.backend) == ("ctgan", "jax")
    assert (TVAEGenerator.method, TVAEGenerator.backend) == ("tvae", "jax")


@pytest.mark.parametrize("implementation", [CTGANGenerator, TVAEGenerator])
def test_unknown_key_lists_the_valid_keys(implementation: type) -> None:
    with pytest.raises(InvalidConfigError, match="Valid keys: epochs"):
        implementation({"epoch": 10}, device="cpu")


def test_layer_widths_must_be_positive_integers() -> None:
    with pytest.raises(InvalidConfigError, match="generator_dim"):
        CTGANGenerator({"generator_dim": (256, 0)}, device="cpu")


def test_batch_size_not_a_multiple_of_pac_says_the_rule_and_the_fix() -> None:
    with pytest.raises(
        ValueError, match="batch_size must be a multiple of pac"
    ) as info:
        CTGANGenerator({"batch_size": 16}, device="cpu")
    assert isinstance(info.value, InvalidConfigError)
    assert "batch_size=10 or 20" in str(info.value)


def test_tvae_has_no_pac_rule() -> None:
    assert TVAEGenerator({"batch_size": 16}, device="cpu").config["batch_size"] == 16


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
