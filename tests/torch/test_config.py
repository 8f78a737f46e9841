"""What only the torch backend checks in its arguments; the config keys every
backend shares are tested in ``tests/backends/test_config.py``."""

from __future__ import annotations

import pytest

from genesis.errors import InvalidConfigError
from genesis_torch import CTGANGenerator


def test_cuda_without_a_gpu_is_a_clear_error() -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(InvalidConfigError, match="no CUDA device"):
        CTGANGenerator(device="cuda")


@pytest.mark.parametrize("device", [None, "auto"])
def test_a_model_whose_auto_device_was_a_gpu_unpickles_on_a_cpu_only_machine(
    device: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A model made where "auto" found a GPU is sent to a Dask worker without
    # one. The pickle carried the resolved "cuda", which the worker refused
    # ("this torch build sees no CUDA device"); it now carries what was
    # asked, and the worker resolves it to its own CPU.
    import pickle

    torch = pytest.importorskip("torch")
    with monkeypatch.context() as gpu_here:
        gpu_here.setattr(torch.cuda, "is_available", lambda: True)
        gpu_here.setattr(torch.cuda, "device_count", lambda: 1)
        made = CTGANGenerator({"epochs": 1}, seed=0, device=device)
        assert made.device.type == "cuda"
        sent = pickle.dumps(made)
    received = pickle.loads(sent)
    assert received.device == torch.device("cpu")
    assert received.config == made.config and received.seed == 0


def test_a_timegan_whose_auto_device_was_a_gpu_unpickles_on_a_cpu_only_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # TimeGAN pickled its torch tensors as they were, so one on a GPU would
    # not unpickle without one; it now pickles through its saved state.
    import pickle

    torch = pytest.importorskip("torch")
    from genesis_torch.timegan import TimeGANGenerator

    with monkeypatch.context() as gpu_here:
        gpu_here.setattr(torch.cuda, "is_available", lambda: True)
        gpu_here.setattr(torch.cuda, "device_count", lambda: 1)
        made = TimeGANGenerator({"iterations": 1}, seed=0)
        assert made.device.type == "cuda"
        sent = pickle.dumps(made)
    assert pickle.loads(sent).device == torch.device("cpu")
