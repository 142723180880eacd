"""A league: strategies play each other as competing employers with identical vacancies.

Every game seats ``seats`` strategies as employers with the same vacancy, budget and
hiring process (the scenario's first employer, copied), so what differs is only the
strategy. The games are

- for two seats, every pairing of two different strategies in both seat orders;
- for three or more, every combination of that many strategies in each of its cyclic
  rotations,

so each strategy sits in every seat equally often against the same opponents and gains
nothing from its position. Replication *r* gives every game the same population and the
same random streams per seat (common random numbers, :func:`sim.model.run_seeds`), so
strategies are compared in pairs of identical worlds.

A strategy's score in a replication is its mean over the games it played: hires, spend
and cost per hire (its total spend / its total hires; undefined without a hire). The
ranking uses the t-intervals of the mean over replications and the rank rule of
:func:`sim.lab.stats.ranking` (overlapping intervals share a rank). Each strategy keeps
seeing only its own ads manager and ATS.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sim.errors import RecruitsimError
from sim.lab.report import (
    Bullets,
    Code,
    Heading,
    Paragraph,
    Table,
    _estimate_text,
    _write_csv,
    to_html,
    to_markdown,
)
from sim.lab.stats import Estimate, ranking
from sim.model import run, run_seeds
from sim.population import generate
from sim.scenario import EmployerSpec, Scenario

__all__ = ["LEAGUE_METRICS", "league_scenario", "play", "seatings", "standings", "write_league"]

# (metric, label, format): what a strategy is ranked on, first the primary one.
LEAGUE_METRICS = (
    ("hires", "hires per game", "{:.2f}"),
    ("cost_per_hire", "cost per hire", "{:,.0f}"),
    ("share_of_hires", "share of hires", "{:.0%}"),
    ("qualified_applications", "qual. apps per game", "{:,.1f}"),
    ("spend", "spend per game", "{:,.0f}"),
    ("cpm", "CPM", "{:,.1f}"),
)


def seatings(strategy_ids: Sequence[str], seats: int) -> list[tuple[str, ...]]:
    """Every game of the league: who sits where.

    Parameters
    ----------
    strategy_ids : sequence of str
        At least ``seats`` different strategies.
    seats : int
        Employers per game (2 or more).

    Returns
    -------
    list of tuple of str
        Each combination of ``seats`` strategies in each of its cyclic rotations (for two
        seats: every pairing both ways round).
    """
    ids = list(strategy_ids)
    if seats < 2:
        raise RecruitsimError(f"a league needs at least 2 seats, got {seats}")
    if len(set(ids)) != len(ids):
        raise RecruitsimError(f"a strategy is listed twice: {ids}")
    if len(ids) < seats:
        raise RecruitsimError(
            f"a league of {seats} seats needs at least {seats} strategies, got {len(ids)}"
        )
    return [
        combo[k:] + combo[:k] for combo in itertools.combinations(ids, seats) for k in range(seats)
    ]


def league_scenario(scenario: Scenario, seats: int) -> Scenario:
    """``seats`` identical employers: copies of the scenario's first employer.

    They are named ``seat 1`` ... ``seat N``; vacancy, budget and pipeline are the
    first employer's (the scenario's own for the single-vacancy form).
    """
    base = scenario.employer(0)
    employers = tuple(
        EmployerSpec(
            name=f"seat {k + 1}",
            budget=base.budget.total,
            vacancy=base.vacancy,
            pipeline=base.pipeline,
            strategy=base.strategy,
        )
        for k in range(seats)
    )
    return dataclasses.replace(base, employers=employers)


def _replication(
    scenario: Scenario, games: list[tuple[str, ...]], seed: int, replication: int
) -> list[dict]:
    """Play every game of one replication (one population, the same streams)."""
    import strategies  # the lab builds strategies; the model never imports them

    pop = generate(scenario.population, run_seeds(seed, replication).population)
    out = []
    for game in games:
        plays = [strategies.make(sid) for sid in game]
        result = run(scenario, plays, seed=seed, replication=replication, population=pop,
                     alone=False)  # fmt: skip
        total_hires = sum(e["metrics"]["hires"] for e in result.employers)
        for k, e in enumerate(result.employers):
            m = e["metrics"]
            out.append(
                {
                    "replication": replication,
                    "game": " vs ".join(game),
                    "seat": k + 1,
                    "strategy": e["strategy"],
                    "hires": m["hires"],
                    "share_of_hires": m["hires"] / total_hires if total_hires else None,
                    "spend": m["spend"],
                    "cpm": m["cpm"],
                    "qualified_applications": m["qualified_applications"],
                    "cost_per_hire": m["cost_per_hire"],
                    "offers_lost_to_competitor": e["pipeline"]["offers_lost_to_competitor"],
                    "wall_time_s": round(result.wall_time_s, 3),
                }
            )
    return out


def play(
    scenario: Scenario,
    strategy_ids: Sequence[str],
    *,
    seats: int = 2,
    replications: int = 3,
    seed: int | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict]:
    """Play the league: every game of :func:`seatings` in every replication.

    Parameters
    ----------
    scenario : Scenario
        Its first employer is the vacancy every seat gets.
    strategy_ids : sequence of str
        Registered strategy ids (``broad``, ``interest-v1`` ...).
    seats : int
        Employers per game.
    replications : int
    seed : int, optional
        Root seed; the scenario's by default.
    workers : int
        Processes; replications are shared out among them (same results whatever the
        number).
    progress : callable, optional
        Called with (replications done, replications).

    Returns
    -------
    list of dict
        One row per employer per game per replication (strategy, seat, hires, spend ...),
        sorted by replication, game and seat.
    """
    from strategies.registry import resolve_id

    if replications < 1:
        raise RecruitsimError(f"replications must be >= 1, got {replications}")
    if workers < 1:
        raise RecruitsimError(f"workers must be >= 1, got {workers}")
    ids = [resolve_id(s) for s in strategy_ids]
    games = seatings(ids, seats)
    league = league_scenario(scenario, seats)
    root = scenario.seed if seed is None else seed
    rows: list[dict] = []
    if workers == 1:
        for r in range(replications):
            rows.extend(_replication(league, games, root, r))
            if progress is not None:
                progress(r + 1, replications)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(_replication, league, games, root, r) for r in range(replications)
            ]
            for done, future in enumerate(futures, start=1):
                rows.extend(future.result())
                if progress is not None:
                    progress(done, replications)
    return sorted(rows, key=lambda x: (x["replication"], x["game"], x["seat"]))


def standings(rows: list[dict]) -> list[dict]:
    """Each strategy's scores with 95 % intervals over replications, ranked.

    Per replication a strategy's score is its mean over its games (for
    ``cost_per_hire``: its total spend / its total hires), then
    :class:`sim.lab.stats.Estimate` over replications. Ranked on hires (higher is
    better) with :func:`sim.lab.stats.ranking`; ``rank_cost_per_hire`` ranks on cost per
    hire (lower is better).

    Returns
    -------
    list of dict
        One row per strategy: ``strategy``, ``rank``, ``rank_cost_per_hire``, ``games``
        and per metric ``<metric>``, ``<metric>_low``, ``<metric>_high``, ``<metric>_n``.
    """
    per: dict[str, dict[int, list[dict]]] = {}
    for row in rows:
        per.setdefault(row["strategy"], {}).setdefault(row["replication"], []).append(row)
    summary = []
    for strategy, reps in per.items():
        for metric, _, _ in LEAGUE_METRICS:
            values = [_score(games, metric) for games in reps.values()]
            est = Estimate.of(values)
            summary.append(
                dict(scenario="", sweep="", strategy=strategy, metric=metric, mean=est.mean,
                     ci_low=est.low, ci_high=est.high, n=est.n)
            )  # fmt: skip
    ranks = {
        m: {r["strategy"]: r["rank"] for r in ranking(summary, m)}
        for m in ("hires", "cost_per_hire")
    }
    order = [r["strategy"] for r in ranking(summary, "hires")]
    out = []
    for strategy in order:
        row = {
            "strategy": strategy,
            "rank": ranks["hires"][strategy],
            "rank_cost_per_hire": ranks["cost_per_hire"][strategy],
            "games": len(per[strategy][next(iter(per[strategy]))]),
        }
        for s in summary:
            if s["strategy"] == strategy:
                m = s["metric"]
                row.update({m: s["mean"], f"{m}_low": s["ci_low"], f"{m}_high": s["ci_high"],
                            f"{m}_n": s["n"]})  # fmt: skip
        out.append(row)
    return out


def _score(games: list[dict], metric: str) -> float | None:
    """A strategy's score in one replication over its games."""
    if metric == "cost_per_hire":
        hires = sum(g["hires"] for g in games)
        return sum(g["spend"] for g in games) / hires if hires else None
    values = [g[metric] for g in games if g[metric] is not None]
    return sum(values) / len(values) if values else None


