"""Related tables: a schema of keys, and a generator that keeps them intact.

::

    from genesis.multitable import MultiTableGenerator, RelationalSchema

    schema = (
        RelationalSchema()
        .add_table("customers", primary_key="customer_id")
        .add_table("orders", primary_key="order_id")
        .add_relationship("orders", "customer_id", "customers", "customer_id")
    )
    generator = MultiTableGenerator(schema, seed=0).fit(tables)
    synthetic = generator.generate({"customers": 500})

:func:`detect_schema` proposes keys and relationships from a dict of frames;
:func:`genesis.evaluation.evaluate_multitable` scores a generated database.
"""

from genesis.multitable._detect import detect_schema
from genesis.multitable._generator import MultiTableGenerator
from genesis.multitable._schema import (
    OrphanRecord,
    RelationalSchema,
    Relationship,
    find_orphans,
)

__all__ = [
    "MultiTableGenerator",
    "OrphanRecord",
    "RelationalSchema",
    "Relationship",
    "detect_schema",
    "find_orphans",
]
