"""What the torch generators do alike around training: optimizer, threads, memory.

The framework-free parts (batch size, epoch loop, logs, saved state) are in
:mod:`genesis.training` and :mod:`genesis.table_model`, shared with the jax
backend.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from torch import nn

from genesis import training
from genesis._callers import caller_stacklevel
from genesis.data import EncodedTable
from genesis.errors import TrainingDivergedError
from genesis.protocols import ProgressCallback
from genesis_torch._common import parameter_count

__all__ = [
    "FlatAdam",
    "adam",
    "batch_threads",
    "fit_modes",
    "log_fit_cost",
    "memory_estimate",
    "mixed_precision",
    "no_autocast",
    "samples_in_bfloat16",
    "thread_count",
    "time_trial_steps",
    "train",
    "uses_bfloat16",
]

logger = logging.getLogger(__name__)

# A seeded fit warns when one thread runs a step this many times faster.
_SLOW_THREADS_FACTOR = 2.0
# Adam keeps two moments per value and the backward pass one gradient.
_VALUES_PER_PARAMETER = 4


@contextlib.contextmanager
def fit_modes(device: torch.device) -> Iterator[None]:
    """Autograd on and autocast off for the block, whatever the caller's modes.

    A fit called inside ``torch.no_grad()`` would find no gradients, one
    inside ``torch.inference_mode()`` would build networks whose weights
    cannot be trained, and one inside ``torch.autocast`` would run layers
    in a precision the losses were not written for. The caller's modes are
    back on when the block ends.
    """
    with torch.inference_mode(False), torch.enable_grad(), no_autocast(device):
        yield


def no_autocast(device: torch.device) -> contextlib.AbstractContextManager[None]:
    """The caller's ``torch.autocast`` off: the networks choose their precision.

    Generation under the caller's autocast would hand bfloat16 rows to the
    decoding in numpy, which has no bfloat16.
    """
    return torch.autocast(device.type, enabled=False)


def _cpu_matmul_setting() -> Any:
    """torch's oneDNN matrix-product settings, or None in a torch without them."""
    matmul = getattr(torch.backends.mkldnn, "matmul", None)
    return matmul if hasattr(matmul, "fp32_precision") else None


@contextlib.contextmanager
def _set(setting: Any, name: str, value: object) -> Iterator[None]:
    """``setting.name = value`` for the block, then the previous value again."""
    previous = getattr(setting, name)
    setattr(setting, name, value)
    try:
        yield
    finally:
        setattr(setting, name, previous)


def _reduced_float32_products(
    setting: Any, precision: str
) -> contextlib.AbstractContextManager[None]:
    # float32 tensors stay float32, and so do the products' results: only the
    # inputs of each product are rounded (oneDNN: to bfloat16, which AMX
    # tiles multiply in hardware; CUDA: to TF32 for the tensor cores). Unlike
    # autocast this adds no cast per operation, which at a batch of 500 rows
    # costs about what the faster products save, and rounds no layer's
    # output: under bfloat16 autocast a TVAE fit on Adult scored 0.39-0.41
    # (sdmetrics quality, 3 seeds, CPU) against 0.87-0.88 in float32.
    return _set(setting, "fp32_precision", precision)


def _cuda_tf32_products(setting: Any) -> contextlib.AbstractContextManager[None]:
    """TF32 products with float32 results, under either of torch's CUDA switches."""
    if hasattr(setting, "fp32_precision"):
        return _reduced_float32_products(setting, "tf32")
    # torch releases before 2.9 name the switch allow_tf32.
    return _set(setting, "allow_tf32", True)


