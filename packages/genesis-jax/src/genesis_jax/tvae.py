"""TVAE on JAX: a variational autoencoder for tables, one compiled epoch.

The method of Xu et al., "Modeling Tabular Data using Conditional GAN"
(NeurIPS 2019), section on TVAE, with the losses, config and saved weights
of :mod:`genesis_torch.tvae`: an encoder and a decoder of fully connected
layers, a learned output scale per continuous scalar, and a loss of
``loss_factor`` times the reconstruction error plus the KL divergence of the
latent code from a standard normal.

Weight names (see :mod:`genesis_jax._common` for the scheme):
``encoder.layers.<i>``, ``encoder.mean``, ``encoder.logvar``,
``decoder.layers.<i>``, ``decoder.output`` and ``decoder.sigma`` (one value
per CONTINUOUS_SCALAR span, in the order of the encoded matrix).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from genesis import training
from genesis._config import ConfigSpec
from genesis.data import PreparedTable
from genesis.protocols import ProgressCallback
from genesis.recipes.tvae import (
    ADAM_BETAS,
    LEARNING_RATE,
    LOSS_NAMES,
    SIGMA_RANGE,
    SIGMA_START,
)
from genesis.table_model import DrawnRows, MatrixSource, TableModel
from genesis.training import BatchThreads, Condition
from genesis_jax import _fitting
from genesis_jax._common import (
    Dense,
    SpanLayout,
    host_draws,
    key_from_rng,
    load_module_arrays,
    module_arrays,
    parameter_count,
    precision_graph,
    resolve_device,
)

__all__ = [
    "Decoder",
    "Encoder",
    "TVAEGenerator",
    "generate_batch",
    "train_epoch",
]

logger = logging.getLogger(__name__)

# Generation compiles once per batch size; sizes are rounded up to a power of
# two from this one, so that any request reuses a few compiled sizes.
_SMALLEST_GENERATE_BATCH = 256
STATE_VERSION = 1

# The keys and defaults are the core's, shared with the torch backend.
CONFIG_SPEC: ConfigSpec = training.TVAE_CONFIG_SPEC


# -- networks -------------------------------------------------------------------


def _dense_stack(
    input_dim: int, hidden: Sequence[int], rng: np.random.Generator
) -> nnx.List:
    widths = [input_dim, *hidden]
    return nnx.List([Dense(a, b, rng=rng) for a, b in itertools.pairwise(widths)])


class Encoder(nnx.Module):
    """Encoded row in, mean and log-variance of its latent code out."""

    def __init__(
        self,
        data_dim: int,
        hidden: Sequence[int],
        embedding_dim: int,
        *,
        rng: np.random.Generator,
    ) -> None:
        self.layers = _dense_stack(data_dim, hidden, rng)
        width = hidden[-1] if hidden else data_dim
        self.mean = Dense(width, embedding_dim, rng=rng)
        self.logvar = Dense(width, embedding_dim, rng=rng)

    def __call__(self, rows: jax.Array) -> tuple[jax.Array, jax.Array]:
        hidden = rows
        for layer in self.layers:
            hidden = jax.nn.relu(layer(hidden))
        return self.mean(hidden), self.logvar(hidden)


class Decoder(nnx.Module):
    """Latent code in, raw encoded row out; holds the scalars' output scales."""

    def __init__(
        self,
        embedding_dim: int,
        hidden: Sequence[int],
        data_dim: int,
        n_scalars: int,
        *,
        rng: np.random.Generator,
    ) -> None:
        self.layers = _dense_stack(embedding_dim, hidden, rng)
        width = hidden[-1] if hidden else embedding_dim
        self.output = Dense(width, data_dim, rng=rng)
        self.sigma = nnx.Param(jnp.full(n_scalars, SIGMA_START, jnp.float32))

    def __call__(self, code: jax.Array) -> jax.Array:
        hidden = code
        for layer in self.layers:
            hidden = jax.nn.relu(layer(hidden))
        return self.output(hidden)


class AutoEncoder(nnx.Module):
    """Encoder and decoder together, so that one optimizer updates both."""

    def __init__(self, encoder: Encoder, decoder: Decoder) -> None:
        self.encoder = encoder
        self.decoder = decoder


@dataclass
class TVAEModel:
    """The networks of one TVAE fit and what their maths needs to know."""

    networks: AutoEncoder
    layout: SpanLayout
    embedding_dim: int
    loss_factor: float

    @property
    def encoder(self) -> Encoder:
        return self.networks.encoder

    @property
    def decoder(self) -> Decoder:
        return self.networks.decoder