def ranking_table(table: list[dict], currency: str, replications: int) -> Table:
    """The standings as a report table (mean ±95 % CI half-width)."""
    header = ["rank", "strategy", *(label for _, label, _ in LEAGUE_METRICS), "rank on cost"]
    rows = []
    for s in table:
        shared = sum(1 for o in table if o["rank"] == s["rank"]) > 1
        cells = [f"{s['rank']}{' (tie)' if shared else ''}", Code(s["strategy"])]
        for metric, _, fmt in LEAGUE_METRICS:
            est = {"mean": s[metric], "ci_low": s[f"{metric}_low"],
                   "ci_high": s[f"{metric}_high"], "n": s[f"{metric}_n"]}  # fmt: skip
            cells.append(_estimate_text(est, fmt, replications))
        cells.append("—" if s["rank_cost_per_hire"] is None else str(s["rank_cost_per_hire"]))
        rows.append(tuple(cells))
    caption = (
        f"Mean per game ±95% CI half-width over replications; money in {currency}. Ranked "
        "on hires (higher is better): a rank is one plus the number of strategies whose "
        "whole interval is better; overlapping intervals share a rank. 'rank on cost' "
        "ranks cost per hire (lower is better) the same way; (n=k) where a value is "
        "undefined in some replications (no hire)."
    )
    align = ("r", "l", *("r" for _ in LEAGUE_METRICS), "r")
    return Table(tuple(header), tuple(rows), align, caption)


