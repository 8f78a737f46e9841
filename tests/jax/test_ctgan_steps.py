"""CTGAN's training epoch chains its steps as the torch backend does.

Given the same starting weights, the same real rows and conditional vectors,
and the same random numbers, an epoch on either backend makes the same
discriminator and generator-network updates in the same order: the same
fake rows for both updates, the discriminator in training mode (dropout) for
both, batch-norm statistics moved once per generator-network pass, packs of
``pac`` real and fake rows. Any difference in how the epoch is put together
shows up as different losses after the first step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.jax.conftest import SMALL_CTGAN, Shop

torch = pytest.importorskip("torch")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from flax import nnx  # noqa: E402

from genesis_jax import _fitting  # noqa: E402
from genesis_jax import ctgan as jax_ctgan  # noqa: E402
from genesis_torch import ctgan as torch_ctgan  # noqa: E402

# A uniform draw of 0.25 keeps every dropout unit (0.25 < keep = 0.5) on
# torch, mixes real and fake packs 1:3, and gives every one-hot slot the same
# Gumbel noise, which a softmax ignores; jax gets the matching constants.
UNIFORM = 0.25
STEPS, DISCRIMINATOR_STEPS, BATCH = 3, 2, 100


def _same_randomness(monkeypatch: pytest.MonkeyPatch, noise: np.ndarray) -> None:
    """Make both frameworks draw the same numbers, constant across steps."""

    def rand(*shape: Any, **_: Any) -> Any:
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        return torch.full(shape, UNIFORM)

    monkeypatch.setattr(torch, "rand", rand)
    monkeypatch.setattr(torch, "randn", lambda *_, **__: torch.as_tensor(noise))
    monkeypatch.setattr(jax.random, "normal", lambda *_, **__: jnp.asarray(noise))
    monkeypatch.setattr(
        jax.random, "gumbel", lambda _, shape, dtype=jnp.float32: jnp.zeros(shape)
    )
    monkeypatch.setattr(
        jax.random, "bernoulli", lambda _, __, shape: jnp.ones(shape, bool)
    )
    monkeypatch.setattr(
        jax.random, "uniform", lambda _, shape, *__, **___: jnp.full(shape, UNIFORM)
    )


def test_ctgan_epoch_matches_torch_given_the_same_random_numbers(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, prepared = shop
    config = {**SMALL_CTGAN, "discriminator_steps": DISCRIMINATOR_STEPS}
    on_torch = torch_ctgan.CTGANGenerator(config, seed=0, device="cpu")
    rng = np.random.default_rng(0)
    encoded, sampler, cond_starts = on_torch._encode(prepared, rng)
    on_torch.batch_size_ = BATCH
    layout = torch_ctgan.SpanLayout.from_spans(encoded.spans, on_torch.device)
    torch_model = torch_ctgan.build_model(
        on_torch.config,
        layout,
        on_torch.conditions_.width,
        on_torch.device,
        torch.Generator().manual_seed(0),
    )
    on_torch._model = torch_model
    arrays, state = on_torch.get_state()
    jax_model = jax_ctgan.CTGANGenerator.from_state(
        on_torch.config, arrays, state, device="cpu"
    )._model

    shape = (STEPS, DISCRIMINATOR_STEPS, BATCH)
    torch_batches = torch_ctgan.sample_epoch(
        torch.as_tensor(encoded.matrix),
        sampler,
        cond_starts,
        shape,
        np.random.default_rng(1),
    )
    jax_batches = jax_ctgan.sample_epoch(
        sampler, cond_starts, shape, np.random.default_rng(1)
    )
    noise = np.random.default_rng(2).standard_normal(
        (BATCH, SMALL_CTGAN["embedding_dim"])
    )
    _same_randomness(monkeypatch, noise.astype(np.float32))

    torch_losses = torch_ctgan.train_epoch(
        torch_model, torch_batches, torch.Generator().manual_seed(0)
    )
    optimizers = [
        _fitting.adam(2e-4, 1e-6, jax_ctgan.ADAM_BETAS),
        _fitting.adam(2e-4, 1e-6, jax_ctgan.ADAM_BETAS),
    ]
    generator_params, generator_stats = nnx.state(
        jax_model.generator, nnx.Param, nnx.BatchStat
    )
    discriminator_params = nnx.state(jax_model.discriminator, nnx.Param)
    train_state = jax_ctgan.TrainState(
        generator_params,
        generator_stats,
        discriminator_params,
        optimizers[0].init(generator_params),
        optimizers[1].init(discriminator_params),
    )
    run = jax_ctgan.make_train_epoch(jax_model, *optimizers)
    _, jax_losses = jax_ctgan.train_epoch(
        run,
        train_state,
        jnp.asarray(encoded.matrix),
        jax_batches,
        jax.random.key(0),
    )

    # float32 sums in another order differ by about 1e-6 per step; a step
    # chained differently (other fake rows, another order of updates, stats
    # moved twice) moves the losses by far more than this.
    for name, value in torch_losses.items():
        assert jax_losses[name] == pytest.approx(value, rel=1e-4, abs=1e-5), name
