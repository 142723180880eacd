"""The lab: what researchers do with runs.

Experiments (grids, common random numbers, executors), the results store, statistics,
reports, validation studies and the command line sit here, above the model. The
model's modules (``sim/*.py``) never import this package.
"""
