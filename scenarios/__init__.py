"""The bundled scenario files (TOML data, not code), shipped in the wheel.

``sim.scenario.load_scenario("tiny")`` finds ``tiny.toml`` here through
:mod:`importlib.resources`, in a checkout and in a normal (non-editable) install alike.
"""
