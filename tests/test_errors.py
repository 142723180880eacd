"""The error hierarchy and "did you mean" (sim/errors.py)."""

from __future__ import annotations

import pytest

from sim.errors import (
    BudgetError,
    PolicyError,
    RecruitsimError,
    ScenarioError,
    UnknownNameError,
    did_you_mean,
)


def test_every_error_is_a_recruitsim_error():
    for cls in (ScenarioError, UnknownNameError, PolicyError, BudgetError):
        assert issubclass(cls, RecruitsimError)
    assert issubclass(UnknownNameError, KeyError)  # so dict-style lookups can catch it


def test_scenario_error_names_source_and_path():
    err = ScenarioError("my.toml", "vacancy.location", "expected a string, got integer 3")
    assert str(err) == "my.toml: vacancy.location: expected a string, got integer 3"
    assert err.source == "my.toml" and err.path == "vacancy.location"
    assert str(ScenarioError("my.toml", "", "not valid TOML")) == "my.toml: not valid TOML"


def test_unknown_name_error_is_not_quoted_like_a_key_error():
    err = UnknownNameError("strategy", "brod", ["broad", "interest"])
    assert str(err) == "unknown strategy 'brod'; did you mean 'broad'?"
    with pytest.raises(KeyError):
        raise err


def test_did_you_mean():
    assert did_you_mean("occupaton", ["occupation", "location"]) == "; did you mean 'occupation'?"
    # Nothing close: a short list of choices is spelled out, a long one is not.
    assert did_you_mean("zzz", ["a", "b"]) == "; expected one of 'a', 'b'"
    assert did_you_mean("zzz", [f"name{i}" for i in range(20)]) == ""
    # With no known names there is nothing to suggest: no dangling "expected one of".
    assert did_you_mean("x", []) == ""
