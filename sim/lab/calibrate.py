"""Calibrate a scenario from an agency's own campaigns (an ads-manager export).

The export's ad sets are **replayed** in the scenario: a private strategy plays each ad
set with its platform, its targeting (parsed from the export's description) and, day
by day, the budget it actually spent. The simulated ads manager's numbers are then
compared with the export's, and the parameters that govern price and response are
moved until they agree.

What is estimated, and from what
--------------------------------
With :math:`m` a vector of log moments of the export (per ad set: cost per 1000
impressions and impressions; per platform: click-through rate; overall:
applications per click) and :math:`\\bar m(\\theta)` the mean of the same moments over
``R`` simulated replications with **common random numbers** (the same seeds at every
:math:`\\theta`), the estimate minimises

.. math::

    \\lVert W^{1/2}\\,(m - \\bar m(\\theta)) \\rVert^2,

with :math:`W` the inverse of the moments' simulated variances. The model's structure
makes this nearly separable, and the fit exploits it in two stages:

1. **Price.** ``market.price_level`` (log scale) and ``market.bid_dispersion`` from the
   CPMs and impressions, by :func:`scipy.optimize.least_squares` with a
   finite-difference Jacobian over the same seeds. CPM scales with the price level;
   dispersion shows only in how the CPMs of ad sets that run short of audience differ
   from the others, so when no ad set does, dispersion is left at its default.
2. **Response.** Clicks and applications do not move the auction, and the click and
   apply probabilities are proportional to ``platforms[].ctr_scale`` and
   ``vacancy.apply_rate_scale``: each is updated by the ratio of observed to simulated
   rate (a fixed point reached in one or two simulations).

Uncertainty
-----------
The fit is linearised at the estimate, :math:`\\hat\\theta - \\theta \\approx G\\,(m -
\\bar m)`, with :math:`G` the two stages' linear maps. Two sources of noise go through
:math:`G`: the export's own (a bootstrap over its days; and, since one export is one
draw of the world, the spread of the ``R`` simulated replications, each a full
synthetic export — the larger of the two is used) and the simulation's (the same
spread divided by ``R``). Intervals are Student-t with ``R - 1`` degrees of freedom
on the estimation scale (log for the multipliers). ``tests/test_calibrate.py`` and
``benchmarks/calibration_recovery.py`` check that exports simulated from known
parameters are fitted back and that the 90 % intervals cover the truth.

Ground truth stays out: the replay strategy sees only the brief and the ads manager's
reports, and the fit reads only those reports.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize, stats

from sim.campaign import AdSet, DeliveryReport, TargetingSpec
from sim.errors import PolicyError, ScenarioError, did_you_mean
from sim.lab.exports import AdSetSeries, CampaignExport, ExportError, parse_targeting
from sim.model import run, run_seeds
from sim.population import Population, generate
from sim.scenario import Scenario, load_scenario, to_dict
from strategies.base import Strategy

SERIES = ("impressions", "clicks", "spend", "applications", "reach")
LEVEL = 0.90  # the intervals' coverage
MIN_CLICKS = 20  # fewer clicks on a platform than this: its CTR scale is not estimated
MIN_APPLICATIONS = 5  # fewer applications than this: the apply scale is not estimated
MAX_DISPERSION_SE = 0.12  # a looser standard error: bid dispersion is not identified
FD_STEP = 0.1  # finite-difference step (log price level; bid dispersion)
BOOTSTRAP = 400  # bootstrap resamples of the export's days


# --------------------------------------------------------------------------- replay


class _Replay(Strategy):
    """Replays an export: each ad set with its targeting and each day's observed spend.

    Parameters
    ----------
    ad_sets : tuple of (name, platform, TargetingSpec)
    budgets : tuple of tuple of float
        Spend per ad set (outer) and day (inner), in the campaign currency.
    """

    id = "replay-v1"
    description = "replays an ads-manager export (calibration only)"

    def __init__(self, *, ad_sets=(), budgets=()):
        self.ad_sets = ad_sets
        self.budgets = budgets

    def reset(self, rng: np.random.Generator, brief) -> None:
        super().reset(rng, brief)
        self.reports_: list[DeliveryReport] = []

    def _day(self, day: int) -> list[AdSet]:
        out = []
        for (name, platform, spec), spend in zip(self.ad_sets, self.budgets, strict=True):
            budget = float(spend[day]) if day < len(spend) else 0.0
            out.append(AdSet(name, platform, spec, budget, end_day=day + 1))
        return out

    def plan(self) -> list[AdSet]:
        return self._day(0)

    def update(self, report: DeliveryReport) -> list[AdSet] | None:
        self.reports_.append(report)
        return self._day(report.day + 1)

    def daily(self) -> dict[str, np.ndarray]:
        """The ads manager's numbers by ad set and day, each of shape (n_ad_sets, n_days).

        ``reach`` is the people reached for the first time that day (the simulated ads
        manager reports reach cumulatively).
        """
        cum = np.array(
            [[[getattr(a, f) for f in SERIES] for a in rep.ad_sets] for rep in self.reports_],
            dtype=float,
        )  # (days, ad sets, series)
        per_day = np.diff(cum, axis=0, prepend=0.0)
        return {f: per_day[:, :, i].T.copy() for i, f in enumerate(SERIES)}


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Parameter:
    """A scenario value the calibration may estimate.

    ``path`` is a dotted scenario path; ``platforms.<name>.ctr_scale`` names a
    platform's entry. ``log`` parameters are estimated on the log scale.
    """

    path: str
    label: str
    default: float
    log: bool
    lower: float
    upper: float

    def to_x(self, value: float) -> float:
        return math.log(value) if self.log else value

    def from_x(self, x: float) -> float:
        return float(np.clip(math.exp(x) if self.log else x, self.lower, self.upper))


def with_values(scenario: Scenario, values: dict[str, float], source: str = "--set") -> Scenario:
    """A copy of ``scenario`` with dotted values set (``platforms.<name>.<field>`` too).

    Raises
    ------
    ScenarioError
        A path is unknown, a platform is not in the scenario or a value is out of range.
    """
    data = to_dict(scenario)
    names = [p["name"] for p in data["platforms"]]
    for path, value in values.items():
        keys = path.split(".")
        if keys[0] == "platforms" and len(keys) == 3:
            if keys[1] not in names:
                raise ScenarioError(
                    source,
                    path,
                    f"platform {keys[1]!r} is not in scenario {scenario.name!r}"
                    + did_you_mean(keys[1], names),
                )
            data["platforms"][names.index(keys[1])][keys[2]] = value
            continue
        node = data
        for i, key in enumerate(keys[:-1]):
            if not isinstance(node.get(key), dict):
                raise ScenarioError(source, ".".join(keys[: i + 1]), "is not a table")
            node = node[key]
        node[keys[-1]] = value
    from sim.scenario import scenario_from_dict

    return scenario_from_dict(data, source)


def read_overlay(path: str | Path) -> dict[str, Any]:
    """A scenario overlay TOML (as ``recruitsim calibrate`` writes) as dotted values.

    ``[platforms.<name>]`` tables address the scenario's platform of that name.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(str(path), "", f"cannot read file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(path), "", f"not valid TOML: {exc}") from None
    out: dict[str, Any] = {}

    def walk(node: dict, prefix: str) -> None:
        for key, value in node.items():
            dotted = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(value, dotted + ".")
            else:
                out[dotted] = value

    walk(data, "")
    return out


