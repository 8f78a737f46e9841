"""Fitting on torch: network shapes, warnings and threads; what every backend
does alike is tested in ``tests/backends/test_training.py``."""

from __future__ import annotations

import numpy as np
import pytest

from genesis.data import PreparedTable
from genesis_torch import CTGANGenerator, TVAEGenerator
from tests.tables import SMALL_CONFIG, Shop

SMALL_TVAE = SMALL_CONFIG["tvae"]
SMALL = {CTGANGenerator: SMALL_CONFIG["ctgan"], TVAEGenerator: SMALL_TVAE}
BOTH = pytest.mark.parametrize("implementation", [CTGANGenerator, TVAEGenerator])


def fitted(implementation: type, prepared: PreparedTable, seed: int = 0, **config):
    generator = implementation(
        {**SMALL[implementation], **config}, seed=seed, device="cpu"
    )
    generator.fit(prepared)
    return generator


@pytest.mark.parametrize("dims", [(128,), (256, 256, 256)])
def test_ctgan_takes_the_guides_generator_dims(
    shop: Shop, dims: tuple[int, ...]
) -> None:
    _, prepared = shop
    generator = fitted(CTGANGenerator, prepared, epochs=1, generator_dim=dims)
    network = generator._model.generator
    assert [layer.linear.out_features for layer in network.layers] == list(dims)
    rows = generator.generate(50, rng=np.random.default_rng(0))
    assert all(len(values) == 50 for values in rows.values())


def test_tvae_takes_one_layer_encoder_and_decoder(shop: Shop) -> None:
    _, prepared = shop
    generator = fitted(
        TVAEGenerator, prepared, compress_dims=(64,), decompress_dims=(64,)
    )
    assert len(generator._model.encoder.layers) == 1
    assert len(generator._model.decoder.layers) == 1


@BOTH
def test_seeded_fit_keeps_and_restores_torchs_thread_count(
    implementation: type, shop: Shop
) -> None:
    torch = pytest.importorskip("torch")
    _, prepared = shop
    torch.set_num_threads(2)
    generator = fitted(implementation, prepared, epochs=1)
    assert generator.threads_ == 2
    assert torch.get_num_threads() == 2


def test_unseeded_fit_restores_torchs_thread_count(shop: Shop) -> None:
    torch = pytest.importorskip("torch")
    _, prepared = shop
    torch.set_num_threads(2)
    generator = TVAEGenerator({**SMALL_TVAE, "epochs": 1}, seed=None, device="cpu")
    generator.fit(prepared)
    assert generator.threads_ in (1, 2)
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize("weight_decay", [0.0, 1e-2])
def test_flat_adam_steps_like_torchs_adam(weight_decay: float) -> None:
    import torch

    from genesis_torch._fitting import FlatAdam

    def network() -> torch.nn.Module:
        torch.manual_seed(3)
        return torch.nn.Sequential(
            torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 2)
        )

    ours, theirs = network(), network()
    flat = FlatAdam(list(ours.parameters()), 1e-2, weight_decay, (0.5, 0.9))
    reference = torch.optim.Adam(
        theirs.parameters(), lr=1e-2, betas=(0.5, 0.9), weight_decay=weight_decay
    )
    inputs = torch.randn(32, 5, generator=torch.Generator().manual_seed(0))
    for _ in range(20):
        for net, optimizer in ((ours, flat), (theirs, reference)):
            optimizer.zero_grad(set_to_none=True)
            (net(inputs) ** 2).mean().backward()
            optimizer.step()
    for mine, expected in zip(ours.parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(mine, expected, rtol=1e-5, atol=1e-6)
    # Twenty steps moved the weights from where they started.
    start = network()
    moved = [
        float((a - b).abs().max())
        for a, b in zip(ours.parameters(), start.parameters(), strict=True)
    ]
    assert min(moved) > 1e-2
    # Gradients still land in the one buffer the update reads.
    end = flat.gradients.data_ptr() + flat.gradients.nbytes
    for parameter in ours.parameters():
        assert flat.gradients.data_ptr() <= parameter.grad.data_ptr() < end
    assert float(flat.gradients.abs().sum()) > 0
