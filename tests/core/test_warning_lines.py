"""The data plane's warnings name the user's line on every call path.

``Column 'note' is missing in every row`` used a fixed stacklevel, right
for ``SyntheticGenerator.fit`` and wrong for a related-tables fit, which
reaches the data plane through more of our frames.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from genesis import SyntheticGenerator
from genesis.multitable import MultiTableGenerator, RelationalSchema


def empty_note_warnings(fit) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    return [w for w in caught if "missing in every row" in str(w.message)]


def test_an_all_missing_column_warning_names_the_callers_line() -> None:
    table = pd.DataFrame({"amount": np.arange(40.0), "note": [None] * 40})
    direct = empty_note_warnings(
        lambda: SyntheticGenerator("gaussian_copula", seed=0).fit(table)
    )
    assert [w.filename for w in direct] == [__file__]

    tables = {
        "shops": pd.DataFrame({"shop_id": [1, 2, 3], "size": [1.0, 2.0, 3.0]}),
        "sales": table.assign(shop_id=np.arange(40) % 3 + 1),
    }
    schema = (
        RelationalSchema()
        .add_table("shops", primary_key="shop_id")
        .add_table("sales")
        .add_relationship("sales", "shop_id", "shops", "shop_id")
    )
    related = empty_note_warnings(
        lambda: MultiTableGenerator(schema, seed=0).fit(tables)
    )
    assert related and {w.filename for w in related} == {__file__}
