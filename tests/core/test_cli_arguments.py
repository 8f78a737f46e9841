"""Errors about the command's options name the options the user typed.

``genesis generate m.genesis -n -5`` answered "n_rows must be zero or more",
``--batch-size 0`` "try batch_size=65536", ``--device cuda`` on a CPU build
"use device='cpu'": the Python keywords behind the options, which the user
never wrote. And ``--device gpu`` was taken though ``--help`` lists cpu,
cuda and auto.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis.cli import main


@pytest.fixture
def model(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"amount": rng.gamma(2.0, 10.0, 50), "n": rng.integers(0, 9, 50)}
    )
    path = tmp_path / "m.genesis"
    SyntheticGenerator("gaussian_copula", seed=0).fit(frame, progress=False).save(path)
    return path


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (["-n", "-5"], "argument -n/--rows: '-5' is not a whole number of rows"),
        (["-n", "ten"], "argument -n/--rows: 'ten' is not a whole number of rows"),
        (
            ["-n", "5", "--batch-size", "0"],
            "argument --batch-size: '0' is not a whole number of rows above 0; "
            "the default is 65536",
        ),
        (
            ["-n", "5", "--device", "gpu"],
            "argument --device: 'gpu' is not a device; use cpu, cuda, cuda:N",
        ),
        (["-n", "5", "--device", "cuda:one"], "argument --device: 'cuda:one'"),
    ],
)
def test_bad_generate_options_are_named_as_typed(
    model: Path, options: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = model.with_name("out.csv")

    with pytest.raises(SystemExit) as exit_:
        main(["generate", str(model), *options, "-o", str(out)])

    assert exit_.value.code == 2
    message = capsys.readouterr().err
    assert problem in message
    assert "n_rows" not in message and "batch_size" not in message
    assert not out.exists()


@pytest.mark.parametrize("device", ["cpu", "cuda:1", "auto"])
def test_the_devices_help_lists_are_taken(model: Path, device: str) -> None:
    # The copula runs on the CPU whatever is asked; the name only is checked.
    out = model.with_name(f"{device.replace(':', '')}.csv")

    assert (
        main(["generate", str(model), "-n", "5", "-o", str(out), "--device", device])
        == 0
    )
    assert len(pd.read_csv(out)) == 5


def test_a_gpu_a_cpu_build_lacks_is_refused_naming_device(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("torch sees a CUDA device here")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"amount": rng.gamma(2.0, 10.0, 64)})
    model = tmp_path / "tvae.genesis"
    config = {"epochs": 1, "batch_size": 32}
    generator = SyntheticGenerator("tvae", backend="torch", config=config, seed=0)
    generator.fit(frame, progress=False).save(model)
    command = ["generate", str(model), "-n", "5", "-o", str(tmp_path / "o.csv")]

    assert main([*command, "--device", "cuda"]) == 2

    message = capsys.readouterr().err
    assert message.startswith("genesis: --device cuda was asked for")
    assert "use --device cpu, or --device auto" in message
    assert "device=" not in message


def test_a_backend_not_installed_is_refused_naming_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d.csv"
    pd.DataFrame({"x": np.arange(30.0)}).to_csv(data, index=False)
    command = ["fit", str(data), "-o", str(tmp_path / "m.genesis"), "--method", "tvae"]

    assert main([*command, "--backend", "mxnet"]) == 2

    message = capsys.readouterr().err
    assert "'mxnet'" in message and "asked by --backend" in message
    assert "backend=" not in message


@pytest.mark.parametrize("folder", [False, True])
def test_fit_takes_a_device_and_checks_it(
    tmp_path: Path, folder: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    # fit had no --device, though a seed repeats only on one device.
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"amount": rng.gamma(2.0, 10.0, 40), "kind": ["a", "b"] * 20})
    (tmp_path / "data").mkdir()
    table.to_csv(tmp_path / "data" / "sales.csv", index=False)
    data = tmp_path / "data" if folder else tmp_path / "data" / "sales.csv"
    model = tmp_path / "m.genesis"
    fit = ["fit", str(data), "-o", str(model), "--method", "gaussian_copula"]

    assert main([*fit, "--device", "cpu"]) == 0
    with pytest.raises(SystemExit) as exit_:
        main([*fit, "--device", "gpu"])
    assert exit_.value.code == 2
    assert "argument --device: 'gpu' is not a device" in capsys.readouterr().err
