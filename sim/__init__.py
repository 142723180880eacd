"""recruitsim: an agent-based simulator of targeting strategies in social recruiting.

The public entry points:

- :func:`sim.scenario.load_scenario` reads and validates a scenario file;
- :func:`sim.model.run` runs one strategy on one scenario;
- :func:`sim.lab.experiment.replicate` runs paired replications of several strategies;
- :class:`sim.model.RecruitingModel` is the Mesa model behind a run.
"""

__version__ = "0.4.0"