def build_model(
    config: Mapping[str, Any], layout: SpanLayout, rng: np.random.Generator
) -> TVAEModel:
    """Networks with initial values drawn from ``rng``."""
    embedding_dim = config["embedding_dim"]
    encoder = Encoder(layout.width, config["compress_dims"], embedding_dim, rng=rng)
    decoder = Decoder(
        embedding_dim,
        config["decompress_dims"],
        layout.width,
        len(layout.scalar_columns),
        rng=rng,
    )
    return TVAEModel(
        networks=AutoEncoder(encoder, decoder),
        layout=layout,
        embedding_dim=embedding_dim,
        loss_factor=float(config["loss_factor"]),
    )


# -- training ---------------------------------------------------------------------


def reconstruction_loss(
    raw: jax.Array, rows: jax.Array, layout: SpanLayout, sigma: jax.Array
) -> jax.Array:
    """Negative log-likelihood of ``rows`` under the decoder's output, per row.

    Scalars are Gaussian around ``tanh(raw)`` with scale ``sigma``; one-hot
    spans are categorical with the softmax of ``raw``, whose cross-entropy
    is the span's log-sum-exp minus the logit of the hot slot (the slot
    where ``rows`` holds 1). Constant terms are left out.
    """
    n_rows = rows.shape[0]
    total = jnp.log(sigma).sum() * n_rows
    if len(layout.scalar_columns):
        # One scale per column, 1 off the scalars so the division is safe.
        spread = jnp.asarray(layout.scalar_spread)
        scale = sigma @ spread + (1.0 - spread.sum(axis=0))
        error = jnp.where(layout.scalar_mask, rows - jnp.tanh(raw), 0.0)
        total = total + (jnp.square(error) / (2 * jnp.square(scale))).sum()
    if layout.n_one_hot:
        hot_logits = (raw * rows * layout.one_hot_mask).sum()
        total = total + layout.one_hot_logsumexp(raw).sum() - hot_logits
    return total / n_rows


def make_train_epoch(
    model: TVAEModel,
    optimizer: optax.GradientTransformation,
    batch_size: int,
    bfloat16: bool = False,
) -> Callable[..., Any]:
    """The jitted epoch: ``(params, opt, data, order, key) -> (params, opt, losses)``.

    One pass over the data in batches taken in ``order`` (a permutation of
    the rows, drawn on the host, where it costs a fraction of a shuffle in
    compiled code); the last batch holds the rows left over when the batch
    size does not divide the row count. The losses are the epoch's means.
    With ``bfloat16``, the dense layers' products round their inputs to
    bfloat16 (see :func:`genesis_jax._common.product`).
    """
    graph = precision_graph(model.networks, bfloat16)
    layout, loss_factor = model.layout, model.loss_factor

    def loss(params, rows, key):
        networks = nnx.merge(graph, params)
        mean, logvar = networks.encoder(rows)
        noise = jax.random.normal(key, mean.shape, mean.dtype)
        code = mean + noise * jnp.exp(0.5 * logvar)
        raw = networks.decoder(code)
        sigma = networks.decoder.sigma[...]
        reconstruction = reconstruction_loss(raw, rows, layout, sigma)
        kl = -0.5 * (1 + logvar - jnp.square(mean) - jnp.exp(logvar)).sum()
        kl = kl / rows.shape[0]
        return loss_factor * reconstruction + kl, (reconstruction, kl)

    def vae_step(carry, batch):
        params, opt_state = carry
        rows, key = batch
        grads, (reconstruction, kl) = jax.grad(loss, has_aux=True)(params, rows, key)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        networks = nnx.merge(graph, params, copy=True)
        sigma = networks.decoder.sigma
        sigma.set_value(jnp.clip(sigma[...], *SIGMA_RANGE))
        params = nnx.state(networks, nnx.Param)
        losses = jnp.stack([loss_factor * reconstruction + kl, reconstruction, kl])
        return (params, opt_state), losses

    @jax.jit
    def run(params, opt_state, data, order, key):
        n_rows = data.shape[0]
        shuffled = data[order]
        full, left = divmod(n_rows, batch_size)
        keys = jax.random.split(key, full + 1)
        carry, losses = (
            (params, opt_state),
            jnp.zeros((0, len(LOSS_NAMES)), jnp.float32),
        )
        if full:
            cut = full * batch_size
            batches = (
                shuffled[:cut].reshape(full, batch_size, -1),
                keys[:full],
            )
            carry, losses = jax.lax.scan(vae_step, carry, batches)
        if left:
            carry, last = vae_step(
                carry,
                (shuffled[-left:], keys[full]),
            )
            losses = jnp.concatenate([losses, last[None]])
        params, opt_state = carry
        return params, opt_state, losses.mean(axis=0)

    return run