def load_with_overlay(
    path: str | Path, overlay: str | Path, overrides: dict[str, Any] | None = None
) -> Scenario:
    """Load scenario ``path``, apply the overlay file, then ``overrides`` (they win)."""
    scenario = with_values(load_scenario(path), read_overlay(overlay), str(overlay))
    return with_values(scenario, dict(overrides or {})) if overrides else scenario


# --------------------------------------------------------------------------- the setup


@dataclass
class Setup:
    """An export mapped onto a scenario, ready to simulate.

    ``base`` is the scenario with the export's calendar (one extra day to collect the
    last day's report), a budget that covers the spend, and no early stop. ``workers``
    processes simulate replications side by side (1: in this process).
    """

    scenario: Scenario
    base: Scenario
    export: CampaignExport
    ad_sets: tuple[tuple[str, str, TargetingSpec], ...]
    seed: int
    workers: int = 1
    cache: dict[tuple, dict[str, np.ndarray]] = field(default_factory=dict)
    simulations: int = 0
    _pool: Any = None

    @property
    def budgets(self) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(float(x) for x in a.spend) for a in self.export.ad_sets)

    def close(self) -> None:
        """Stop the worker processes, if any."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def run_many(self, jobs: list[tuple[dict[str, float], int]]) -> list[dict[str, np.ndarray]]:
        """Simulate ``(values, replication)`` jobs, in worker processes when there are some."""
        args = [
            (self.base, self.ad_sets, self.budgets, self.export.days, values, self.seed, r)
            for values, r in jobs
        ]
        if self.workers <= 1 or len(jobs) <= 1:
            return [_simulate_one(*a) for a in args]
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        return list(self._pool.map(_simulate_one, *zip(*args, strict=True)))


_POPULATIONS: dict[tuple, Population] = {}


def _simulate_one(base, ad_sets, budgets, days, values, seed, replication):
    """One replay of the export (runs in a worker process or here); populations are cached."""
    key = (repr(to_dict(base.population)), seed, replication)
    if key not in _POPULATIONS:
        if len(_POPULATIONS) >= 8:
            _POPULATIONS.pop(next(iter(_POPULATIONS)))
        _POPULATIONS[key] = generate(base.population, run_seeds(seed, replication).population)
    scenario = with_values(base, values, "calibrate") if values else base
    replay = _Replay(ad_sets=ad_sets, budgets=budgets)
    run(scenario, replay, seed=seed, replication=replication, population=_POPULATIONS[key])
    return {f: a[:, :days] for f, a in replay.daily().items()}


def prepare(
    scenario: Scenario, export: CampaignExport, seed: int | None = None, workers: int = 1
) -> Setup:
    """Map every ad set of ``export`` to a targeting spec in ``scenario``.

    Raises
    ------
    ExportError
        An ad set runs on a platform the scenario lacks, or its targeting description
        is malformed or breaks the platform's policy (names the row and column).
    """
    in_play = {p.name: p.policy for p in scenario.platforms}
    v = scenario.vacancy
    ad_sets = []
    for a in export.ad_sets:
        if a.platform not in in_play:
            raise ExportError(
                export.source,
                a.first_row,
                None,
                f"ad set {a.name!r} runs on {a.platform!r}, which scenario {scenario.name!r} "
                f"does not have (it has {', '.join(in_play)})",
            )
        try:
            spec = parse_targeting(
                a.targeting,
                vacancy_location=v.location,
                commute_km=v.max_distance_km,
                platform=a.platform,
                policy=in_play[a.platform],
            )
        except (ValueError, PolicyError) as exc:
            raise ExportError(export.source, a.first_row, "targeting", str(exc)) from None
        ad_sets.append((a.name, a.platform, spec))
    spend = float(export.totals("spend").sum())
    if not spend > 0:
        raise ExportError(export.source, None, "spend", "expected some spend, got 0 in every row")
    base = with_values(
        scenario,
        {
            "campaign.days": export.days + 1,
            "budget.total": round(spend * 1.02 + 1.0, 2),
            "pipeline.stop_when_filled": False,
            "pipeline.extra_days": 0,
        },
        "calibrate",
    )
    return Setup(
        scenario=scenario,
        base=base,
        export=export,
        ad_sets=tuple(ad_sets),
        seed=scenario.seed if seed is None else seed,
        workers=workers,
    )


def _key(values: dict[str, float], replication: int) -> tuple:
    return (tuple(sorted((k, round(float(v), 12)) for k, v in values.items())), replication)


def simulate_all(setup: Setup, values: dict[str, float], replications: int) -> dict:
    """The export replayed under ``values`` in replications ``0..R-1`` (cached).

    Returns
    -------
    dict of numpy.ndarray
        :data:`SERIES`, each of shape (R, n_ad_sets, n_days).
    """
    todo = [r for r in range(replications) if _key(values, r) not in setup.cache]
    for r, result in zip(todo, setup.run_many([(values, r) for r in todo]), strict=True):
        setup.cache[_key(values, r)] = result
        setup.simulations += 1
    runs = [setup.cache[_key(values, r)] for r in range(replications)]
    return {f: np.stack([r[f] for r in runs]) for f in SERIES}


# --------------------------------------------------------------------------- moments


@dataclass(frozen=True)
class Moments:
    """Which log moments the fit matches, and how to compute them from daily arrays."""

    price_sets: tuple[int, ...]  # ad sets with impressions: log CPM and log impressions
    platforms: tuple[str, ...]  # platforms whose CTR is matched
    platform_sets: tuple[tuple[int, ...], ...]

    def price(self, d: dict) -> np.ndarray:
        """log CPM and log impressions of the price ad sets, shape (..., 2 k)."""
        imp = _total(d["impressions"])[..., self.price_sets]
        spend = _total(d["spend"])[..., self.price_sets]
        return np.concatenate([_log(1000 * spend, imp), _log(imp, 1.0)], axis=-1)

    def ctr(self, d: dict) -> np.ndarray:
        """log CTR per platform, shape (..., n_platforms)."""
        imp, clk = _total(d["impressions"]), _total(d["clicks"])
        if not self.platform_sets:
            return np.zeros((*imp.shape[:-1], 0))
        return np.stack(
            [
                _log(clk[..., list(s)].sum(-1), imp[..., list(s)].sum(-1))
                for s in self.platform_sets
            ],
            axis=-1,
        )

    def apply_rate(self, d: dict) -> np.ndarray:
        """log applications per click over all ad sets, shape (..., 1)."""
        return _log(_total(d["applications"]).sum(-1), _total(d["clicks"]).sum(-1))[..., None]


def _total(a: np.ndarray) -> np.ndarray:
    return a.sum(axis=-1)


def _log(num, den) -> np.ndarray:
    """log(num / den) with half a count added where a count is zero (finite always)."""
    return np.log(np.maximum(num, 0.5)) - np.log(np.maximum(den, 0.5))


# --------------------------------------------------------------------------- the fit


@dataclass
class Estimate:
    """One parameter's estimate and interval (or why it was left at its default)."""

    parameter: Parameter
    value: float
    low: float | None = None
    high: float | None = None
    se: float | None = None  # on the estimation scale
    reason: str = ""  # why it was not estimated

    @property
    def estimated(self) -> bool:
        return not self.reason


