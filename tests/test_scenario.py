"""Scenario loading and validation (sim/scenario.py).

Every bad file must be refused with a ScenarioError whose one-line message names the
file, the dotted field path, what was expected and what came.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from helpers import REPO, SCENARIO_FILES

from sim import geography, occupations
from sim.errors import ScenarioError
from sim.scenario import (
    Scenario,
    field_paths,
    load_scenario,
    replace_path,
    scenario_from_dict,
    to_dict,
)

VALID = """\
name = "welder-test"
description = "a valid scenario the bad-input cases start from"

[population]
regions = ["Rogaland"]
size = 3000

[population.search_state]
active = 0.2
open_passive = 0.57
closed = 0.23

[vacancy]
occupation = "welder"
location = "Stavanger"
min_experience_years = 1
max_distance_km = 40

[vacancy.creative]
image = "neutral"

[budget]
total = 5000

[campaign]
days = 5
objective = "clicks"

[[platforms]]
name = "facebook"
policy = "employment"

[[platforms]]
name = "linkedin"

[[market.segments]]
gender = "female"
age_min = 25
age_max = 44
price_multiplier = 1.3
"""


def _write(tmp_path, text: str, name: str = "bad.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _edit(old: str, new: str) -> str:
    assert old in VALID, old
    return VALID.replace(old, new, 1)


# (case id, file text, dotted path in the message, fragments the message must contain)
BAD_FILES = [
    (
        "unknown-key",
        _edit('occupation = "welder"', 'occupaton = "welder"'),
        "vacancy.occupaton",
        ["unknown key", "did you mean 'occupation'"],
    ),
    (
        "unknown-top-level-table",
        VALID + "\n[campagin]\ndays = 3\n",
        "campagin",
        ["unknown key", "did you mean 'campaign'"],
    ),
    (
        "string-for-number",
        _edit("total = 5000", 'total = "lots"'),
        "budget.total",
        ["expected a number", "'lots'"],
    ),
    (
        "bool-for-number",
        _edit("total = 5000", "total = true"),
        "budget.total",
        ["expected a number", "True"],
    ),
    (
        "float-for-integer",
        _edit("days = 5", "days = 2.5"),
        "campaign.days",
        ["expected an integer", "2.5"],
    ),
    (
        "number-for-string",
        _edit('location = "Stavanger"', "location = 12"),
        "vacancy.location",
        ["expected a string", "12"],
    ),
    (
        "scalar-for-table",
        _edit('[vacancy.creative]\nimage = "neutral"', "").replace(
            "max_distance_km = 40", 'max_distance_km = 40\ncreative = "nice"'
        ),
        "vacancy.creative",
        ["expected a table"],
    ),
    (
        "negative-budget",
        _edit("total = 5000", "total = -100"),
        "budget.total",
        ["> 0 NOK", "-100"],
    ),
    ("zero-budget", _edit("total = 5000", "total = 0"), "budget.total", ["> 0"]),
    (
        "scale-above-one",
        _edit("size = 3000", "scale = 1.5"),
        "population.scale",
        ["<= 1", "1.5"],
    ),
    ("days-zero", _edit("days = 5", "days = 0"), "campaign.days", [">= 1", "0"]),
    (
        "bad-choice-objective",
        _edit('objective = "clicks"', 'objective = "clik"'),
        "campaign.objective",
        ["reach | awareness | clicks | applications", "'clik'", "did you mean 'clicks'"],
    ),
    (
        "bad-choice-platform",
        _edit('name = "linkedin"', 'name = "linkedn"'),
        "platforms[1].name",
        ["did you mean 'linkedin'"],
    ),
    (
        "bad-choice-in-array-of-tables",
        _edit('gender = "female"', 'gender = "women"'),
        "market.segments[0].gender",
        ["female | male | any", "'women'"],
    ),
    (
        "search-state-not-summing-to-one",
        _edit("closed = 0.23", "closed = 0.33"),
        "population.search_state",
        ["summing to 1", "1.1"],
    ),
    (
        "unknown-occupation",
        _edit('occupation = "welder"', 'occupation = "weldr"'),
        "vacancy.occupation",
        ["unknown occupation 'weldr'", "did you mean 'welder'"],
    ),
    (
        "unknown-location",
        _edit('location = "Stavanger"', 'location = "Stavangr"'),
        "vacancy.location",
        ["unknown place 'Stavangr'", "did you mean 'Stavanger'"],
    ),
    (
        "unknown-region",
        _edit('regions = ["Rogaland"]', 'regions = ["Rogalnd"]'),
        "population.regions[0]",
        ["unknown region 'Rogalnd'", "did you mean 'Rogaland'"],
    ),
    (
        "missing-required-field",
        _edit('location = "Stavanger"\n', ""),
        "vacancy.location",
        ["missing required field"],
    ),
    (
        "platform-listed-twice",
        _edit('name = "linkedin"', 'name = "facebook"'),
        "platforms",
        ["listed twice"],
    ),
    (
        "segment-ages-reversed",
        _edit("age_max = 44", "age_max = 20"),
        "market.segments[0]",
        ["age_min <= age_max"],
    ),
]


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_bundled_scenario_loads(path):
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert scenario.name == path.stem
    assert scenario.vacancy.occupation in occupations.OCCUPATION_IDS
    assert scenario.budget.total > 0
    # By name (as the CLI does) gives the same scenario as by path.
    assert load_scenario(str(path.relative_to(REPO / "scenarios").with_suffix(""))) == scenario


def test_bundled_scenarios_exist():
    names = {p.stem for p in SCENARIO_FILES}
    assert {"tiny", "electrician-bergen"} <= names


@pytest.mark.parametrize(
    ("text", "dotted", "fragments"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_bad_file_is_refused_naming_file_and_field(tmp_path, text, dotted, fragments):
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    message = str(err)
    assert err.source == str(path)
    assert err.path == dotted
    assert message.startswith(f"{path}: {dotted}: "), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert "\n" not in message


def test_the_valid_base_file_loads(tmp_path):
    scenario = load_scenario(_write(tmp_path, VALID, "good.toml"))
    assert scenario.vacancy.occupation == "welder"
    assert [p.name for p in scenario.platforms] == ["facebook", "linkedin"]
    assert scenario.market.segments[0].price_multiplier == 1.3


def test_malformed_toml_names_the_file(tmp_path):
    path = _write(tmp_path, VALID.replace("total = 5000", "total = = 5000"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "not valid TOML" in message
    assert "line" in message  # where in the file
    assert "\n" not in message


def test_missing_file_suggests_a_bundled_name():
    with pytest.raises(ScenarioError) as info:
        load_scenario("tny")
    assert "tny" in str(info.value)
    assert "did you mean 'tiny'" in str(info.value)


def test_overrides_are_validated_and_name_the_file_and_path():
    with pytest.raises(ScenarioError) as info:
        load_scenario("tiny", {"vacancy.occupaton": "nurse"})
    assert "tiny" in str(info.value)
    assert "vacancy.occupaton" in str(info.value)
    assert "did you mean 'occupation'" in str(info.value)
    with pytest.raises(ScenarioError, match=r"budget\.total.*> 0 NOK"):
        load_scenario("tiny", {"budget.total": -1})


def test_overrides_apply(tiny):
    scenario = load_scenario("tiny", {"population.size": 5000, "campaign.objective": "reach"})
    assert scenario.population.size == 5000
    assert scenario.campaign.objective == "reach"
    assert scenario.vacancy == tiny.vacancy


@pytest.mark.parametrize(
    ("obj", "attr"),
    [
        (lambda s: s, "name"),
        (lambda s: s.vacancy, "location"),
        (lambda s: s.vacancy.creative, "image"),
        (lambda s: s.budget, "total"),
        (lambda s: s.population.search_state, "active"),
        (lambda s: s.platforms[0], "policy"),
        (lambda s: s.market.segments[0], "price_multiplier"),
    ],
)
def test_scenario_dataclasses_are_frozen(tiny, obj, attr):
    target = obj(tiny)
    before = getattr(target, attr)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(target, attr, before)
    assert isinstance(tiny.platforms, tuple)
    assert isinstance(tiny.population.regions, tuple)


def test_frozen_scenario_cannot_be_changed_in_place(tiny):
    """A validated scenario must not change after validation (its hash is its identity).

    ``strategy.params`` is a plain dict inside the frozen dataclass, so it can be mutated
    in place (bypassing validation and changing ``content_hash``), and it makes the
    frozen scenario unhashable.
    """
    scenario = replace_path(tiny, "strategy.params", {"frequency_cap": 3})
    with pytest.raises(TypeError):
        scenario.strategy.params["frequency_cap"] = "not validated"
    assert hash(scenario) == hash(replace_path(tiny, "strategy.params", {"frequency_cap": 3}))


def test_replace_path_returns_a_validated_copy(tiny):
    changed = replace_path(tiny, "budget.total", 9999)
    assert changed.budget.total == 9999.0
    assert tiny.budget.total == 1500.0  # the original is untouched
    assert changed.vacancy == tiny.vacancy
    deeper = replace_path(tiny, "vacancy.creative.image", "woman")
    assert deeper.vacancy.creative.image == "woman"
    assert deeper.vacancy.creative.message == tiny.vacancy.creative.message


@pytest.mark.parametrize(
    ("dotted", "value", "fragment"),
    [
        ("budget.total", -5, "> 0 NOK"),
        ("population.scale", 2.0, "<= 1"),
        ("campaign.objective", "clik", "did you mean 'clicks'"),
        ("campaign.dayz", 3, "did you mean 'days'"),
        ("vacancy.occupation", "electrican", "did you mean 'electrician'"),
        ("population.search_state.active", 0.9, "summing to 1"),
    ],
)
def test_replace_path_validates(tiny, dotted, value, fragment):
    with pytest.raises(ScenarioError) as info:
        replace_path(tiny, dotted, value)
    assert fragment in str(info.value)
    assert str(info.value).startswith("--set: ")


def test_replace_path_through_a_scalar_is_refused(tiny):
    with pytest.raises(ScenarioError, match=r"vacancy\.location.*not a table"):
        replace_path(tiny, "vacancy.location.x", 1)


def test_round_trip_through_plain_data(tiny):
    assert scenario_from_dict(to_dict(tiny)) == tiny


def test_content_hash_is_stable_and_tracks_content(tiny):
    again = load_scenario("tiny")
    assert re.fullmatch(r"[0-9a-f]{64}", tiny.content_hash)
    assert tiny.content_hash == again.content_hash
    changed = replace_path(tiny, "budget.total", 1501)
    assert changed.content_hash != tiny.content_hash
    back = replace_path(changed, "budget.total", 1500)
    assert back.content_hash == tiny.content_hash
    assert replace_path(tiny, "campaign.objective", "reach").content_hash != tiny.content_hash
    assert replace_path(tiny, "description", "other").content_hash != tiny.content_hash


@pytest.mark.parametrize(
    ("dotted", "value", "known"),
    [
        ("vacancy.occupation", "nurs", occupations.OCCUPATION_IDS),
        ("vacancy.location", "Trondhiem", geography.PLACE_OR_REGION_NAMES),
        ("population.regions", ["Nordlnd"], geography.REGION_NAMES),
    ],
)
def test_unknown_catalogue_names_are_rejected_with_a_suggestion(tiny, dotted, value, known):
    with pytest.raises(ScenarioError) as info:
        replace_path(tiny, dotted, value)
    suggestion = re.search(r"did you mean '([^']+)'\?", str(info.value))
    assert suggestion, str(info.value)
    assert suggestion.group(1) in known


def test_field_paths_cover_the_schema():
    paths = [p for p, _ in field_paths()]
    assert len(paths) == len(set(paths))
    for expected in (
        "name",
        "vacancy.occupation",
        "vacancy.creative.image",
        "population.search_state.active",
        "platforms.policy",
        "market.segments.price_multiplier",
        "optimiser.use_demographics",
    ):
        assert expected in paths
    for path, f in field_paths():
        assert f.metadata.get("doc"), f"{path} has no doc"


def test_every_field_is_documented_in_scenarios_readme():
    readme = REPO / "scenarios" / "README.md"
    assert readme.is_file(), "scenarios/README.md is missing"
    text = readme.read_text(encoding="utf-8")
    missing = [p for p, _ in field_paths() if p not in text]
    assert not missing, f"fields not documented in scenarios/README.md: {missing}"


def _allowed_cells() -> dict[str, str]:
    """The ``allowed`` cell of each field row of scenarios/README.md, by dotted path."""
    cells = {}
    for line in (REPO / "scenarios" / "README.md").read_text(encoding="utf-8").splitlines():
        parts = [p.strip() for p in re.split(r"(?<!\\)\|", line)]  # (not at an escaped \|)
        if len(parts) == 7 and re.fullmatch(r"`[\w.]+`", parts[1]):
            cells[parts[1].strip("`")] = parts[4]
    return cells


def _numbers(cell: str) -> set[float]:
    """Every number written in ``cell`` (``10,000,000``, ``0.5``, ``1e9``, ``−1``)."""
    found = re.findall(r"[-−]?\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?", cell)
    return {float(n.replace(",", "").replace("−", "-")) for n in found}


def test_the_allowed_column_of_scenarios_readme_gives_the_schemas_limits():
    """Every bound and choice the schema enforces is written in the field's row."""
    cells = _allowed_cells()
    wrong = []
    for path, f in field_paths():
        meta = f.metadata
        if path not in cells:  # only an employer's copies of [vacancy] and [pipeline]
            assert path.startswith(("employers.vacancy.", "employers.pipeline.",
                                    "employers.strategy.")), f"{path} has no row"  # fmt: skip
            continue  # (documented as "as vacancy.*", checked in their own rows)
        cell = cells[path]
        bounds = [meta[k] for k in ("min", "max", "above") if k in meta]
        missing = [b for b in bounds if float(b) not in _numbers(cell)]
        missing += [c for c in meta.get("choices", ()) if c not in cell]
        if missing:
            wrong.append(f"{path}: {cell.strip()!r} lacks {missing}")
    assert not wrong, "\n".join(wrong)