def train_epoch(
    run: Callable[..., Any],
    params: nnx.State,
    opt_state: optax.OptState,
    data: jax.Array,
    order: jax.Array,
    key: jax.Array,
) -> tuple[nnx.State, optax.OptState, dict[str, float]]:
    """Run one epoch with ``run`` (from :func:`make_train_epoch`) and wait for it."""
    params, opt_state, losses = run(params, opt_state, data, order, key)
    return params, opt_state, _loss_dict(losses)


def _loss_dict(losses: jax.Array) -> dict[str, float]:
    return dict(zip(LOSS_NAMES, np.asarray(losses).tolist(), strict=True))


def make_generate_batch(
    model: TVAEModel, bfloat16: bool = False
) -> Callable[..., tuple[jax.Array, jax.Array]]:
    """The jitted generation path: ``(params, key, draws, n) -> (rows, slots)``.

    ``n`` is static. Scalars get Gaussian noise of their learned scale
    around ``tanh`` of the output; each one-hot span gets a slot drawn from
    its softmax (see :meth:`SpanLayout.sample_activate`), not always the
    likeliest one. ``draws`` is None (everything is drawn from ``key``) or
    the :class:`~genesis_jax._common.HostDraws` made on the host.
    ``bfloat16`` multiplies in bfloat16 with float32 sums and results.
    """
    graph = precision_graph(model.decoder, bfloat16)
    layout, embedding_dim = model.layout, model.embedding_dim
    columns = layout.scalar_columns

    def run(params, key, draws, n):
        code_key, slot_key, scalar_key = jax.random.split(key, 3)
        decoder = nnx.merge(graph, params)
        if draws is None:
            code = jax.random.normal(code_key, (n, embedding_dim), jnp.float32)
            noise = jax.random.normal(scalar_key, (n, len(columns)), jnp.float32)
            uniforms = None
        else:
            code = draws.normals[:, :embedding_dim]
            noise = draws.normals[:, embedding_dim:]
            uniforms = draws.uniforms
        rows, slots = layout.sample_activate(decoder(code), slot_key, uniforms)
        return rows.at[:, columns].add(noise * decoder.sigma[...]), slots

    return jax.jit(run, static_argnums=3)