@dataclass
class Calibration:
    """The result of :func:`calibrate`."""

    setup: Setup
    estimates: list[Estimate]
    replications: int
    observed: dict[str, np.ndarray]
    simulated: dict[str, np.ndarray]  # at the estimate, shape (R, n_ad_sets, n_days)
    seconds: float
    simulations: int
    cpu_seconds: float = 0.0  # this process and its workers

    def values(self) -> dict[str, float]:
        """The estimated values by dotted path (parameters left at defaults excluded)."""
        return {e.parameter.path: e.value for e in self.estimates if e.estimated}

    def scenario(self) -> Scenario:
        """The user's scenario with the estimates applied."""
        return with_values(self.setup.scenario, self.values(), "calibration")


def calibrate(
    scenario: Scenario,
    export: CampaignExport,
    *,
    replications: int = 5,
    seed: int | None = None,
    level: float = LEVEL,
    max_evaluations: int = 4,
    workers: int = 1,
) -> Calibration:
    """Estimate price and response parameters of ``scenario`` from ``export``.

    Parameters
    ----------
    scenario : Scenario
        The user's scenario (population, vacancy, platforms and their policies).
    export : CampaignExport
    replications : int
        Simulated replications per parameter value (common random numbers); at least 2.
    seed : int, optional
        Root seed of the simulations; the scenario's by default.
    level : float
        Coverage of the intervals.
    max_evaluations : int
        Most evaluations of the price stage's least-squares fit.
    workers : int
        Processes that simulate replications side by side.

    Returns
    -------
    Calibration
    """
    if replications < 2:
        raise ScenarioError("--replications", "", f"expected at least 2, got {replications}")
    start = time.perf_counter()
    cpu = _cpu_seconds()
    setup = prepare(scenario, export, seed, workers)
    try:
        cal = _calibrate(setup, replications, level, max_evaluations, start)
    finally:
        setup.close()  # waits for the workers, so their CPU time is counted below
    cal.cpu_seconds = _cpu_seconds() - cpu
    return cal


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Unix
        return time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _calibrate(setup: Setup, replications, level, max_evaluations, start) -> Calibration:
    scenario, export = setup.scenario, setup.export
    observed = {f: export.totals(f) for f in SERIES}
    params, reasons = _parameters(setup, observed)
    moments = _moments(setup, observed, params, reasons)
    rng = np.random.default_rng(np.random.SeedSequence(setup.seed, spawn_key=(7,)))
    values = {p.path: p.default for p in params.values() if p.path not in reasons}
    m_obs = {
        "price": moments.price(observed),
        "ctr": moments.ctr(observed),
        "apply": moments.apply_rate(observed),
    }

    # Stage 1: price (log price level, and bid dispersion when identified). CPM scales
    # with the price level, so the start moves the price level by the CPMs' mean log
    # gap. The Jacobian there serves the identification check and the least-squares
    # steps (a chord method: one simulation set per step); it is recomputed at the
    # estimate unless the estimate stayed within one finite-difference step of it.
    price_params = [params["price"]] + ([params["dispersion"]] if "dispersion" in params else [])
    n_cpm = len(moments.price_sets)
    sims0 = moments.price(simulate_all(setup, values, replications))
    gap = float(np.mean(m_obs["price"][:n_cpm] - sims0.mean(0)[:n_cpm]))
    price = params["price"]
    values[price.path] = price.from_x(price.to_x(values[price.path]) + gap)
    x_start = _price_x(values, price_params)
    jac0, dctr, dapply, base = _sensitivities(setup, moments, values, price_params, replications)
    weights = 1.0 / np.maximum(moments.price(base).var(axis=0, ddof=1), 0.02**2)
    if "dispersion" in params:
        se = np.sqrt(np.diag(np.linalg.pinv((jac0.T * weights) @ jac0)))
        if not se[1] <= MAX_DISPERSION_SE:
            reasons[params["dispersion"].path] = (
                "the export cannot tell it from the price level: every ad set's CPM moves "
                "with the price level alike (an ad set that runs short of audience would "
                f"show it); its standard error would be {se[1]:.2f}"
            )
            price_params, x_start = price_params[:1], x_start[:1]
            jac0, dctr, dapply = jac0[:, :1], dctr[:, :1], dapply[:, :1]
    x = _fit_price(
        setup,
        moments,
        m_obs["price"],
        weights,
        values,
        price_params,
        replications,
        jac0,
        max_evaluations,
    )
    for p, xi in zip(price_params, x, strict=True):
        values[p.path] = p.from_x(xi)
    jac = jac0
    if np.max(np.abs(_price_x(values, price_params) - x_start)) > FD_STEP:
        jac, dctr, dapply, _ = _sensitivities(setup, moments, values, price_params, replications)
    g_price = _stage_map(jac, weights)

    # Stage 2: response scales, a fixed point of observed / simulated rates.
    ctr_params = [params[f"ctr:{name}"] for name in moments.platforms]
    apply_param = params["apply"] if params["apply"].path not in reasons else None
    for _ in range(3):
        sims = simulate_all(setup, values, replications)
        gap_ctr = m_obs["ctr"] - moments.ctr(sims).mean(axis=0)
        gap_apply = (m_obs["apply"] - moments.apply_rate(sims).mean(axis=0)) if apply_param else 0
        done = np.all(np.abs(gap_ctr) < 0.01) and np.all(np.abs(gap_apply) < 0.01)
        if done:
            break
        for i, p in enumerate(ctr_params):
            values[p.path] = p.from_x(p.to_x(values[p.path]) + gap_ctr[i])
        if apply_param is not None:
            values[apply_param.path] = apply_param.from_x(
                apply_param.to_x(values[apply_param.path]) + float(gap_apply[0])
            )
    sims = simulate_all(setup, values, replications)

    # Uncertainty: the linearised estimator applied to simulated and bootstrap noise.

    def influence(price_dev, ctr_dev, apply_dev) -> np.ndarray:
        d_price = price_dev @ g_price.T  # (..., n_price)
        out = [d_price, ctr_dev - d_price @ dctr.T]
        if apply_param is not None:
            out.append(apply_dev - d_price @ dapply.T)
        return np.concatenate(out, axis=-1)

    sim_dev = influence(
        moments.price(sims) - moments.price(sims).mean(0),
        moments.ctr(sims) - moments.ctr(sims).mean(0),
        moments.apply_rate(sims) - moments.apply_rate(sims).mean(0),
    )
    boot = _bootstrap_days(observed, rng)
    boot_dev = influence(
        moments.price(boot) - m_obs["price"],
        moments.ctr(boot) - m_obs["ctr"],
        moments.apply_rate(boot) - m_obs["apply"],
    )
    var_sim = sim_dev.var(axis=0, ddof=1)
    var = np.maximum(var_sim, boot_dev.var(axis=0, ddof=1)) + var_sim / replications
    quantile = stats.t.ppf(0.5 + level / 2, df=replications - 1)
    order = price_params + ctr_params + ([apply_param] if apply_param else [])
    estimates = []
    for p, v in zip(order, var, strict=True):
        x_hat, se = p.to_x(values[p.path]), math.sqrt(v)
        estimates.append(
            Estimate(
                p,
                values[p.path],
                p.from_x(x_hat - quantile * se),
                p.from_x(x_hat + quantile * se),
                se,
            )
        )
    for p in params.values():
        if p.path in reasons:
            estimates.append(Estimate(p, p.default, reason=reasons[p.path]))
    for path, why in reasons.items():
        if not any(e.parameter.path == path for e in estimates):
            label = "the creative's appeal" if path.endswith("appeal") else path
            estimates.append(
                Estimate(
                    Parameter(path, label, _default(scenario, path), True, 0.0, math.inf),
                    _default(scenario, path),
                    reason=why,
                )
            )
    return Calibration(
        setup=setup,
        estimates=estimates,
        replications=replications,
        observed=observed,
        simulated=sims,
        seconds=time.perf_counter() - start,
        simulations=setup.simulations,
    )


