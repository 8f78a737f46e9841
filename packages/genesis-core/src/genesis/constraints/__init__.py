"""Rules every real row keeps, kept by every synthetic row too.

Pass constraints to the generator; they work with every method::

    from genesis import SyntheticGenerator
    from genesis.constraints import FixedCombinations, Inequality, Range

    generator = SyntheticGenerator(
        method="gaussian_copula",
        constraints=[
            Inequality("start_date", "end_date"),
            Range("age", low=18, high=99),
            FixedCombinations(["city", "state"]),
        ],
    )

``fit`` checks that the training data meets every constraint and refuses it,
naming the constraint, the columns and an example row, when it does not:
rows are never dropped or changed. A row where a constrained column is
missing is not checked and is generated with its missing values as they come.

How each rule is kept:

- :class:`Inequality` on two numeric or two datetime columns is modelled by
  a transform: the model learns one column and the gap ``high - low`` in
  place of the other (``high``, or ``low`` when only ``low`` holds
  fractions), and the gap is never below the smallest gap seen in training,
  so ``low <= high`` holds by construction.
- :class:`Range` holds because generated values never leave the range seen
  in training, which ``fit`` checked lies inside the bounds.
- :class:`FixedCombinations` repairs a generated row whose combination was
  never seen: the first column (or the one a condition fixes) is kept, and
  the others take a combination seen with it in training, drawn by its
  frequency.

Whatever slips through (an inequality on discrete columns, a column in two
constraints, a value rounded onto the wrong side) is removed by rejection
and made up with more rows, so every row returned meets every constraint.

Dates that Genesis reads from text (``"2024-03-20"``), whole numbers
declared as dates or Python ``date`` and ``datetime`` objects are compared
as the instants they stand for. An :class:`Inequality` on them is modelled
by the same transform, with the gap written in the column's own layout or
type; times with a zone or UTC offsets, and text in several layouts, are
kept by rejection instead. Either way they come back in the user's form.

Rules written as data, such as the JSON file ``genesis fit --constraints``
reads, become constraints with :func:`read_constraints` (a file) or
:func:`constraints_from_rules` (a list of dicts).
"""

# The generators import these from here too; they are not public API.
from genesis.constraints._apply import (  # noqa: F401
    check_constraints,
    constraints_from_state,
    constraints_to_state,
    fit_constraints,
    inverse_transform_frame,
    rows_meeting_constraints,
    transform_frame,
)
from genesis.constraints._base import Constraint
from genesis.constraints._combinations import FixedCombinations
from genesis.constraints._inequality import Inequality
from genesis.constraints._range import Range
from genesis.constraints._rules import constraints_from_rules, read_constraints

__all__ = [
    "Constraint",
    "FixedCombinations",
    "Inequality",
    "Range",
    "constraints_from_rules",
    "read_constraints",
]
