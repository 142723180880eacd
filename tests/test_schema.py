"""The generic TOML-to-dataclass validator (sim/schema.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sim import schema
from sim.errors import ScenarioError


@dataclass(frozen=True)
class Inner:
    """A nested table."""

    share: float = schema.documented(0.5, doc="a share", unit="share", min=0.0, max=1.0)


@dataclass(frozen=True)
class Outer:
    """A small schema."""

    name: str = schema.documented(doc="required", nonempty=True)
    size: float = schema.documented(1.0, doc="a size", unit="km", above=0.0)
    inner: Inner = schema.documented(Inner(), doc="a table")  # noqa: RUF009
    items: tuple[str, ...] = schema.documented((), doc="a list")

    def __post_init__(self) -> None:
        if self.size == 13.0:
            raise ValueError("size: expected anything but 13, got 13")


def build(data):
    return schema.build(Outer, data, "", "f.toml")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 10**400])
def test_non_finite_numbers_are_refused_with_the_path(value):
    with pytest.raises(ScenarioError, match=r"^f\.toml: inner\.share: expected a finite number"):
        build({"name": "x", "inner": {"share": value}})


def test_limits_name_the_field_and_unit():
    with pytest.raises(ScenarioError, match=r"size: expected a value > 0 km, got 0\.0"):
        build({"name": "x", "size": 0})
    with pytest.raises(ScenarioError, match=r"inner\.share: expected a value <= 1, got 1\.5"):
        build({"name": "x", "inner": {"share": 1.5}})
    with pytest.raises(ScenarioError, match=r"name: expected a non-empty value"):
        build({"name": ""})


def test_a_dataclass_check_is_reported_at_its_field():
    with pytest.raises(ScenarioError, match=r"^f\.toml: size: expected anything but 13"):
        build({"name": "x", "size": 13})


def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("v = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"nested too deeply|not valid TOML"):
        schema.read_toml(deep, "deep.toml")


def test_a_byte_order_mark_is_accepted(tmp_path):
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbfname = 'x'\n")
    assert build(schema.read_toml(bom, "bom.toml")).name == "x"


def test_set_dotted_refuses_an_empty_key():
    with pytest.raises(ScenarioError, match="dotted field path"):
        schema.set_dotted({}, "a..b", 1, "--set")


def test_scenario_keeps_its_public_names():
    from sim.scenario import FrozenParams, field_paths, scenario_from_dict, to_dict

    assert FrozenParams is schema.FrozenParams and to_dict is schema.to_dict
    assert callable(field_paths) and callable(scenario_from_dict)