def _default(scenario: Scenario, path: str) -> float:
    keys = path.split(".")
    if keys[0] == "platforms":
        return float(getattr(scenario.platform(keys[1]), keys[2]))
    node: Any = scenario
    for k in keys:
        node = getattr(node, k)
    return float(node)


def _parameters(setup: Setup, observed: dict) -> tuple[dict[str, Parameter], dict[str, str]]:
    """The candidate parameters and, for those the export cannot pin down, why not."""
    s, export = setup.scenario, setup.export
    params = {
        "price": Parameter(
            "market.price_level", "market price level", s.market.price_level, True, 0.01, 1e3
        ),
        "dispersion": Parameter(
            "market.bid_dispersion",
            "bid dispersion (log-sd)",
            s.market.bid_dispersion,
            False,
            0.05,
            3.0,
        ),
        "apply": Parameter(
            "vacancy.apply_rate_scale",
            "apply-flow rate (friction)",
            s.vacancy.apply_rate_scale,
            True,
            0.01,
            10.0,
        ),
    }
    reasons: dict[str, str] = {}
    clicks = observed["clicks"].sum(axis=1)
    for p in s.platforms:
        path = f"platforms.{p.name}.ctr_scale"
        params[f"ctr:{p.name}"] = Parameter(
            path, f"{p.name} CTR scale", p.ctr_scale, True, 0.01, 20.0
        )
        on = [i for i, a in enumerate(export.ad_sets) if a.platform == p.name]
        if not on:
            reasons[path] = f"no ad set in the export ran on {p.name}"
        elif clicks[on].sum() < MIN_CLICKS:
            reasons[path] = (
                f"only {int(clicks[on].sum())} clicks on {p.name} in the export "
                f"(at least {MIN_CLICKS} needed)"
            )
    apps = observed["applications"].sum()
    if not export.has_applications:
        reasons["vacancy.apply_rate_scale"] = (
            "the export has no applications column, so nothing shows what happens after a click"
        )
    elif apps < MIN_APPLICATIONS:
        reasons["vacancy.apply_rate_scale"] = (
            f"only {int(apps)} applications in the export (at least {MIN_APPLICATIONS} needed)"
        )
    reasons["vacancy.creative.appeal"] = (
        "confounded with the platforms' CTR scales: the export has one creative, and its "
        "appeal multiplies every platform's CTR alike (the CTR scales absorb it)"
    )
    return params, reasons


