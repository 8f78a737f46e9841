"""Helpers shared by the torch generators: devices, randomness, spans, weights.

Randomness never comes from torch's global generator: every function that
draws takes a ``torch.Generator``, and networks are built on the ``meta``
device and initialised from one, so a fit is reproducible from its seed
without touching global state.

Saved weights use backend-neutral names, so that a JAX backend can load a
model trained here and the other way round:

* ``<network>.<path>.weight`` and ``.bias`` for a dense layer; ``weight`` has
  shape ``(out_features, in_features)`` (a JAX ``kernel`` is its transpose).
  A :class:`ConditionedLinear` is saved the same way, as the dense layer it
  computes: its conditional inputs are the last columns of ``weight``.
* ``<network>.<path>.scale``, ``.bias``, ``.mean`` and ``.var`` for a batch
  normalisation layer (its affine scale and shift, running mean and variance).
* ``<network>.<name>`` for a free parameter, such as ``decoder.sigma``.

``<path>`` is the module path inside the network: ``layers.0``,
``layers.0.linear``, ``output``... Each network documents its own paths.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import torch
from torch import nn

from genesis.data import ColumnSpan, SpanKind
from genesis.errors import InvalidConfigError, ModelFileError

__all__ = [
    "GUMBEL_TAU",
    "ConditionedLinear",
    "SpanLayout",
    "bfloat16_product",
    "build_module",
    "initialize",
    "load_module_arrays",
    "module_arrays",
    "parameter_count",
    "resolve_device",
    "sampling_uniforms",
    "seeded_generator",
]

logger = logging.getLogger(__name__)

# Temperature of the Gumbel-softmax on one-hot spans during training, as in
# the CTGAN paper: low enough that outputs are close to one-hot.
GUMBEL_TAU = 0.2

_ONE_HOT_KINDS = (SpanKind.MODE_ONE_HOT, SpanKind.CATEGORY_ONE_HOT)

ModuleT = TypeVar("ModuleT", bound=nn.Module)


# -- devices and randomness ---------------------------------------------------


def resolve_device(device: str | torch.device | None) -> torch.device:
    """Turn ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or ``"auto"``/None into a device.

    ``"gpu"`` and ``"gpu:1"`` name the same devices as ``"cuda"`` and
    ``"cuda:1"``, as they do on the jax backend.

    Raises:
        InvalidConfigError: CUDA was asked for and torch sees no CUDA device,
            or fewer than the number asked for, or the name is not a device.
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    name = device
    if isinstance(device, str) and device.partition(":")[0] == "gpu":
        name = "cuda" + device.removeprefix("gpu")
    try:
        resolved = torch.device(name)
    except (RuntimeError, TypeError) as error:
        raise InvalidConfigError(
            f"device={device!r} is not a device torch knows; use 'cpu', 'cuda' "
            "or 'auto'."
        ) from error
    if resolved.type not in ("cpu", "cuda"):
        raise InvalidConfigError(
            f"device={device!r} is not supported; use 'cpu', 'cuda' or 'auto'."
        )
    if resolved.type == "cuda":
        _check_cuda_index(device, resolved.index)
    return resolved


def _check_cuda_index(device: object, index: int | None) -> None:
    """Raise unless torch sees the CUDA device ``index`` (None: the first)."""
    if not torch.cuda.is_available():
        raise InvalidConfigError(
            f"device={device!r} was asked for, but this torch build sees no CUDA "
            "device; use device='cpu', or device='auto' to take a GPU when there "
            "is one."
        )
    count = torch.cuda.device_count()
    # torch would accept the name and fail later, at the first tensor, with
    # "invalid device ordinal" and no word of which setting caused it.
    if index is not None and index >= count:
        raise InvalidConfigError(
            f"device={device!r} was asked for, but torch sees {count} CUDA "
            f"device(s), numbered from 0; use a device from 'cuda:0' to "
            f"'cuda:{count - 1}', or device='auto' to take the first."
        )


def seeded_generator(rng: np.random.Generator, device: torch.device) -> torch.Generator:
    """A torch generator on ``device`` seeded from a draw of ``rng``."""
    generator = torch.Generator(device=device)
    generator.manual_seed(int(rng.integers(0, 2**63 - 1)))
    return generator


