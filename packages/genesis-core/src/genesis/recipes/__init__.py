"""What each paper fixes about its method, stated once for every backend.

Loss names, loss weights, optimizer settings and activation constants of
CTGAN, TVAE and TimeGAN live here, so that the torch and jax backends (and
third-party ones) cannot drift apart: a model trained on one backend is the
same model as on the other. The config keys a user may change are in
:mod:`genesis.training` (tables) and :mod:`genesis.generators.timeseries`.
"""