def _moments(setup: Setup, observed: dict, params: dict, reasons: dict) -> Moments:
    """The moments to match: CTRs only of the platforms whose CTR scale is estimated."""
    imp = observed["impressions"].sum(axis=1)
    price_sets = tuple(int(i) for i in np.flatnonzero(imp > 0))
    if not price_sets:
        raise ExportError(
            setup.export.source,
            None,
            "impressions",
            "expected some impressions, got 0 in every row",
        )
    platforms, sets = [], []
    for name in setup.export.platforms:
        if f"ctr:{name}" in params and params[f"ctr:{name}"].path not in reasons:
            on = tuple(i for i, a in enumerate(setup.export.ad_sets) if a.platform == name)
            platforms.append(name)
            sets.append(on)
    return Moments(price_sets, tuple(platforms), tuple(sets))


def _price_x(values: dict, price_params: list[Parameter]) -> np.ndarray:
    return np.array([p.to_x(values[p.path]) for p in price_params])


def _at(values: dict, price_params: list[Parameter], x: np.ndarray) -> dict:
    out = dict(values)
    for p, xi in zip(price_params, x, strict=True):
        out[p.path] = p.from_x(float(xi))
    return out


def _sensitivities(setup, moments, values, price_params, replications):
    """Derivatives of the mean moments with respect to the price parameters.

    Forward differences on common random numbers (the same seeds at every value).

    Returns
    -------
    price, ctr, apply : numpy.ndarray
        Shapes (n_price_moments, n_price), (n_platforms, n_price), (1, n_price).
    base : dict
        The simulations at ``values`` (shape (R, n_ad_sets, n_days) each).
    """
    x0 = _price_x(values, price_params)
    base = simulate_all(setup, _at(values, price_params, x0), replications)
    cols: list[list[np.ndarray]] = [[], [], []]
    for j, p in enumerate(price_params):
        step = FD_STEP if p.to_x(p.upper) > x0[j] + FD_STEP else -FD_STEP
        x = x0.copy()
        x[j] += step
        sims = simulate_all(setup, _at(values, price_params, x), replications)
        for out, f in zip(cols, (moments.price, moments.ctr, moments.apply_rate), strict=True):
            out.append((f(sims).mean(0) - f(base).mean(0)) / step)
    return (*(np.stack(c, axis=1) for c in cols), base)


