"""What only the torch backend's TimeGAN path checks; what every backend does
alike is tested in ``tests/backends/test_timegan.py``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genesis import SyntheticGenerator
from genesis.errors import InvalidDataError

pytest.importorskip("genesis_torch")


def test_synthetic_generator_sends_sequences_to_the_front_door() -> None:
    frame = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 4})
    generator = SyntheticGenerator("timegan", config={"iterations": 1})
    with pytest.raises(InvalidDataError, match=r"genesis\.generators\.timeseries"):
        generator.fit(frame, progress=False)