def write_league(
    rows: list[dict],
    out_dir: str | Path,
    *,
    scenario: Scenario,
    seats: int,
    seed: int,
    command: str | None = None,
) -> Path:
    """Write the league's report (``report.md``, ``report.html``) and tables.

    ``games.csv`` and ``games.json`` hold one row per employer per game per replication
    (:func:`play`), ``standings.csv`` and ``standings.json`` the ranking.

    Returns
    -------
    Path
        The path of ``report.html``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = standings(rows)
    _write_csv(out / "games.csv", rows)
    (out / "games.json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    _write_csv(out / "standings.csv", table)
    (out / "standings.json").write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    reps = len({r["replication"] for r in rows})
    games = len({r["game"] for r in rows})
    base = scenario.employer(0)
    title = f"recruitsim league: {scenario.name}"
    doc = [
        Heading(1, title),
        Paragraph(
            f"{len(table)} strategies as {seats} competing employers with identical "
            f"vacancies ({base.vacancy.occupation} in {base.vacancy.location}, budget "
            f"{base.budget.total:,.0f} {base.budget.currency} each, {base.campaign.days} "
            f"days): {games} games (every combination in every seat order) x {reps} "
            "replications with common random numbers."
        ),
        Heading(2, "Standings"),
        ranking_table(table, base.budget.currency, reps),
        Heading(2, "Manifest"),
        Bullets(
            tuple(
                item
                for item in (
                    (Code("scenario"), f" {scenario.name} ", Code(scenario.content_hash[:12])),
                    (Code("seed"), f" {seed}"),
                    (Code("population"), f" {base.population.size or 'scenario default'}"),
                    (Code("command"), " ", Code(command)) if command else None,
                    (Code("wall time"), f" {sum(r['wall_time_s'] for r in rows) / seats:,.0f} s"),
                )
                if item is not None
            )
        ),
    ]
    (out / "report.md").write_text(to_markdown(doc), encoding="utf-8")
    html_path = out / "report.html"
    html_path.write_text(to_html(doc, {}, title), encoding="utf-8")
    return html_path