def _stage_map(jac: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """G = (J'WJ)^-1 J'W: moment deviations to parameter deviations, shape (n_par, n_mom)."""
    jw = jac.T * weights
    return np.linalg.pinv(jw @ jac) @ jw


def _fit_price(setup, moments, target, weights, values, price_params, replications, jac, max_nfev):
    """Least squares on the price moments with a fixed (chord) Jacobian."""
    root_w = np.sqrt(weights)

    def residual(x):
        sims = simulate_all(setup, _at(values, price_params, x), replications)
        return root_w * (moments.price(sims).mean(0) - target)

    x0 = _price_x(values, price_params)
    lower = [p.to_x(p.lower) for p in price_params]
    upper = [p.to_x(p.upper) for p in price_params]
    fit = optimize.least_squares(
        residual,
        x0,
        jac=lambda x: root_w[:, None] * jac,
        bounds=(lower, upper),
        method="trf",
        max_nfev=max_nfev,
        xtol=2e-3,
        ftol=1e-3,
    )
    return fit.x


def _bootstrap_days(observed: dict, rng: np.random.Generator) -> dict:
    """The export's days resampled with replacement, shape (B, n_ad_sets, n_days)."""
    days = observed["impressions"].shape[1]
    pick = rng.integers(0, days, size=(BOOTSTRAP, days))
    return {f: np.stack([a[:, idx] for idx in pick]) for f, a in observed.items()}


# --------------------------------------------------------------------------- synthetic exports


def synthesize_export(
    scenario: Scenario,
    ad_sets: list[tuple[str, str, str]],
    daily_spend: list[list[float]] | np.ndarray,
    *,
    values: dict[str, float] | None = None,
    seed: int | None = None,
    replication: int = 0,
    start: dt.date = dt.date(2026, 3, 2),
    applications: bool = True,
    source: str = "synthetic.csv",
) -> CampaignExport:
    """An export simulated from known parameter ``values`` (for tests and examples).

    Parameters
    ----------
    scenario : Scenario
    ad_sets : list of (name, platform, targeting description)
    daily_spend : array-like, shape (n_ad_sets, n_days)
        Budget of each ad set on each day (the simulated spend may fall short).
    values : dict, optional
        Dotted scenario values the world really has (``market.price_level`` ...).
    seed, replication
        The world's random streams (use a seed the calibration does not use).
    start : datetime.date
        Date of the first day.
    applications : bool
        Whether the export carries the applications columns.
    source : str
        Name the export reports as its file.

    Returns
    -------
    CampaignExport
        ``reach`` holds the people reached for the first time that day.
    """
    spend = np.asarray(daily_spend, dtype=float)
    days = spend.shape[1]
    zeros = np.zeros(days)
    dates = tuple(start + dt.timedelta(days=i) for i in range(days))
    plan = CampaignExport(
        source=source,
        layout="recruitsim",
        dates=dates,
        ad_sets=tuple(
            AdSetSeries(name, platform, text, 2 + i, zeros, zeros, zeros, spend[i], zeros, zeros)
            for i, (name, platform, text) in enumerate(ad_sets)
        ),
        has_applications=applications,
        has_qualified=False,
        has_reach=True,
    )
    setup = prepare(scenario, plan, seed)
    sim = setup.run_many([(dict(values or {}), replication)])[0]
    series = tuple(
        AdSetSeries(
            a.name,
            a.platform,
            a.targeting,
            a.first_row,
            **{
                f: np.round(sim[f][i], 2 if f == "spend" else 0)
                for f in ("impressions", "reach", "clicks", "spend", "applications")
            },
            qualified_applications=zeros,
        )
        for i, a in enumerate(plan.ad_sets)
    )
    return CampaignExport(
        source=source,
        layout="recruitsim",
        dates=dates,
        ad_sets=series,
        has_applications=applications,
        has_qualified=False,
        has_reach=True,
    )


# --------------------------------------------------------------------------- outputs


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def write_overlay(cal: Calibration, path: str | Path, scenario_name: str = "") -> Path:
    """Write the scenario overlay TOML: estimates, with intervals and reasons as comments.

    ``recruitsim run/compare/sweep/bench --set-file PATH`` applies it to any scenario.
    """
    path = Path(path)
    export = cal.setup.export
    lines = [
        f"# Scenario overlay from `recruitsim calibrate {export.source}`"
        + (f" on scenario {scenario_name!r}" if scenario_name else ""),
        f"# {export.days} days, {len(export.ad_sets)} ad sets, {cal.replications} simulated "
        f"replications per value; {int(LEVEL * 100)} % intervals. Apply with --set-file.",
    ]
    tables: dict[str, list[str]] = {}
    for e in cal.estimates:
        keys = e.parameter.path.split(".")
        table, key = ".".join(keys[:-1]), keys[-1]
        if e.estimated:
            line = (
                f"{key} = {_fmt(e.value)}  # estimate {_fmt(e.value)}, "
                f"{int(LEVEL * 100)} % interval [{_fmt(e.low)}, {_fmt(e.high)}]"
            )
        else:
            line = f"# {key}: left at {_fmt(e.value)}: {e.reason}"
        tables.setdefault(table, []).append(line)
    for table in sorted(tables, key=lambda t: (t.startswith("platforms"), t)):
        rows = tables[table]
        if not any(not r.startswith("#") for r in rows):
            lines.append("")
            lines.extend(f"# [{table}] {r[2:]}" for r in rows)
            continue
        lines += ["", f"[{table}]", *rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def fit_table(cal: Calibration) -> list[dict]:
    """Observed against simulated totals per ad set (the simulated mean over replications)."""
    obs, sim = cal.observed, cal.simulated
    rows = []
    for i, a in enumerate(cal.setup.export.ad_sets):
        o = {f: float(obs[f][i].sum()) for f in SERIES}
        s = {f: float(sim[f][:, i].sum(axis=1).mean()) for f in SERIES}

        def rates(t):
            return {
                "cpm": 1000 * t["spend"] / t["impressions"] if t["impressions"] else None,
                "ctr": t["clicks"] / t["impressions"] if t["impressions"] else None,
                "apply": t["applications"] / t["clicks"] if t["clicks"] else None,
            }

        rows.append(
            {
                "ad_set": a.name,
                "platform": a.platform,
                "observed": {**o, **rates(o)},
                "simulated": {**s, **rates(s)},
            }
        )
    return rows


def plot_fit(cal: Calibration, path: str | Path) -> Path:
    """Observed against simulated daily series, one row of panels per ad set (PNG)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    export = cal.setup.export
    obs, sim = cal.observed, cal.simulated
    apply = cal.setup.export.has_applications
    panels = ["impressions", "CPM", "CTR"] + (["applications"] if apply else [])
    n = len(export.ad_sets)
    fig = Figure(figsize=(3.2 * len(panels), 2.2 * n + 0.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(n, len(panels), squeeze=False)
    days = np.arange(export.days)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i, a in enumerate(export.ad_sets):
            series = {
                "impressions": (obs["impressions"][i], sim["impressions"][:, i]),
                "CPM": (
                    1000 * obs["spend"][i] / obs["impressions"][i],
                    1000 * sim["spend"][:, i] / sim["impressions"][:, i],
                ),
                "CTR": (
                    obs["clicks"][i] / obs["impressions"][i],
                    sim["clicks"][:, i] / sim["impressions"][:, i],
                ),
                "applications": (obs["applications"][i], sim["applications"][:, i]),
            }
            for j, name in enumerate(panels):
                ax = axes[i, j]
                o, s = series[name]
                ax.fill_between(
                    days,
                    np.nanmin(s, axis=0),
                    np.nanmax(s, axis=0),
                    alpha=0.25,
                    color="tab:blue",
                    linewidth=0,
                    label="simulated (range)",
                )
                ax.plot(days, np.nanmean(s, axis=0), color="tab:blue", label="simulated (mean)")
                ax.plot(days, o, "o", ms=2.5, color="black", label="observed")
                ax.set_title(f"{a.name}: {name}", fontsize=8)
                ax.tick_params(labelsize=7)
                if name == "CTR":
                    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.2%}")
        axes[0, 0].legend(fontsize=6)
    for ax in axes[-1]:
        ax.set_xlabel("day", fontsize=8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def write_report(cal: Calibration, out: str | Path, scenario_name: str = "") -> Path:
    """Write ``calibration.toml``, ``calibration.md`` and ``fit.png`` into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_overlay(cal, out / "calibration.toml", scenario_name)
    plot_fit(cal, out / "fit.png")
    export = cal.setup.export
    pct = int(LEVEL * 100)
    lines = [
        f"# Calibration from {export.source}",
        "",
        f"Scenario `{scenario_name or cal.setup.scenario.name}`; export layout "
        f"`{export.layout}`: {export.days} days ({export.dates[0]} to {export.dates[-1]}), "
        f"{len(export.ad_sets)} ad sets on {', '.join(export.platforms)}. Each value was "
        f"simulated in {cal.replications} replications with common random numbers (root seed "
        f"{cal.setup.seed}); {cal.simulations} simulations in all.",
        "",
        "## Estimates",
        "",
        f"| parameter | scenario path | default | estimate | {pct} % interval |",
        "|---|---|---|---|---|",
    ]
    for e in cal.estimates:
        if e.estimated:
            lines.append(
                f"| {e.parameter.label} | `{e.parameter.path}` | "
                f"{_fmt(e.parameter.default)} | **{_fmt(e.value)}** | "
                f"[{_fmt(e.low)}, {_fmt(e.high)}] |"
            )
    lines += ["", "## Left at their defaults, and why", ""]
    for e in cal.estimates:
        if not e.estimated:
            lines.append(f"- `{e.parameter.path}` = {_fmt(e.value)}: {e.reason}.")
    lines += [
        "",
        "## Fit",
        "",
        "Totals per ad set, observed against simulated at the estimate (mean over the "
        "replications):",
        "",
        "| ad set | platform | impressions obs / sim | CPM obs / sim | CTR obs / sim | "
        "applications per click obs / sim |",
        "|---|---|---|---|---|---|",
    ]

    def rate(x, kind):
        if x is None:
            return "—"
        return f"{x:.2%}" if kind != "cpm" else f"{x:,.1f}"

    for row in fit_table(cal):
        o, s = row["observed"], row["simulated"]
        lines.append(
            f"| {row['ad_set']} | {row['platform']} | {o['impressions']:,.0f} / "
            f"{s['impressions']:,.0f} | {rate(o['cpm'], 'cpm')} / {rate(s['cpm'], 'cpm')} | "
            f"{rate(o['ctr'], 'ctr')} / {rate(s['ctr'], 'ctr')} | "
            + (
                f"{rate(o['apply'], 'a')} / {rate(s['apply'], 'a')} |"
                if export.has_applications
                else "— |"
            )
        )
    lines += [
        "",
        "![observed against simulated daily series](fit.png)",
        "",
        "## How to read this",
        "",
        "- The ad sets were replayed with their targeting and each day's observed spend; "
        "the campaign's objective, frequency caps and bids are the scenario's defaults "
        "(an export does not carry them).",
        "- Intervals combine the export's own noise (a bootstrap over its days, or the "
        "spread of simulated exports if larger) and the simulation's, through the fit "
        f"linearised at the estimate; Student-t with {cal.replications - 1} degrees of "
        "freedom.",
        "- Daily reach is read but not fitted (daily reach cannot be added up over days).",
        "- Use the overlay with any command: `recruitsim compare SCENARIO --set-file "
        "calibration.toml`.",
    ]
    md = out / "calibration.md"
    md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return md


# --------------------------------------------------------------------------- recovery


# The example campaign of the README and the recovery study (electrician-bergen):
# two Facebook ad sets and a LinkedIn job-title ad set that runs short of audience.
EXAMPLE_AD_SETS = (
    ("broad-facebook", "facebook", "radius=40km"),
    ("interest-facebook", "facebook", "radius=40km; interests=home improvement|tools & DIY"),
    ("titles-linkedin", "linkedin", "location=Vestland; job_titles=electrician|carpenter|plumber"),
)
EXAMPLE_DAILY_SPEND = (400.0, 250.0, 300.0)  # NOK per day (estimate of a small campaign)
# Ranges the recovery study draws true values from (log-uniform for the multipliers).
TRUE_RANGES = {
    "market.price_level": (0.7, 1.5),
    "market.bid_dispersion": (0.4, 0.9),
    "platforms.facebook.ctr_scale": (0.6, 1.5),
    "platforms.linkedin.ctr_scale": (0.6, 1.5),
    "vacancy.apply_rate_scale": (0.6, 1.6),
}


def recovery_study(
    scenario: Scenario,
    *,
    exports: int,
    days: int = 30,
    seed: int = 2026,
    replications: int = 4,
    workers: int = 1,
    ad_sets=EXAMPLE_AD_SETS,
    daily_spend=EXAMPLE_DAILY_SPEND,
    ranges: dict[str, tuple[float, float]] | None = None,
    progress=None,
) -> list[dict]:
    """Fit exports simulated from known values back; one row per export and parameter.

    Each export gets its own true values (drawn from ``ranges``), its own world seed
    and its own fitting seed, all spawned from ``SeedSequence(seed)``.

    Returns
    -------
    list of dict
        ``export``, ``parameter``, ``truth``, ``estimate``, ``low``, ``high``,
        ``covered``, ``rel_error``, ``seconds``; parameters the fit left at their
        defaults are left out.
    """
    ranges = dict(TRUE_RANGES if ranges is None else ranges)
    spend = np.repeat(np.asarray(daily_spend, dtype=float)[:, None], days, axis=1)
    rows = []
    for i, child in enumerate(np.random.SeedSequence(seed).spawn(exports)):
        world, fit, draw = child.spawn(3)
        rng = np.random.default_rng(draw)
        truth = {}
        for path, (lo, hi) in ranges.items():
            log = not path.endswith("bid_dispersion")
            u = rng.random()
            truth[path] = (
                math.exp(math.log(lo) + u * math.log(hi / lo)) if log else lo + u * (hi - lo)
            )
        export = synthesize_export(scenario, list(ad_sets), spend, values=truth,
                                   seed=int(world.generate_state(1)[0]),
                                   source=f"synthetic-{i}.csv")  # fmt: skip
        cal = calibrate(scenario, export, replications=replications, workers=workers,
                        seed=int(fit.generate_state(1)[0]))  # fmt: skip
        for e in cal.estimates:
            path = e.parameter.path
            if not e.estimated or path not in truth:
                continue
            rows.append({
                "export": i, "parameter": path, "truth": truth[path], "estimate": e.value,
                "low": e.low, "high": e.high, "covered": e.low <= truth[path] <= e.high,
                "rel_error": e.value / truth[path] - 1, "seconds": cal.seconds,
            })  # fmt: skip
        if progress is not None:
            progress(i + 1, exports, cal)
    return rows


def summarize_recovery(rows: list[dict]) -> list[dict]:
    """Per parameter: exports fitted, coverage, median and largest |relative error|."""
    out = []
    for path in dict.fromkeys(r["parameter"] for r in rows):
        mine = [r for r in rows if r["parameter"] == path]
        err = np.abs([r["rel_error"] for r in mine])
        out.append({
            "parameter": path, "exports": len(mine),
            "coverage": float(np.mean([r["covered"] for r in mine])),
            "median_abs_error": float(np.median(err)), "max_abs_error": float(err.max()),
            "within_10pct": float(np.mean(err <= 0.10)),
        })  # fmt: skip
    return out


# The values the committed example export was simulated from (made up; the example is
# synthetic): prices 35 % above the defaults, a Facebook CTR below and a LinkedIn CTR
# above the defaults, and an apply flow with more friction than the default.
EXAMPLE_TRUTH = {
    "market.price_level": 1.35,
    "market.bid_dispersion": 0.5,
    "platforms.facebook.ctr_scale": 0.8,
    "platforms.linkedin.ctr_scale": 1.2,
    "vacancy.apply_rate_scale": 0.7,
}


def write_example_export(path: str | Path, days: int = 30, seed: int = 20260302) -> Path:
    """Write the synthetic example export (electrician-bergen, :data:`EXAMPLE_TRUTH`).

    Its first line says that it is synthetic and which values it was simulated from.
    """
    scenario = load_scenario("electrician-bergen")
    spend = np.repeat(np.asarray(EXAMPLE_DAILY_SPEND)[:, None], days, axis=1)
    export = synthesize_export(
        scenario, list(EXAMPLE_AD_SETS), spend, values=EXAMPLE_TRUTH, seed=seed,
        source=Path(path).name,
    )  # fmt: skip
    truth = ", ".join(f"{k} = {v:g}" for k, v in EXAMPLE_TRUTH.items())
    note = (
        f"SYNTHETIC EXPORT, NOT REAL CAMPAIGN DATA: simulated by recruitsim (scenario "
        f"electrician-bergen, seed {seed}) with {truth}; reach = people reached for the "
        f"first time that day"
    )
    return export.to_csv(path, header_note=note)