def generate_batch(
    model: TVAEModel,
    run: Callable[..., tuple[jax.Array, jax.Array]],
    n: int,
    key: jax.Array,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows ready for decoding, drawn from the decoder's distribution.

    With ``rng`` (on a CPU) the normals and the uniforms that draw the
    one-hot slots come from it (:func:`~genesis_jax._common.host_draws`),
    else from ``key``.

    Returns:
        The ``(n, width)`` matrix and the ``(n, n_one_hot)`` drawn slots.
    """
    size = max(_SMALLEST_GENERATE_BATCH, 1 << max(n - 1, 0).bit_length())
    params = nnx.state(model.decoder, nnx.Param)
    normals = model.embedding_dim + len(model.layout.scalar_columns)
    draws = None if rng is None else host_draws(rng, size, normals, model.layout)
    rows, slots = run(params, key, draws, size)
    return np.asarray(rows)[:n], np.asarray(slots)[:n]


# -- the generator --------------------------------------------------------------------


class TVAEGenerator(TableModel):
    """TVAE on JAX, registered as method ``"tvae"``, backend ``"jax"``.

    Args:
        config: Config keys of :data:`CONFIG_SPEC`; missing keys take their
            defaults.
        seed: Makes fit and generate reproducible on one device.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (None): a GPU when JAX
            sees one.

    Raises:
        InvalidConfigError: A key is unknown or out of range.

    Attributes:
        loss_history_: One dict of mean losses per finished epoch.
        interrupted_: True when Ctrl-C stopped the fit early.
        mixed_precision_: True when training computed its dense layers'
            products in bfloat16 (config key ``training_precision``; by
            default on GPUs and on CPUs with AVX512-BF16 or AMX). Generation
            follows ``sampling_precision``.
        batch_size_: The batch size used: batch_size, or about an eighth of
            the rows for a table smaller than eight batches.
        compile_seconds_: Seconds spent tracing and compiling the training
            epoch, before the first epoch ran (0 when an earlier fit's was
            reused).
    """

    method: ClassVar[str] = "tvae"
    backend: ClassVar[str] = "jax"
    config_spec: ClassVar[ConfigSpec] = CONFIG_SPEC
    state_version: ClassVar[int] = STATE_VERSION
    title: ClassVar[str] = "TVAE"
    _generate_run: Callable[..., jax.Array] | None = None
    mixed_precision_: bool = False

    def _resolve_device(self, device: str | None) -> jax.Device:
        return resolve_device(device)

    def fit(
        self, prepared: PreparedTable, *, progress: ProgressCallback | None = None
    ) -> None:
        """Learn ``prepared``; Ctrl-C stops after the current epoch, model usable."""
        # A fit that fails leaves the generator unfitted, never half-replaced.
        self._model = None
        rng = np.random.default_rng(self.seed)
        key = key_from_rng(rng)
        encoded = self._fit_transformer(prepared, rng)
        self.batch_size_ = training.fit_batch_size(
            self.config["batch_size"], prepared.n_rows
        )
        self.mixed_precision_ = _fitting.uses_bfloat16(self.config, self.device)

        layout = SpanLayout.from_spans(encoded.spans)
        with jax.default_device(self.device):
            model = build_model(self.config, layout, rng)
        optimizer = _fitting.adam(LEARNING_RATE, self.config["l2scale"], ADAM_BETAS)
        params = jax.device_put(nnx.state(model.networks, nnx.Param), self.device)
        opt_state = jax.device_put(optimizer.init(params), self.device)
        data = jax.device_put(encoded.matrix, self.device)

        def next_order() -> jax.Array:
            order = rng.permutation(encoded.n_rows).astype(np.int32)
            return jax.device_put(order, self.device)

        order = next_order()
        compiled, self.compile_seconds_ = _fitting.compile_timed(
            _fitting.static_key(self.method, self.config, encoded.spans, self.device),
            lambda: make_train_epoch(
                model, optimizer, self.batch_size_, self.mixed_precision_
            ),
            params,
            opt_state,
            data,
            order,
            key,
        )
        n_values = parameter_count(model.networks)
        _fitting.log_cost(
            logger,
            method=self.method,
            encoded=encoded,
            modes=self.transformer_.modes_by_label,
            cond_width=0,
            n_values=n_values,
            memory_bytes=_fitting.memory_estimate(n_values, data),
            compile_seconds=self.compile_seconds_,
            device=self.device,
            bfloat16=self.mixed_precision_,
        )

        def run_epoch() -> dict[str, float]:
            nonlocal params, opt_state, order, key
            key, epoch_key = jax.random.split(key)
            params, opt_state, losses = compiled(
                params, opt_state, data, order, epoch_key
            )
            # The host draws the next order while the device runs this epoch.
            order = next_order()
            return _loss_dict(losses)

        self.loss_history_, self.interrupted_ = training.run_epochs(
            _fitting.logging_first_epoch(run_epoch, logger, self.config["epochs"]),
            self.config["epochs"],
            progress,
            logger,
        )
        nnx.update(model.networks, params)
        self._model = model
        self._generate_run = make_generate_batch(
            model, _fitting.samples_in_bfloat16(self.config, self.device)
        )

    def _matrix_source(
        self, model: TVAEModel, conditions: list[Condition], rng: np.random.Generator
    ) -> MatrixSource:
        """Rows drawn unsteered; conditions are met by keeping only rows that do."""
        key = key_from_rng(rng)
        host_rng = rng if self.device.platform == "cpu" else None

        def source(count: int) -> DrawnRows:
            nonlocal key
            key, batch_key = jax.random.split(key)
            with jax.default_device(self.device):
                return DrawnRows(
                    *generate_batch(
                        model, self._generate_run, count, batch_key, host_rng
                    )
                )

        return source

    def _batch_threads(
        self,
    ) -> contextlib.AbstractContextManager[BatchThreads | None]:
        return _fitting.batch_threads(self.device)

    def decode_noise(self, noise: np.ndarray) -> np.ndarray:
        """The decoder's raw output for given latent codes.

        Nothing random is drawn, so two generators holding the same weights
        (on either backend) give the same numbers for the same codes.

        Args:
            noise: ``(n, embedding_dim)`` latent codes.

        Returns:
            ``(n, encoded width)`` float32 raw (pre-activation) rows.

        Raises:
            NotFittedError: Called before fit.
        """
        model = self._fitted_model()
        with jax.default_device(self.device):
            raw = model.decoder(jnp.asarray(noise, jnp.float32))
        return np.asarray(raw, dtype=np.float32)

    def _network_arrays(self, model: TVAEModel) -> dict[str, np.ndarray]:
        return {
            **module_arrays(model.encoder, "encoder"),
            **module_arrays(model.decoder, "decoder"),
        }

    def _restore_model(self, arrays: Mapping[str, np.ndarray]) -> TVAEModel:
        layout = SpanLayout.from_spans(self.transformer_.spans)
        with jax.default_device(self.device):
            model = build_model(self.config, layout, np.random.default_rng(0))
            load_module_arrays(model.encoder, arrays, "encoder")
            load_module_arrays(model.decoder, arrays, "decoder")
        self._generate_run = make_generate_batch(
            model, _fitting.samples_in_bfloat16(self.config, self.device)
        )
        return model
