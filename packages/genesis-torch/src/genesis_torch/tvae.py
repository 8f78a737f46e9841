"""TVAE on PyTorch: a variational autoencoder for tables.

The method of Xu et al., "Modeling Tabular Data using Conditional GAN"
(NeurIPS 2019), section on TVAE: an encoder and a decoder of fully connected
layers, a learned output scale per continuous scalar, and a loss of
``loss_factor`` times the reconstruction error plus the KL divergence of the
latent code from a standard normal.

Weight names (see :mod:`genesis_torch._common` for the scheme):
``encoder.layers.<i>``, ``encoder.mean``, ``encoder.logvar``,
``decoder.layers.<i>``, ``decoder.output`` and ``decoder.sigma`` (one value
per CONTINUOUS_SCALAR span, in the order of the encoded matrix).
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from genesis import training
from genesis._config import ConfigSpec
from genesis.data import EncodedTable, PreparedTable
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
from genesis_torch import _fitting
from genesis_torch._common import (
    SpanLayout,
    bfloat16_product,
    build_module,
    load_module_arrays,
    module_arrays,
    resolve_device,
    seeded_generator,
)

__all__ = [
    "Decoder",
    "Encoder",
    "TVAEGenerator",
    "generate_batch",
    "train_epoch",
    "vae_step",
]

logger = logging.getLogger(__name__)

STATE_VERSION = 1


# The keys and defaults are the core's, shared with the jax backend.
CONFIG_SPEC: ConfigSpec = training.TVAE_CONFIG_SPEC


# -- networks -------------------------------------------------------------------


def _linear_stack(input_dim: int, hidden: Sequence[int]) -> nn.ModuleList:
    widths = [input_dim, *hidden]
    return nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(widths))


class Encoder(nn.Module):
    """Encoded row in, mean and log-variance of its latent code out."""

    def __init__(
        self, data_dim: int, hidden: Sequence[int], embedding_dim: int
    ) -> None:
        super().__init__()
        self.layers = _linear_stack(data_dim, hidden)
        width = hidden[-1] if hidden else data_dim
        self.mean = nn.Linear(width, embedding_dim)
        self.logvar = nn.Linear(width, embedding_dim)

    def forward(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = rows
        for layer in self.layers:
            hidden = torch.relu(layer(hidden))
        return self.mean(hidden), self.logvar(hidden)


class Decoder(nn.Module):
    """Latent code in, raw encoded row out; holds the scalars' output scales."""

    def __init__(
        self, embedding_dim: int, hidden: Sequence[int], data_dim: int, n_scalars: int
    ) -> None:
        super().__init__()
        self.layers = _linear_stack(embedding_dim, hidden)
        width = hidden[-1] if hidden else embedding_dim
        self.output = nn.Linear(width, data_dim)
        self.sigma = nn.Parameter(torch.empty(n_scalars))

    def reset_parameters(self) -> None:
        nn.init.constant_(self.sigma, SIGMA_START)

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        hidden = code
        for layer in self.layers:
            hidden = torch.relu(layer(hidden))
        return self.output(hidden)

    @torch.inference_mode()
    def sample(
        self, code: torch.Tensor, float32_columns: torch.Tensor | None = None
    ) -> torch.Tensor:
        """:meth:`forward` for generation.

        Args:
            code: ``(n, embedding_dim)`` float32 latent codes.
            float32_columns: None for float32 products throughout; otherwise
                the products take bfloat16 operands (see
                :func:`~genesis_torch._common.bfloat16_product`) except for
                these output columns.
        """
        if float32_columns is None:
            return self(code)
        hidden = code.to(torch.bfloat16)
        for layer in self.layers:
            hidden = torch.relu_(bfloat16_product(hidden, layer.weight, layer.bias))
        output = self.output
        return bfloat16_product(hidden, output.weight, output.bias, float32_columns)


@dataclass
class TVAEModel:
    """The networks and optimizer of one TVAE fit."""

    encoder: Encoder
    decoder: Decoder
    optimizer: _fitting.FlatAdam | torch.optim.Optimizer
    layout: SpanLayout
    embedding_dim: int
    loss_factor: float


def build_model(
    config: Mapping[str, Any],
    layout: SpanLayout,
    device: torch.device,
    generator: torch.Generator,
) -> TVAEModel:
    """Networks initialised from ``generator``, with one Adam optimizer."""
    n_scalars = int(layout.scalar_columns.numel())
    encoder = build_module(
        lambda: Encoder(layout.width, config["compress_dims"], config["embedding_dim"]),
        device,
        generator,
    )
    decoder = build_module(
        lambda: Decoder(
            config["embedding_dim"], config["decompress_dims"], layout.width, n_scalars
        ),
        device,
        generator,
    )
    with torch.no_grad():
        decoder.reset_parameters()
    both = nn.ModuleList([encoder, decoder])
    return TVAEModel(
        encoder=encoder,
        decoder=decoder,
        optimizer=_fitting.adam(both, LEARNING_RATE, config["l2scale"], ADAM_BETAS),
        layout=layout,
        embedding_dim=config["embedding_dim"],
        loss_factor=float(config["loss_factor"]),
    )