def gumbel_noise(
    shape: Sequence[int], generator: torch.Generator, device: torch.device
) -> torch.Tensor:
    """Standard Gumbel noise, ``-log(-log(U))`` with ``U`` uniform.

    Drawn from uniforms because torch's exponential sampler is several times
    slower on CPU.
    """
    noise = torch.rand(
        tuple(shape), generator=generator, device=device, dtype=torch.float32
    )
    # U = 0 would give -log(inf); clamping makes it a very unlikely slot instead.
    return noise.clamp_min_(1e-30).log_().neg_().log_().neg_()


def sampling_uniforms(
    shape: Sequence[int], generator: torch.Generator, rng: np.random.Generator
) -> torch.Tensor:
    """Uniform float32 values in [0, 1) for generation, on ``generator``'s device.

    On a CPU they come from ``rng``, the batch's own numpy generator; on
    other devices ``generator`` draws them where they are used, so nothing
    is copied to the device.
    """
    if generator.device.type != "cpu":
        return torch.rand(
            tuple(shape),
            generator=generator,
            device=generator.device,
            dtype=torch.float32,
        )
    return torch.from_numpy(rng.random(tuple(shape), dtype=np.float32))


# -- building networks --------------------------------------------------------


class ConditionedLinear(nn.Module):
    """A dense layer whose last inputs are one-hot conditional vectors.

    Multiplying a one-hot vector by a weight matrix picks one column, so the
    conditional part of the input is given as positions and its columns are
    gathered. The layer is saved as one dense ``weight`` of shape
    ``(out_features, dense_features + cond_features)`` and a ``bias``, like
    ``nn.Linear``; the two parts are held apart only so that neither forward
    nor backward pass touches the unused columns.

    Args:
        dense_features: Inputs given as a dense matrix.
        cond_features: Inputs that are one-hot (possibly several one-hot
            vectors side by side).
        out_features: Outputs.
    """

    def __init__(
        self, dense_features: int, cond_features: int, out_features: int
    ) -> None:
        super().__init__()
        self.dense_features = dense_features
        self.cond_features = cond_features
        self.out_features = out_features
        self.dense_weight = nn.Parameter(torch.empty(out_features, dense_features))
        # Stored transposed, so that gathering the columns of a position is
        # gathering contiguous rows.
        self.cond_weight = nn.Parameter(torch.empty(cond_features, out_features))
        self.bias = nn.Parameter(torch.empty(out_features))

    @property
    def in_features(self) -> int:
        return self.dense_features + self.cond_features

    def forward(
        self, dense: torch.Tensor, slots: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``dense`` with a one-hot vector at ``slots`` appended, times the weight."""
        if slots is None:
            return nn.functional.linear(dense, self.dense_weight, self.bias)
        # The bias joins the gathered rows, so the matrix product adds both in
        # one call instead of a product followed by a sum.
        shift = nn.functional.embedding(slots, self.cond_weight + self.bias)
        return torch.addmm(shift, dense, self.dense_weight.t())

    def condition(self, positions: torch.Tensor) -> torch.Tensor:
        """Sum over the last axis of the gathered columns at ``positions``.

        Args:
            positions: ``(n, k)`` positions of the ones of ``k`` one-hot
                vectors in the conditional inputs of each of ``n`` rows.

        Returns:
            ``(n, out_features)``, the conditional inputs' share of the output.
        """
        return nn.functional.embedding(positions, self.cond_weight).sum(dim=1)

    def dense_equivalent(self) -> torch.Tensor:
        """The full ``(out_features, in_features)`` weight."""
        return torch.cat([self.dense_weight, self.cond_weight.t()], dim=1)

    def load_dense_equivalent(self, weight: torch.Tensor) -> None:
        """Set both parts from a full ``(out_features, in_features)`` weight."""
        with torch.no_grad():
            self.dense_weight.copy_(weight[:, : self.dense_features])
            self.cond_weight.copy_(weight[:, self.dense_features :].t())


# Rows of inputs copied to float32 at a time by bfloat16_product.
_FLOAT32_ROWS = 512


def bfloat16_product(
    inputs: torch.Tensor,
    weight: torch.Tensor,
    shift: torch.Tensor,
    float32_columns: torch.Tensor | None = None,
) -> torch.Tensor:
    """``shift + inputs @ weight.T`` from bfloat16 operands, for generation.

    The product sums in float32 and rounds its result to bfloat16. For the
    last layer, ``float32_columns`` names the outputs that must not be
    rounded (continuous values, whose 8-bit rounding would put them on a
    visible grid): those are recomputed from float32 operands, and the whole
    result is returned as float32.

    Args:
        inputs: ``(n, k)`` bfloat16.
        weight: ``(out, k)`` float32, as ``nn.Linear`` holds it.
        shift: float32 bias ``(out,)``, or one shift per row ``(n, out)``.
        float32_columns: Output columns to compute in float32, or None for a
            hidden layer (bfloat16 result).
    """
    low = torch.addmm(shift.to(torch.bfloat16), inputs, weight.t().to(torch.bfloat16))
    if float32_columns is None:
        return low
    result = low.float()
    if not float32_columns.numel():
        return result
    # A float32 copy of the inputs in slices of rows, not all at once: for
    # CTGAN's last layer the whole copy is four times the output's size.
    columns_weight = weight[float32_columns].t()
    columns_shift = shift[..., float32_columns]
    for start in range(0, inputs.shape[0], _FLOAT32_ROWS):
        rows = slice(start, start + _FLOAT32_ROWS)
        row_shift = columns_shift if columns_shift.dim() == 1 else columns_shift[rows]
        result[rows, float32_columns] = torch.addmm(
            row_shift, inputs[rows].float(), columns_weight
        )
    return result


def build_module(
    factory: Callable[[], ModuleT], device: torch.device, generator: torch.Generator
) -> ModuleT:
    """Build a network on ``device`` with weights drawn from ``generator``.

    The network is first built on the ``meta`` device, so its constructor
    draws nothing from torch's global generator.
    """
    with torch.device("meta"):
        # The caller's default dtype may be float64; our networks are float32.
        module = factory().float()
    module = module.to_empty(device=device)
    initialize(module, generator)
    return module


def initialize(module: nn.Module, generator: torch.Generator) -> None:
    """Give every layer torch's default initial values, drawn from ``generator``."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.Linear):
                nn.init.kaiming_uniform_(layer.weight, a=5**0.5, generator=generator)
                if layer.bias is not None:
                    bound = 1 / layer.in_features**0.5
                    nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
            elif isinstance(layer, ConditionedLinear):
                full = torch.empty(
                    layer.out_features,
                    layer.in_features,
                    device=layer.bias.device,
                    dtype=layer.bias.dtype,
                )
                nn.init.kaiming_uniform_(full, a=5**0.5, generator=generator)
                layer.load_dense_equivalent(full)
                bound = 1 / layer.in_features**0.5
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
            elif isinstance(layer, nn.BatchNorm1d):
                layer.reset_parameters()


def parameter_count(*modules: nn.Module) -> int:
    """Number of trainable values in ``modules``."""
    return sum(p.numel() for m in modules for p in m.parameters())


# -- spans --------------------------------------------------------------------


@dataclass(frozen=True)
class SpanLayout:
    """Index tensors that apply per-span maths to a whole batch in a few ops.

    Every column belongs to a *segment*: each one-hot span is one segment
    (numbered first, in matrix order) and each scalar column is a segment of
    its own. A softmax within spans is then a segment-wise softmax over the
    whole row, done with a handful of gather and scatter operations whatever
    the number of spans.

    Attributes:
        width: Width of the encoded matrix.
        scalar_columns: Positions of the CONTINUOUS_SCALAR columns.
        scalar_mask: ``(width,)`` True on CONTINUOUS_SCALAR columns.
        segment: ``(width,)`` segment of each column.
        n_segments: One-hot spans plus scalar columns.
        n_one_hot: One-hot spans; they are segments ``0..n_one_hot - 1``.
        one_hot_starts: ``(n_one_hot,)`` first column of each one-hot span.
        one_hot_bounds: ``(start, stop)`` of each one-hot span.
        category_index: ``(n_category, max_category_width)`` columns of each
            CATEGORY_ONE_HOT span, in matrix order, padded with ``width``
            (the position of an appended ``-inf`` column).
    """

    width: int
    scalar_columns: torch.Tensor
    scalar_mask: torch.Tensor
    segment: torch.Tensor
    n_segments: int
    n_one_hot: int
    one_hot_starts: torch.Tensor
    one_hot_bounds: tuple[tuple[int, int], ...]
    category_index: torch.Tensor

    @classmethod
    def from_spans(
        cls, spans: Sequence[ColumnSpan], device: torch.device
    ) -> SpanLayout:
        width = max((s.stop for s in spans), default=0)
        scalar = [s.start for s in spans if s.kind == SpanKind.CONTINUOUS_SCALAR]
        one_hot = [s for s in spans if s.kind in _ONE_HOT_KINDS]
        categories = [s for s in spans if s.kind == SpanKind.CATEGORY_ONE_HOT]
        segment = np.zeros(width, dtype=np.int64)
        for number, span in enumerate(one_hot):
            segment[span.start : span.stop] = number
        segment[scalar] = len(one_hot) + np.arange(len(scalar))
        mask = np.zeros(width, dtype=bool)
        mask[scalar] = True

        def tensor(values: Sequence[int] | np.ndarray) -> torch.Tensor:
            return torch.as_tensor(np.asarray(values, dtype=np.int64), device=device)

        return cls(
            width=width,
            scalar_columns=tensor(scalar),
            scalar_mask=torch.as_tensor(mask, device=device),
            segment=tensor(segment),
            n_segments=len(one_hot) + len(scalar),
            n_one_hot=len(one_hot),
            one_hot_starts=tensor([s.start for s in one_hot]),
            one_hot_bounds=tuple((s.start, s.stop) for s in one_hot),
            category_index=tensor(_padded_index(categories, width)),
        )

    def segment_max(self, values: torch.Tensor) -> torch.Tensor:
        """``(batch, n_segments)`` maximum of each segment, without gradient."""
        with torch.no_grad():
            index = self.segment.expand(values.shape[0], -1)
            start = values.new_full((values.shape[0], self.n_segments), float("-inf"))
            return start.scatter_reduce_(1, index, values, "amax")

    def segment_sum(self, values: torch.Tensor) -> torch.Tensor:
        """``(batch, n_segments)`` sum of each segment."""
        zeros = values.new_zeros(values.shape[0], self.n_segments)
        return zeros.index_add(1, self.segment, values)

    def gumbel_activate(
        self, raw: torch.Tensor, generator: torch.Generator, tau: float = GUMBEL_TAU
    ) -> torch.Tensor:
        """tanh on scalars, Gumbel-softmax on one-hot spans (differentiable)."""
        scalars = torch.tanh(raw)
        if self.n_one_hot == 0:
            return scalars
        logits = (raw + gumbel_noise(raw.shape, generator, raw.device)) / tau
        peaks = self.segment_max(logits).index_select(1, self.segment)
        weights = torch.exp(logits - peaks)
        soft = weights / self.segment_sum(weights).index_select(1, self.segment)
        return torch.where(self.scalar_mask, scalars, soft)

    def sample_activate(
        self, raw: torch.Tensor, generator: torch.Generator, rng: np.random.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """tanh on the scalars of ``raw`` (in place), and a slot drawn per span.

        Each one-hot span's slot is drawn from the softmax of its logits by
        inverting the cumulative distribution with one uniform per span and
        row (:func:`sampling_uniforms`): the same distribution as the arg-max
        of the logits plus Gumbel noise, for a fraction of the random values
        and no logarithms.

        Returns:
            ``raw`` with activated scalars (its one-hot columns unchanged),
            and ``(batch, n_one_hot)`` int64 slots, spans in matrix order.
        """
        raw[:, self.scalar_columns] = torch.tanh(raw[:, self.scalar_columns])
        uniforms = sampling_uniforms((raw.shape[0], self.n_one_hot), generator, rng)
        slots = []
        for number, (start, stop) in enumerate(self.one_hot_bounds):
            logits = raw[:, start:stop]
            weights = torch.exp(logits - logits.amax(dim=1, keepdim=True))
            cumulative = torch.cumsum(weights, dim=1)
            # Slot j when the first j running sums lie at or below u * total.
            threshold = uniforms[:, number : number + 1] * cumulative[:, -1:]
            slots.append((cumulative[:, :-1] <= threshold).sum(dim=1))
        if not slots:
            return raw, torch.zeros(
                (raw.shape[0], 0), dtype=torch.int64, device=raw.device
            )
        return raw, torch.stack(slots, dim=1)

    def one_hot_logsumexp(self, raw: torch.Tensor) -> torch.Tensor:
        """``(batch, n_one_hot)`` log-sum-exp of the logits of each one-hot span."""
        peaks = self.segment_max(raw)
        weights = torch.exp(raw - peaks.index_select(1, self.segment))
        sums = self.segment_sum(weights)[:, : self.n_one_hot]
        return torch.log(sums) + peaks[:, : self.n_one_hot]

    def one_hot_targets(self, matrix: np.ndarray) -> np.ndarray:
        """Column of the hot slot of each one-hot span, per row.

        Returns:
            int64 array ``(n_rows, n_one_hot)`` of positions in the matrix.
        """
        starts = self.one_hot_starts.cpu().numpy()
        segment = self.segment.cpu().numpy()
        targets = np.empty((matrix.shape[0], len(starts)), dtype=np.int64)
        for number, start in enumerate(starts):
            stop = start + int(np.count_nonzero(segment == number))
            targets[:, number] = start + np.argmax(matrix[:, start:stop], axis=1)
        return targets


def _padded_index(spans: Sequence[ColumnSpan], width: int) -> np.ndarray:
    max_width = max((s.width for s in spans), default=0)
    index = np.full((len(spans), max_width), width, dtype=np.int64)
    for row, span in enumerate(spans):
        index[row, : span.width] = np.arange(span.start, span.stop)
    return index


# -- weights <-> backend-neutral arrays -----------------------------------------


def _neutral_entries(module: nn.Module) -> dict[str, torch.Tensor]:
    """Tensors to save, by neutral name; ConditionedLinear weights are copies."""
    entries: dict[str, torch.Tensor] = {}
    for path, layer in module.named_modules():
        prefix = f"{path}." if path else ""
        if isinstance(layer, nn.Linear):
            entries[prefix + "weight"] = layer.weight
            if layer.bias is not None:
                entries[prefix + "bias"] = layer.bias
        elif isinstance(layer, ConditionedLinear):
            entries[prefix + "weight"] = layer.dense_equivalent()
            entries[prefix + "bias"] = layer.bias
        elif isinstance(layer, nn.BatchNorm1d):
            entries[prefix + "scale"] = layer.weight
            entries[prefix + "bias"] = layer.bias
            entries[prefix + "mean"] = layer.running_mean
            entries[prefix + "var"] = layer.running_var
        else:
            for name, parameter in layer.named_parameters(recurse=False):
                entries[prefix + name] = parameter
    return entries


def module_arrays(module: nn.Module, prefix: str) -> dict[str, np.ndarray]:
    """The weights of ``module`` as float32 numpy arrays under neutral names."""
    return {
        f"{prefix}.{name}": tensor.detach().to("cpu", torch.float32).numpy().copy()
        for name, tensor in _neutral_entries(module).items()
    }


def load_module_arrays(
    module: nn.Module, arrays: Mapping[str, np.ndarray], prefix: str
) -> None:
    """Copy arrays saved by :func:`module_arrays` into ``module``.

    Raises:
        ModelFileError: An array is missing or has the wrong shape.
    """
    conditioned = {
        f"{path}.weight" if path else "weight": layer
        for path, layer in module.named_modules()
        if isinstance(layer, ConditionedLinear)
    }
    with torch.no_grad():
        for name, tensor in _neutral_entries(module).items():
            key = f"{prefix}.{name}"
            if key not in arrays:
                raise ModelFileError(
                    f"The model file has no array {key!r}; it was not written by a "
                    "compatible version of this generator."
                )
            value = np.asarray(arrays[key])
            if tuple(value.shape) != tuple(tensor.shape):
                raise ModelFileError(
                    f"Array {key!r} in the model file has shape {value.shape}, the "
                    f"network expects {tuple(tensor.shape)}; the file does not match "
                    "its own config."
                )
            loaded = torch.as_tensor(value, dtype=tensor.dtype, device=tensor.device)
            if name in conditioned:
                conditioned[name].load_dense_equivalent(loaded)
            else:
                tensor.copy_(loaded)