def mixed_precision(
    device: torch.device, enabled: bool
) -> contextlib.AbstractContextManager[object]:
    """Reduced-precision matrix products for training steps on ``device``.

    On a CPU, float32 products whose inputs oneDNN rounds to bfloat16 (it
    does so on CPUs with AMX units; elsewhere the products stay float32). On
    CUDA, float32 products on TF32 tensor cores. Results stay float32 on
    both.

    Args:
        device: Where the networks live.
        enabled: Whether to; see :func:`genesis.training.trains_in_bfloat16`.
    """
    if not enabled:
        return contextlib.nullcontext()
    if device.type == "cpu":
        return _reduced_float32_products(_cpu_matmul_setting(), "bf16")
    return _cuda_tf32_products(torch.backends.cuda.matmul)


@functools.cache
def _cpu_rounds_products() -> bool:
    """Whether oneDNN's bfloat16 setting changes float32 products on this CPU.

    It does where oneDNN has bfloat16 kernels for float32 products (CPUs
    with AMX); elsewhere, AMD Zen 4 for one, the setting is accepted and the
    products stay float32. Tried once: 1 + 2**-12 is 1 in bfloat16.
    """
    setting = _cpu_matmul_setting()
    if setting is None:
        return False
    values = torch.full((32, 32), 1.0 + 2.0**-12, dtype=torch.float32)
    with _reduced_float32_products(setting, "bf16"):
        rounded = values @ values
    return not torch.equal(rounded, values @ values)


def uses_bfloat16(impl: Any) -> bool:
    """Whether ``impl``'s config and device call for bfloat16 products.

    On a CPU only where oneDNN then rounds products' inputs to bfloat16 (see
    :func:`_cpu_rounds_products`): asking for "bfloat16" on another CPU
    logs a warning and trains in float32, and ``mixed_precision_`` says so.
    """
    wanted = training.trains_in_bfloat16(
        impl.config["training_precision"], impl.device.type
    )
    if wanted and impl.device.type == "cpu" and not _cpu_rounds_products():
        logger.warning(
            "training_precision='bfloat16' has no effect on this CPU: torch "
            "multiplies float32 matrices in bfloat16 only on CPUs with AMX "
            "units. Training in float32."
        )
        return False
    return wanted


def samples_in_bfloat16(impl: Any) -> bool:
    """Whether ``impl``'s config and device call for bfloat16 generation.

    See :func:`genesis.training.samples_in_bfloat16`; generation casts its
    operands to bfloat16 tensors, which every torch release runs.
    """
    return training.samples_in_bfloat16(
        impl.config["sampling_precision"], impl.device.type
    )


def train(
    impl: Any,
    run_epoch: Callable[[], dict[str, float]],
    progress: ProgressCallback | None,
    log: logging.Logger,
) -> None:
    """Run ``impl``'s epochs on its chosen threads, in its training precision.

    Sets ``impl.loss_history_`` and ``impl.interrupted_``;
    ``impl.threads_`` and ``impl.mixed_precision_`` come from
    :func:`log_fit_cost`. A fit that diverges leaves ``impl`` unfitted.

    Raises:
        TrainingDivergedError: An epoch's losses are not finite.
    """
    try:
        with (
            thread_count(impl.threads_),
            mixed_precision(impl.device, impl.mixed_precision_),
        ):
            impl.loss_history_, impl.interrupted_ = training.run_epochs(
                run_epoch, impl.config["epochs"], progress, log
            )
    except TrainingDivergedError:
        impl._model = None
        raise


def log_fit_cost(
    impl: Any,
    log: logging.Logger,
    *,
    encoded: EncodedTable,
    modules: Sequence[nn.Module],
    tensors: Sequence[torch.Tensor],
    trial_step: Callable[[], object],
    steps: int,
    cond_width: int,
) -> None:
    """Time a trial step, choose the thread count, and log what the fit costs.

    Args:
        impl: The generator being fitted; gets ``threads_`` and
            ``mixed_precision_`` (see :func:`uses_bfloat16`).
        log: The generator module's logger.
        encoded: The encoded training table.
        modules: The networks, for their parameter count.
        tensors: Training data held on the device, for the memory estimate.
        trial_step: Runs one training step on a throwaway copy of the model.
        steps: Steps per epoch.
        cond_width: Width of the conditional vector (0 for none).
    """
    n_values = parameter_count(*modules)
    impl.mixed_precision_ = bfloat16 = uses_bfloat16(impl)
    with mixed_precision(impl.device, bfloat16):
        step_seconds, impl.threads_ = time_trial_steps(
            trial_step, impl.device, adaptive=impl.seed is None
        )
    training.log_cost(
        log,
        method=impl.method,
        encoded=encoded,
        modes=impl.transformer_.modes_by_label,
        cond_width=cond_width,
        n_values=n_values,
        memory_bytes=memory_estimate(n_values, *tensors),
        step_seconds=step_seconds,
        steps=steps,
        epochs=impl.config["epochs"],
        device=impl.device,
        threads=impl.threads_,
        bfloat16=bfloat16,
    )


