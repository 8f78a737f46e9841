"""Genesis on PyTorch: the CTGAN and TVAE generators.

Users reach these through ``genesis.SyntheticGenerator(method="ctgan")`` or
``method="tvae"``; the classes here are the implementations the ``genesis``
plugin registry finds through this package's entry point.
"""

from genesis_torch.ctgan import CTGANGenerator
from genesis_torch.tvae import TVAEGenerator

__all__ = ["CTGANGenerator", "TVAEGenerator"]