# -- training ---------------------------------------------------------------------


def reconstruction_loss(
    raw: torch.Tensor,
    rows: torch.Tensor,
    targets: torch.Tensor,
    layout: SpanLayout,
    sigma: torch.Tensor,
) -> torch.Tensor:
    """Negative log-likelihood of ``rows`` under the decoder's output, per row.

    Scalars are Gaussian around ``tanh(raw)`` with scale ``sigma``; one-hot
    spans are categorical with the softmax of ``raw``, whose cross-entropy
    is the span's log-sum-exp minus the logit of the hot slot. Constant
    terms are left out.
    """
    n_rows = rows.shape[0]
    columns = layout.scalar_columns
    error = rows.index_select(1, columns) - torch.tanh(raw.index_select(1, columns))
    total = (error**2 / (2 * sigma**2)).sum() + torch.log(sigma).sum() * n_rows
    if layout.n_one_hot:
        hot_logits = raw.gather(1, targets)
        total = total + layout.one_hot_logsumexp(raw).sum() - hot_logits.sum()
    return total / n_rows


def vae_step(
    model: TVAEModel,
    rows: torch.Tensor,
    targets: torch.Tensor,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One update of encoder and decoder on a batch.

    Args:
        model: The networks and optimizer.
        rows: ``(batch, width)`` encoded rows.
        targets: ``(batch, n_one_hot)`` column of the hot slot of each
            one-hot span, as :meth:`SpanLayout.one_hot_targets` gives them.
        generator: Source of the reparameterisation noise.

    Returns:
        The reconstruction loss and the KL divergence per row, detached.
    """
    # Under mixed precision the networks answer in bfloat16; the likelihood
    # and the KL divergence sum over the batch, so they are taken in float32.
    mean, logvar = (half.float() for half in model.encoder(rows))
    noise = torch.randn(
        mean.shape, generator=generator, device=mean.device, dtype=mean.dtype
    )
    code = mean + noise * torch.exp(0.5 * logvar)
    raw = model.decoder(code).float()
    sigma = model.decoder.sigma
    reconstruction = reconstruction_loss(raw, rows, targets, model.layout, sigma)
    kl = -0.5 * (1 + logvar - mean**2 - logvar.exp()).sum() / rows.shape[0]
    model.optimizer.zero_grad(set_to_none=True)
    (model.loss_factor * reconstruction + kl).backward()
    model.optimizer.step()
    with torch.no_grad():
        sigma.clamp_(*SIGMA_RANGE)
    return reconstruction.detach(), kl.detach()


def train_epoch(
    model: TVAEModel,
    data: torch.Tensor,
    targets: torch.Tensor,
    batch_size: int,
    generator: torch.Generator,
) -> dict[str, float]:
    """One pass over ``data`` in shuffled batches; returns the mean losses."""
    n_rows = data.shape[0]
    order = torch.randperm(n_rows, generator=generator, device=data.device)
    # One gather per epoch; each batch is then a slice, not a copy.
    shuffled = data.index_select(0, order)
    shuffled_targets = targets.index_select(0, order)
    totals = data.new_zeros(len(LOSS_NAMES))
    steps = 0
    for start in range(0, n_rows, batch_size):
        batch = slice(start, start + batch_size)
        reconstruction, kl = vae_step(
            model, shuffled[batch], shuffled_targets[batch], generator
        )
        totals += torch.stack(
            [model.loss_factor * reconstruction + kl, reconstruction, kl]
        )
        steps += 1
    means = (totals / steps).tolist()
    return dict(zip(LOSS_NAMES, means, strict=True))


@torch.inference_mode()
def generate_batch(
    model: TVAEModel,
    n: int,
    generator: torch.Generator,
    rng: np.random.Generator,
    bfloat16: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` rows ready for decoding, drawn from the decoder's distribution.

    Scalars get Gaussian noise of their learned scale around ``tanh`` of the
    output; each one-hot span gets a slot drawn from its softmax, not
    always the likeliest one. ``generator`` draws the normals and ``rng``
    the uniforms of the slots (see
    :meth:`~genesis_torch._common.SpanLayout.sample_activate`). ``bfloat16``
    multiplies in bfloat16, except for the scalars (see
    :func:`genesis.training.samples_in_bfloat16`).

    Returns:
        The ``(n, width)`` matrix, whose one-hot columns hold raw logits,
        and the ``(n, n_one_hot)`` slot drawn in each one-hot span.
    """
    layout = model.layout
    device = layout.scalar_mask.device
    code = torch.randn(
        n, model.embedding_dim, generator=generator, device=device, dtype=torch.float32
    )
    exact = layout.scalar_columns if bfloat16 else None
    with _fitting.no_autocast(device):
        raw = model.decoder.sample(code, exact)
        rows, picked = layout.sample_activate(raw, generator, rng)
    columns = layout.scalar_columns
    noise = torch.randn(
        n, len(columns), generator=generator, device=device, dtype=torch.float32
    )
    rows[:, columns] += noise * model.decoder.sigma
    return rows, picked


# -- the generator --------------------------------------------------------------------


class TVAEGenerator(TableModel):
    """TVAE on PyTorch, registered as method ``"tvae"``, backend ``"torch"``.

    Args:
        config: Config keys of :data:`CONFIG_SPEC`; missing keys take their
            defaults.
        seed: Makes fit and generate reproducible on one device.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (None): a GPU when torch
            sees one.

    Raises:
        InvalidConfigError: A key is unknown or out of range.

    Attributes:
        loss_history_: One dict of mean losses per finished epoch.
        interrupted_: True when Ctrl-C stopped the fit early.
        mixed_precision_: True when training computed its matrix products
            from reduced-precision inputs, bfloat16 on a CPU and TF32 on
            CUDA (config key ``training_precision``; by default on CUDA and
            on CPUs with AMX, see
            :func:`genesis_torch._fitting.mixed_precision`). Generation
            follows ``sampling_precision``.
        batch_size_: The batch size used: batch_size, or about an eighth of
            the rows for a table smaller than eight batches.
        threads_: CPU threads the fit ran on: torch's setting, or without a
            seed the faster of that and one thread in a trial step (see
            :func:`genesis_torch._fitting.time_trial_steps`).
    """

    method: ClassVar[str] = "tvae"
    backend: ClassVar[str] = "torch"
    config_spec: ClassVar[ConfigSpec] = CONFIG_SPEC
    state_version: ClassVar[int] = STATE_VERSION
    title: ClassVar[str] = "TVAE"
    mixed_precision_: bool = False

    def _resolve_device(self, device: str | None) -> torch.device:
        return resolve_device(device)

    def fit(
        self, prepared: PreparedTable, *, progress: ProgressCallback | None = None
    ) -> None:
        """Learn ``prepared``; Ctrl-C stops after the current step, model usable."""
        with _fitting.fit_modes(self.device):
            # A fit that fails leaves the generator unfitted, never half-replaced.
            self._model = None
            rng = np.random.default_rng(self.seed)
            torch_generator = seeded_generator(rng, self.device)
            encoded = self._fit_transformer(prepared, rng)
            self.batch_size_ = training.fit_batch_size(
                self.config["batch_size"], prepared.n_rows
            )

            layout = SpanLayout.from_spans(encoded.spans, self.device)
            model = build_model(self.config, layout, self.device, torch_generator)
            data = torch.as_tensor(encoded.matrix, device=self.device)
            targets = torch.as_tensor(
                layout.one_hot_targets(encoded.matrix), device=self.device
            )
            self._log_cost(model, encoded, data, targets)
            self._model = model
            _fitting.train(
                self,
                lambda: train_epoch(
                    model, data, targets, self.batch_size_, torch_generator
                ),
                progress,
                logger,
            )
            model.encoder.eval()
            model.decoder.eval()

    def _log_cost(
        self,
        model: TVAEModel,
        encoded: EncodedTable,
        data: torch.Tensor,
        targets: torch.Tensor,
    ) -> None:
        """Time a trial step on a copy of the model and log what the fit costs."""
        trial = copy.deepcopy(model)
        trial_generator = torch.Generator(device=self.device).manual_seed(0)
        head = slice(0, self.batch_size_)
        _fitting.log_fit_cost(
            self,
            logger,
            encoded=encoded,
            modules=(model.encoder, model.decoder),
            tensors=(data, targets),
            trial_step=lambda: vae_step(
                trial, data[head], targets[head], trial_generator
            ),
            steps=-(-data.shape[0] // self.batch_size_),
            cond_width=0,
        )

    def _matrix_source(
        self, model: TVAEModel, conditions: list[Condition], rng: np.random.Generator
    ) -> MatrixSource:
        """Rows drawn unsteered; conditions are met by keeping only rows that do."""
        torch_generator = seeded_generator(rng, self.device)
        bfloat16 = _fitting.samples_in_bfloat16(self)

        def source(count: int) -> DrawnRows:
            rows, picked = generate_batch(model, count, torch_generator, rng, bfloat16)
            return DrawnRows(rows.cpu().numpy(), picked.cpu().numpy())

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
        code = torch.as_tensor(noise, dtype=torch.float32, device=self.device)
        with torch.inference_mode(), _fitting.no_autocast(self.device):
            raw = model.decoder(code)
        return raw.float().cpu().numpy()

    def _network_arrays(self, model: TVAEModel) -> dict[str, np.ndarray]:
        return {
            **module_arrays(model.encoder, "encoder"),
            **module_arrays(model.decoder, "decoder"),
        }

    def _restore_model(self, arrays: Mapping[str, np.ndarray]) -> TVAEModel:
        layout = SpanLayout.from_spans(self.transformer_.spans, self.device)
        placeholder = torch.Generator(device=self.device).manual_seed(0)
        model = build_model(self.config, layout, self.device, placeholder)
        load_module_arrays(model.encoder, arrays, "encoder")
        load_module_arrays(model.decoder, arrays, "decoder")
        model.encoder.eval()
        model.decoder.eval()
        return model