class FlatAdam:
    """Adam, with L2 weight decay as ``torch.optim.Adam`` takes it, over one buffer.

    The parameters become views into one flat tensor, and their gradients
    views into another, so a step is a handful of whole-buffer operations
    and clearing the gradients is one fill. ``torch.optim.Adam`` walks its
    list of parameter tensors in Python on every step: for the few small
    layers of CTGAN and TVAE that bookkeeping, not the arithmetic, was most
    of its cost (about 0.8 ms of a 12 ms TVAE step on two threads). Autograd
    adds each new gradient into the existing view in place, so the views
    stay attached to the buffer from step to step.

    Args:
        parameters: Tensors of one dtype and device, each given once.
        lr: Learning rate.
        weight_decay: L2 penalty added to the gradient.
        betas: Decay rates of the first and second moments.
        eps: Added to the root of the second moment.
    """

    def __init__(
        self,
        parameters: Sequence[nn.Parameter],
        lr: float,
        weight_decay: float,
        betas: tuple[float, float],
        eps: float = 1e-8,
    ) -> None:
        first = parameters[0]
        sizes = [p.numel() for p in parameters]
        self.values = torch.empty(sum(sizes), dtype=first.dtype, device=first.device)
        self.gradients = torch.zeros_like(self.values)
        with torch.no_grad():
            for parameter, values, gradient in zip(
                parameters,
                self.values.split(sizes),
                self.gradients.split(sizes),
                strict=True,
            ):
                values.copy_(parameter.reshape(-1))
                parameter.data = values.view_as(parameter)
                parameter.grad = gradient.view_as(parameter)
        self.first_moment = torch.zeros_like(self.values)
        self.second_moment = torch.zeros_like(self.values)
        self._denominator = torch.empty_like(self.values)
        self.lr = lr
        self.weight_decay = weight_decay
        self.betas = betas
        self.eps = eps
        self.steps = 0

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients (kept as zeros, so the views stay in place)."""
        self.gradients.zero_()

    @torch.no_grad()
    def step(self) -> None:
        """One Adam update of every parameter from its gradient."""
        self.steps += 1
        beta1, beta2 = self.betas
        gradients = self.gradients
        if self.weight_decay:
            gradients.add_(self.values, alpha=self.weight_decay)
        self.first_moment.lerp_(gradients, 1 - beta1)
        self.second_moment.mul_(beta2).addcmul_(gradients, gradients, value=1 - beta2)
        root_correction = math.sqrt(1 - beta2**self.steps)
        denominator = torch.sqrt(self.second_moment, out=self._denominator)
        denominator.div_(root_correction).add_(self.eps)
        step_size = self.lr / (1 - beta1**self.steps)
        self.values.addcdiv_(self.first_moment, denominator, value=-step_size)


def adam(
    module: nn.Module, lr: float, weight_decay: float, betas: tuple[float, float]
) -> FlatAdam | torch.optim.Adam:
    """Adam over ``module``'s trainable parameters.

    :class:`FlatAdam` when they share one dtype and device (always, for the
    networks built here); otherwise torch's own, fused where it can be.
    """
    parameters = [p for p in module.parameters() if p.requires_grad]
    if len({(p.dtype, p.device) for p in parameters}) == 1:
        return FlatAdam(parameters, lr, weight_decay, betas)
    on_cpu = all(p.device.type == "cpu" for p in parameters)
    fused = not on_cpu or torch.__version__ >= "2.4"
    return torch.optim.Adam(
        parameters,
        lr=lr,
        betas=betas,
        weight_decay=weight_decay,
        fused=fused or None,
        foreach=None if fused else True,
    )


@contextlib.contextmanager
def batch_threads(device: torch.device) -> Iterator[training.BatchThreads | None]:
    """One generation thread per torch CPU thread, each running torch on one.

    Generation is a chain of small operations, several of them (the random
    draws, the decoding in numpy) on one thread whatever torch's setting, so
    whole batches side by side keep the cores busier than one batch split
    across them. Every batch multiplies on one thread however many there
    are, so the rows do not depend on the thread count. A GPU runs batches
    in turn, and so does one torch thread. The threads are kept for later
    calls (:meth:`~genesis.training.BatchThreads.shared`).
    """
    workers = torch.get_num_threads()
    if device.type != "cpu" or workers < 2:
        yield None
        return
    try:
        threads = training.BatchThreads.shared(workers, _one_torch_thread)
    finally:
        # torch.set_num_threads on a batch thread, as it starts, also changed
        # the count that threads started later begin with; put back the
        # caller's before anything else runs.
        torch.set_num_threads(workers)
    yield threads


def _one_torch_thread() -> None:
    # torch sets a thread's count from the process-wide one the first time
    # the thread asks for it; ask first, or that later first use would undo
    # the setting once the caller's count is put back.
    torch.get_num_threads()
    torch.set_num_threads(1)


@contextlib.contextmanager
def thread_count(threads: int) -> Iterator[None]:
    """Run torch's CPU operations on ``threads`` threads, then restore the setting."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def time_trial_steps(
    run_step: Callable[[], None], device: torch.device, *, adaptive: bool = False
) -> tuple[float, int]:
    """Time a training step with torch's thread count and with one thread.

    Small networks gain little from more threads, and on a busy machine
    threads that wait for each other can make a step many times slower.
    Results on CPU can differ in their last bits between thread counts, so
    only an ``adaptive`` fit (one without a seed) switches to the faster
    count; a seeded fit keeps torch's count, so that it repeats exactly, and
    a warning says when one thread would be much faster.

    Args:
        run_step: Runs one step on a throwaway copy of the model.
        device: Where the step runs; on a GPU the thread count is kept.
        adaptive: Pick the faster thread count.

    Returns:
        Seconds of one step with the chosen count, and that count.
    """
    current = torch.get_num_threads()
    candidates = [current] if device.type != "cpu" or current == 1 else [current, 1]
    seconds: dict[int, float] = {}
    for threads in candidates:
        with thread_count(threads):
            for _ in range(2):
                start = time.perf_counter()
                run_step()
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                elapsed = time.perf_counter() - start
                seconds[threads] = min(seconds.get(threads, elapsed), elapsed)
    chosen = min(seconds, key=seconds.__getitem__) if adaptive else current
    single = seconds.get(1, seconds[current])
    if chosen != 1 and single * _SLOW_THREADS_FACTOR < seconds[chosen]:
        warnings.warn(
            f"A training step takes {seconds[chosen]:.3f} s on {chosen} CPU threads "
            f"but {single:.3f} s on one: the CPU is busy, and threads waiting for "
            "each other slow training down. Call torch.set_num_threads(1) before "
            "fitting, or fit without a seed to let the generator choose.",
            stacklevel=caller_stacklevel(),
        )
    return seconds[chosen], chosen


def memory_estimate(n_values: int, *tensors: torch.Tensor) -> int:
    """Bytes held by parameters, gradients, Adam moments and ``tensors``."""
    held = sum(t.numel() * t.element_size() for t in tensors)
    return n_values * 4 * _VALUES_PER_PARAMETER + held
