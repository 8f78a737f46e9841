"""The shared data plane: user frames to model-facing numbers and back."""

from genesis.data._checks import check_generate_count, check_training_frame
from genesis.data._encoding import (
    ColumnSpan,
    ConditionalSampler,
    EncodedTable,
    SpanKind,
    TableTransformer,
)
from genesis.data._prepare import (
    MISSING_SUFFIX,
    PreparedColumn,
    PreparedTable,
    TablePreparer,
    consecutive_whole_numbers,
    whole_number_range,
)

__all__ = [
    "MISSING_SUFFIX",
    "ColumnSpan",
    "ConditionalSampler",
    "EncodedTable",
    "PreparedColumn",
    "PreparedTable",
    "SpanKind",
    "TablePreparer",
    "TableTransformer",
    "check_generate_count",
    "check_training_frame",
    "consecutive_whole_numbers",
    "whole_number_range",
]
