"""recruitsim against its per-agent Mesa reference (``benchmarks/reference``): a statistical oracle.

The reference delivers the same campaign person by person (one ``mesa.Agent`` each,
hourly ``shuffle_do``, plain Python) with its own random streams; ``sim.model.run``
delivers it with vectorised draws. On the same population, over a few replications,
their results must agree:

- impressions, spend and CPM: replication means within 3 % of each other;
- reach: within 5 %;
- clicks and applications: the difference of the means within three standard errors
  (each side's sample variance over the replications, floored at the Poisson variance
  of its mean count, since a handful of replications can under-estimate it).

Cases cover the employment special ad category (Meta and TikTok with a minimum radius
and no age or sex targeting), standard-policy demographic targeting, frequency caps, a
first-price auction, interest and job-title targeting across platforms, dayparting,
the variance-reduction controller, and the clicks, applications and reach objectives.
People's daily life events are switched off (the reference does not model them), and
the campaign runs to its end. Seeds are fixed, so the test is deterministic.
"""

from __future__ import annotations

import ast
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

import strategies
from sim import model
from sim.population import generate
from sim.scenario import load_scenario
from strategies.base import Strategy

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.reference import model as reference  # noqa: E402

SEED = 4242
# The reference has no life events: both sides run without them.
STILL = {
    "population.state_change_per_day": 0.0,
    "population.layoffs_per_year": 0.0,
    "population.moves_per_year": 0.0,
    "population.graduations_per_year": 0.0,
    "pipeline.stop_when_filled": False,
}
Z = 3.0  # standard errors allowed for clicks and applications


@dataclass(frozen=True)
class Case:
    id: str
    scenario: str
    strategy: str
    people: int
    days: int
    params: dict = field(default_factory=dict)
    overrides: dict = field(default_factory=dict)
    replications: int = 4


CASES = [
    # Meta under the special ad category: location with the minimum radius only.
    # (four times the budget: enough clicks to see a 20 % difference)
    Case("broad-special-ad-category", "electrician-bergen", "broad", 8_000, 2,
         overrides={"budget.total": 80_000}),
    # Demographic targeting where policy allows it (Snapchat), not on Meta; a tight cap.
    Case("demographic-cap-2", "electrician-bergen", "demographic", 8_000, 2,
         params={"frequency_cap": 2}),
    Case("first-price-cap-1", "electrician-bergen", "broad", 8_000, 2,
         params={"frequency_cap": 1}, overrides={"market.auction": "first-price"}),
    Case("interest-applications", "nurse-nordland", "platform-optimized", 6_000, 3),
    Case("multichannel-job-titles", "store-manager-oslo", "multichannel", 10_000, 2),
    Case("dayparting-variance-reduction-reach", "electrician-bergen", "dayparting", 8_000, 2,
         overrides={"optimiser.variance_reduction": True, "campaign.objective": "reach"}),
]  # fmt: skip
SLOW = {"demographic-cap-2", "interest-applications", "multichannel-job-titles",
        "dayparting-variance-reduction-reach"}  # fmt: skip


def _scenario(case: Case):
    return load_scenario(
        case.scenario,
        overrides={
            **STILL,
            "population.size": case.people,
            "campaign.days": case.days,
            **case.overrides,
        },
    )


def _both(case: Case) -> tuple[dict, dict]:
    """Per-metric arrays over replications, (recruitsim, reference), in simulated units."""
    sc = _scenario(case)
    keys = ("impressions", "spend", "reach", "clicks", "applications")
    vec = {k: [] for k in keys}
    ref = {k: [] for k in keys}
    for rep in range(case.replications):
        pop = generate(sc.population, model.run_seeds(SEED, rep).population)
        strategy = strategies.make(case.strategy, **case.params)
        assert type(strategy).update is Strategy.update, "the reference needs a static plan"
        m = model.run(sc, strategy, seed=SEED, replication=rep, population=pop).metrics
        r = reference.run_reference(
            sc, strategies.make(case.strategy, **case.params), SEED, rep, population=pop
        )
        for k in keys:
            vec[k].append(m[k] / pop.weight)
            ref[k].append(getattr(r, k) / pop.weight)
    return {k: np.array(v) for k, v in vec.items()}, {k: np.array(v) for k, v in ref.items()}


def _se(x: np.ndarray) -> float:
    """Standard error of the mean of counts ``x``, at least the Poisson one."""
    return math.sqrt(max(x.var(ddof=1), x.mean()) / x.size)


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.id, marks=[pytest.mark.slow] if c.id in SLOW else []) for c in CASES],
)
def test_reference_agrees_with_recruitsim(case):
    vec, ref = _both(case)
    assert vec["impressions"].min() > 200, "the case must buy enough impressions to compare"

    def rel(key: str) -> float:
        return abs(vec[key].mean() / ref[key].mean() - 1)

    cpm_vec = 1000 * vec["spend"].sum() / vec["impressions"].sum()
    cpm_ref = 1000 * ref["spend"].sum() / ref["impressions"].sum()
    assert rel("spend") < 0.03, (vec["spend"], ref["spend"])
    assert rel("impressions") < 0.03, (vec["impressions"], ref["impressions"])
    assert abs(cpm_vec / cpm_ref - 1) < 0.03, (cpm_vec, cpm_ref)
    assert rel("reach") < 0.05, (vec["reach"], ref["reach"])
    for key in ("clicks", "applications"):
        gap = abs(vec[key].mean() - ref[key].mean())
        se = math.hypot(_se(vec[key]), _se(ref[key]))
        assert gap <= Z * se, f"{key}: recruitsim {vec[key]} vs reference {ref[key]}"


def test_reference_is_reproducible_and_sees_the_same_campaign():
    case = CASES[0]
    sc = _scenario(case)
    pop = generate(sc.population, model.run_seeds(SEED, 0).population)
    a = reference.run_reference(sc, strategies.make("broad"), SEED, 0, population=pop)
    b = reference.run_reference(sc, strategies.make("broad"), SEED, 0, population=pop)
    assert a == b
    c = reference.run_reference(sc, strategies.make("broad"), SEED, 1, population=pop)
    assert c.impressions != a.impressions  # another replication, other draws
    # Only people in some ad set's audience are agents, and not the whole population.
    assert 0 < a.agents < pop.size
    assert set(a.by_adset) == {"broad-facebook", "broad-instagram"}


def test_reference_does_not_use_the_vectorised_delivery_code():
    tree = ast.parse(Path(reference.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
            imported |= {f"{node.module}.{a.name}" for a in node.names}
    assert "sim.market" not in imported
    assert "sim.model" in imported  # shares the seeds and the brief, not the delivery


def test_reference_constants_equal_the_markets():
    from sim import market

    for name in ("FLOOR_SHARE", "HOUR_DEMAND_ELASTICITY", "HOURLY_OVERSPEND",
                 "TRAINING_SAMPLE", "CELL_PRIOR"):  # fmt: skip
        assert getattr(reference, name) == getattr(market, name), name
