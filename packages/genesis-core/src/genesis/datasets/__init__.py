"""Real datasets shipped with Genesis, for the demo and for trying things out.

``adult``: UCI Adult (Census Income), training part, 32,561 rows x 15
columns. Becker, B. & Kohavi, R. (1996). Adult. UCI Machine Learning
Repository, CC BY 4.0, https://doi.org/10.24432/C5XW20. Column names added,
surrounding whitespace stripped and ``?`` turned into missing values; nothing
else changed.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["ADULT_DISCRETE_COLUMNS", "load_adult"]

ADULT_DISCRETE_COLUMNS = [
    "workclass",
    "education",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "native-country",
    "income",
]


def load_adult() -> pd.DataFrame:
    """Return the UCI Adult table (32,561 rows) bundled with the package."""
    with resources.files(__package__).joinpath("adult.csv.gz").open("rb") as handle:
        return pd.read_csv(handle, compression="gzip")
