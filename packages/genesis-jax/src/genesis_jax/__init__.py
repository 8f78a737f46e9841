"""Genesis on JAX: CTGAN, TVAE and TimeGAN with compiled training steps.

Users reach these through ``genesis.SyntheticGenerator(method=..., backend="jax")``
or ``genesis.generators.timeseries.TimeGANGenerator(..., backend="jax")``; the
classes are the implementations the ``genesis`` plugin registry finds through
this package's entry point.
"""

from genesis_jax.ctgan import CTGANGenerator
from genesis_jax.tvae import TVAEGenerator

__all__ = ["CTGANGenerator", "TVAEGenerator"]
