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

    generator.save("shop.genesis")  # one file: safetensors + JSON, no pickle
    generator = MultiTableGenerator.load("shop.genesis")

:func:`detect_schema` proposes keys and relationships from a dict of frames;
:func:`genesis.evaluation.evaluate_multitable` scores a generated database.
A saved generator holds no real primary key value: it keeps how fresh keys
are written (prefix, width, first number, alphabet), not the keys.
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
