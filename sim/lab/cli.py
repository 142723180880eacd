"""The ``recruitsim`` command line (also ``python -m sim``).

Bad input — a malformed scenario, an unknown strategy, an impossible budget, a path
that cannot be written — prints one line naming the problem on standard error and
exits with status 2; never a traceback. When the machine stops the work (a worker
process dies again and again, the disk is full) the line says so and the exit status
is 1. Runs already written to the results store are kept whatever happens next, and
running the same command again resumes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import sysconfig
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim import geography, interests, occupations, platforms, schema
from sim.errors import RecruitsimError, ScenarioError
from sim.population import check_fits_in_memory
from sim.scenario import MAX_SEED, Scenario, bundled_scenarios, load_scenario


def _default_suite() -> Path:
    """``benchmarks/suite.toml`` of a checkout, else the copy installed with the wheel."""
    checkout = Path(__file__).resolve().parent.parent.parent / "benchmarks" / "suite.toml"
    if checkout.is_file():
        return checkout
    return Path(sysconfig.get_path("data")) / "share" / "recruitsim" / "suite.toml"


DEFAULT_SUITE = _default_suite()

#: Most local worker processes accepted (a sanity limit; estimate).
MAX_WORKERS = 256


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def _parse_value(text: str) -> Any:
    """A value as TOML would read it (number, bool, list), else the text as a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _split_values(text: str) -> list[str]:
    """Split ``a,b,[c,d]`` at top-level commas (not inside brackets or quotes)."""
    parts, depth, quote, current = [], 0, "", []
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _pairs(items: list[str] | None, flag: str, many: bool = False) -> dict[str, Any]:
    """``KEY=VALUE`` items as a dict; with ``many``, each value is a list (comma-split)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ScenarioError(flag, item, "expected KEY=VALUE")
        if many:
            out[key] = [_parse_value(v) for v in _split_values(value)]
        else:
            out[key] = _parse_value(value)
    return out


def _load(path: str, args, fixed: dict[str, Any] | None = None) -> Scenario:
    overrides = dict(fixed if fixed is not None else _pairs(getattr(args, "set", None), "--set"))
    if getattr(args, "population", None) is not None:
        overrides["population.size"] = args.population
    if getattr(args, "set_file", None):  # a scenario overlay, e.g. from `recruitsim calibrate`
        from sim.lab.calibrate import load_with_overlay

        scenario = load_with_overlay(path, args.set_file, overrides)
    else:
        scenario = load_scenario(path, overrides)
    check_fits_in_memory(scenario, source=path)
    return scenario


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``recruitsim``."""
    import sim

    p = _Parser(prog="recruitsim", description="Simulate and compare job-ad targeting strategies.")
    p.add_argument("--version", action="version", version=f"recruitsim {sim.__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    def common(q, replications: int):
        q.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
        q.add_argument("--replications", type=int, default=replications,
                       help=f"paired replications (default {replications})")  # fmt: skip
        q.add_argument("--population", type=int, help="number of simulated adults")

    def grid(q):
        q.add_argument("--strategies", default="all", help="comma-separated ids, or 'all'")
        q.add_argument("--out", metavar="DIR", help="write the table and the report here")
        q.add_argument("--db", metavar="PATH", default="results/results.db",
                       help="results store (default results/results.db)")  # fmt: skip
        q.add_argument("--baseline", help="strategy the report compares against (default broad)")
        ex = q.add_mutually_exclusive_group()
        ex.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
        ex.add_argument("--dask", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://host:8786")

    r = sub.add_parser("run", help="run one strategy on one scenario")
    r.add_argument("scenario", help="scenario file or bundled scenario name")
    r.add_argument("--strategy", help="strategy id (default: the scenario's)")
    r.add_argument("--param", action="append", metavar="KEY=VALUE", help="strategy parameter")
    r.add_argument("--json", metavar="PATH", help="write the run summary JSON ('-': stdout)")
    r.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a field")
    r.add_argument("--journeys", type=int, default=0, metavar="N",
                   help="record the journeys of N people in the JSON (default 0)")  # fmt: skip
    common(r, 1)

    c = sub.add_parser("compare", help="compare strategies over paired replications")
    c.add_argument("scenarios", nargs="+", help="scenario files or bundled scenario names")
    c.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a field")
    common(c, 5)
    grid(c)

    s = sub.add_parser("sweep", help="a grid over scenario fields and strategy parameters")
    s.add_argument("scenarios", nargs="+", help="scenario files or bundled scenario names")
    s.add_argument(
        "--set",
        action="append",
        metavar="PATH=V1,V2,...",
        help="sweep a scenario field over values, e.g. budget.total=10000,20000",
    )
    s.add_argument("--param", action="append", metavar="ID:KEY=V1,V2,...",
                   help="sweep a strategy parameter, e.g. bandit:floor=0.05,0.1")  # fmt: skip
    common(s, 5)
    grid(s)

    b = sub.add_parser("bench", help="run the standard benchmark suite")
    b.add_argument("--suite", default=str(DEFAULT_SUITE), help="suite file (TOML)")
    b.add_argument("--out", metavar="DIR", help="report folder (default results/<suite name>)")
    b.add_argument("--db", metavar="PATH", default="results/results.db", help="results store")
    b.add_argument("--replications", type=int, help="override the suite's replications")
    ex = b.add_mutually_exclusive_group()
    ex.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    ex.add_argument("--dask", metavar="ADDRESS", help="Dask scheduler address")

    rep = sub.add_parser("report", help="write a report from stored results")
    rep.add_argument("--db", metavar="PATH", default="results/results.db", help="results store")
    rep.add_argument("--out", metavar="DIR", required=True, help="report folder")
    rep.add_argument("--scenario", action="append", help="only these scenarios")
    rep.add_argument("--baseline", help="strategy to compare against")
    rep.add_argument("--test", choices=["t", "wilcoxon"], default="t", help="paired test")

    exp = sub.add_parser("export", help="export stored runs as a tidy table")
    exp.add_argument("--db", metavar="PATH", default="results/results.db", help="results store")
    fmt = exp.add_mutually_exclusive_group(required=True)
    fmt.add_argument("--csv", metavar="PATH")
    fmt.add_argument("--parquet", metavar="PATH")

    val = sub.add_parser("validate", help="reproduce the published studies of skewed delivery")
    val.add_argument("--replications", type=int, default=8,
                     help="replications per study cell (default 8)")  # fmt: skip
    val.add_argument("--out", metavar="DIR", default="results/validation",
                     help="report folder (default results/validation)")  # fmt: skip
    val.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    val.add_argument("--seed", type=int, help="root seed (default: each scenario's)")
    val.add_argument("--set", action="append", metavar="PATH=VALUE",
                     help="override a field in every study (optimiser.learning=true)")  # fmt: skip

    app = sub.add_parser("app", help="start the classroom page (a local web page)")
    app.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    app.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    lg = sub.add_parser("league", help="strategies compete as employers with identical vacancies")
    lg.add_argument("scenario", help="scenario file or bundled scenario name")
    lg.add_argument("--strategies", required=True, help="comma-separated ids (at least 2)")
    lg.add_argument("--seats", type=int, help="employers per game (default: the scenario's, >= 2)")
    lg.add_argument(
        "--out", metavar="DIR", help="report folder (default results/league-<scenario>)"
    )
    lg.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    lg.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a field")
    common(lg, 3)
    cal = sub.add_parser("calibrate", help="fit price and response parameters to an export")
    cal.add_argument("export", help="ads-manager export (CSV: recruitsim, Meta or LinkedIn)")
    cal.add_argument("--scenario", required=True, help="scenario file or bundled scenario name")
    cal.add_argument("--out", metavar="DIR", default="results/calibration",
                     help="where calibration.toml, calibration.md and fit.png go")  # fmt: skip
    cal.add_argument("--targeting", action="append", metavar="AD_SET=DESCRIPTION",
                     help="targeting of an ad set the export does not describe")  # fmt: skip
    cal.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a field")
    cal.add_argument("--seed", type=int, help="root seed of the simulations")
    cal.add_argument("--replications", type=int, default=4,
                     help="simulated replications per value (default 4)")  # fmt: skip
    cal.add_argument("--population", type=int, help="number of simulated adults")
    cal.add_argument("--workers", type=int, help="worker processes (default: all cores)")

    for q in (r, c, s, b):  # apply a scenario overlay (as `calibrate` writes) before --set
        q.add_argument("--set-file", metavar="FILE", help="scenario overlay TOML")

    lst = sub.add_parser("list", help="list strategies, scenarios and catalogues")
    lst.add_argument(
        "what", nargs="?", default="strategies",
        choices=["strategies", "scenarios", "occupations", "platforms", "interests", "places"],
    )  # fmt: skip
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0, 1 when the machine failed, 2 for bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # a bare `recruitsim`: the help, as a usage error
        parser.print_help(sys.stderr)
        return 2
    commands = {"run": _run, "compare": _compare, "sweep": _sweep, "bench": _bench,
                "report": _report, "export": _export, "list": _list,
                "validate": _validate, "app": _app, "league": _league,
                "calibrate": _calibrate}  # fmt: skip
    try:
        return commands[args.command](args)
    except RecruitsimError as exc:
        sys.stderr.write(f"recruitsim: error: {_one_line(exc)}\n")
        return exc.exit_status
    except MemoryError:
        sys.stderr.write(
            "recruitsim: error: out of memory; use a smaller --population or fewer --workers "
            "(finished runs are kept in the results store)\n"
        )
        return 1
    except BrokenPipeError:  # `recruitsim list | head`: the reader has gone, stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("recruitsim: interrupted; finished runs are kept in the results store\n")
        return 130


def _one_line(exc: Exception) -> str:
    """An error's message on one line (a nested error may carry newlines)."""
    return " ".join(str(exc).split())


def _check_count(flag: str, n: int | None, most: int | None = None) -> None:
    if n is not None and n < 1:
        raise ScenarioError(flag, "", f"expected an integer >= 1, got {n}")
    if n is not None and most is not None and n > most:
        raise ScenarioError(flag, "", f"expected an integer <= {most}, got {n}")


def _check_seed(seed: int | None) -> None:
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise ScenarioError("--seed", "", f"expected an integer from 0 to 2**63-1, got {seed}")


def _check_common(args) -> None:
    """The flags every run command shares: replications, seed, population, workers."""
    _check_count("--replications", getattr(args, "replications", None), 100_000)
    _check_seed(getattr(args, "seed", None))
    _check_count("--population", getattr(args, "population", None))
    _check_count("--workers", getattr(args, "workers", None), MAX_WORKERS)


def _writable_file(path: str, flag: str) -> Path:
    """Refuse an output file that cannot be written (a folder, a file as its folder)."""
    target = Path(path)
    if target.is_dir():
        raise ScenarioError(flag, "", f"{path} is a folder, expected a file path")
    _writable_dir(target.parent, flag, path)
    return target


def _writable_dir(folder: Path, flag: str, given: str | None = None) -> Path:
    """Refuse an output folder that is a file, lies under a file or cannot be created."""
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                raise ScenarioError(
                    flag, "", f"cannot write {given or folder}: {parent} is a file, not a folder"
                )
            if not os.access(parent, os.W_OK | os.X_OK):
                raise ScenarioError(
                    flag, "", f"cannot write {given or folder}: {parent} is not writable"
                )
            break
    return folder


def _run(args) -> int:
    import strategies
    from sim.model import run

    _check_common(args)
    if args.journeys < 0:
        raise ScenarioError("--journeys", "", f"expected an integer >= 0, got {args.journeys}")
    if args.json and args.json != "-":
        _writable_file(args.json, "--json")
    scenario = _load(args.scenario, args)
    first = scenario.employer(0)  # the scenario itself unless it lists [[employers]]
    sid = args.strategy or first.strategy.id
    params = dict(first.strategy.params) if args.strategy is None else {}
    if args.strategy is None:  # the scenario's own strategy: name the file and the field
        try:
            strategies.make(sid, **params)
        except RecruitsimError as exc:
            field = "strategy.params" if "parameter" in str(exc) else "strategy.id"
            raise ScenarioError(args.scenario, field, str(exc)) from None
    params.update(_pairs(args.param, "--param"))
    strategies.make(sid, **params)  # fail fast on an unknown id or parameter
    # With `--json -` standard output carries the JSON alone; the summary goes to stderr.
    out = sys.stderr if args.json == "-" else sys.stdout
    summaries = []
    for rep in range(args.replications):
        # With competing employers the given strategy plays the first; the rest their own.
        plays = [strategies.make(sid, **params)] + [
            strategies.make(e.strategy.id, **e.strategy.params) for e in scenario.employers[1:]
        ]
        res = run(
            scenario, plays if len(plays) > 1 else plays[0], seed=args.seed, replication=rep,
            journeys=args.journeys,
        )  # fmt: skip
        summary = res.to_dict()
        summary["ad_sets"] = res.ad_sets
        summaries.append(summary)
        m = res.metrics
        cpqa = m["cost_per_qualified_application"]
        hired = f" · hired {m['hires']}"
        if m["time_to_hire_days"] is not None:
            hired += f" in {m['time_to_hire_days']:.0f} days"
        print(
            f"{scenario.name} · {res.strategy} · replication {rep}: "
            f"reach {m['reach']:,} · relevance {_pct(m['relevance'])} · CTR {_pct(m['ctr'])} · "
            f"applications {m['applications']} ({m['qualified_applications']} qualified) · "
            f"spend {m['spend']:,.0f} {res.currency} · cost/qualified application "
            f"{'—' if cpqa is None else f'{cpqa:,.0f}'}{hired}",
            file=out,
        )
        for line in _run_notes(summary, scenario):
            print(f"  {line}", file=out)
        for e in res.employers:
            m, price = e["metrics"], res.market.get("price_of_competition", {}).get(e["name"], {})
            ratio = price.get("cpm_ratio")
            print(
                f"  {e['name']} · {e['strategy']}: spend {m['spend']:,.0f} · "
                f"CPM {m['cpm'] or 0:,.1f} ({'—' if ratio is None else f'{ratio:.2f}'}x alone) · "
                "qualified applications "
                f"{m['qualified_applications']} · hires {m['hires']} · offers lost to a "
                f"competitor {e['pipeline']['offers_lost_to_competitor']}",
                file=out,
            )
    if args.json:
        text = json.dumps(summaries[0] if len(summaries) == 1 else summaries, indent=2)
        if args.json == "-":
            print(text)
        else:
            target = _writable_file(args.json, "--json")
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text + "\n", encoding="utf-8")
            except OSError as exc:
                raise ScenarioError(
                    "--json", "", f"cannot write {args.json}: {exc.strerror}"
                ) from None
    return 0


def _league(args) -> int:
    from sim.lab.league import play, write_league

    _check_count("--replications", args.replications)
    _check_count("--workers", args.workers)
    _check_seed(args.seed)
    scenario = _load(args.scenario, args)
    ids = _strategy_ids(args.strategies)
    seats = args.seats if args.seats is not None else max(scenario.n_employers, 2)
    root = scenario.seed if args.seed is None else args.seed

    def progress(done: int, total: int) -> None:
        sys.stderr.write(f"league: replication {done}/{total} done\n")

    rows = play(scenario, ids, seats=seats, replications=args.replications, seed=root,
                workers=args.workers, progress=progress)  # fmt: skip
    out = Path(args.out or f"results/league-{scenario.name}")
    command = (
        f"recruitsim league {args.scenario} --strategies {args.strategies} --seats {seats} "
        f"--replications {args.replications} --seed {root}"
        + (f" --population {args.population}" if args.population else "")
        + "".join(f" --set {item}" for item in args.set or [])
    )
    html = write_league(rows, out, scenario=scenario, seats=seats, seed=root, command=command)
    print((out / "report.md").read_text(encoding="utf-8"))
    print(f"wrote {out / 'games.csv'}, {out / 'standings.csv'} and the report {html}")
    return 0


def _run_notes(summary: dict, scenario: Scenario) -> list[str]:
    """What a user should know about a run beyond its numbers (rejections, no one qualified)."""
    from sim.lab.experiment import rejected_ad_sets

    notes = [
        f"ad set {a['name']!r} on {a['platform']} was not published — {a['status']}"
        for a in rejected_ad_sets(summary)
    ]
    qualified = summary["metrics"]["qualified_by_gender"]
    if sum(qualified.values()) == 0:
        notes.append(
            "warning: nobody in the simulated population qualifies for the vacancy "
            f"({scenario.vacancy.occupation} within {scenario.vacancy.max_distance_km:g} km of "
            f"{scenario.vacancy.location}); qualified metrics are empty — widen "
            "vacancy.max_distance_km or population.regions, or use a larger population"
        )
    return notes


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.2%}"


def _strategy_ids(text: str) -> list[str]:
    import strategies
    from strategies.registry import builtin_ids, resolve_id

    if text == "all":
        return builtin_ids()
    ids = [s.strip() for s in text.split(",") if s.strip()]
    if not ids:
        raise ScenarioError("--strategies", "", f"expected strategy ids or 'all', got {text!r}")
    out = []
    for sid in ids:
        out.append(sid if ":" in sid else resolve_id(sid))
        strategies.make(sid)  # an unknown id or a broken reference fails here, before any run
    return out


def _strategy_params(items: list[str] | None, ids: list[str]) -> dict[str, list[dict]]:
    """``ID:KEY=V1,V2`` items as {resolved id: [param dicts, the product of the values]}."""
    from itertools import product

    import strategies
    from strategies.registry import resolve_id

    per: dict[str, dict[str, list]] = {}
    for item in items or []:
        sid, sep, rest = item.partition(":")
        if not sep or "=" not in rest:
            raise ScenarioError("--param", item, "expected ID:KEY=V1,V2,...")
        rid = sid if sid in ids else resolve_id(sid)
        per.setdefault(rid, {}).update(_pairs([rest], "--param", many=True))
    out = {
        sid: [dict(zip(values, combo, strict=True)) for combo in product(*values.values())]
        for sid, values in per.items()
    }
    for sid, combos in out.items():  # a bad value fails here, in one line, before any run
        for combo in combos:
            strategies.make(sid, **combo)
    return out


def _execute_grid(args, specs, title: str, out: Path | None, baseline: str | None) -> list[dict]:
    from sim.lab.experiment import make_executor, progress_printer, run_grid
    from sim.lab.stats import format_table
    from sim.lab.store import ResultsStore

    _check_count("--workers", getattr(args, "workers", None), MAX_WORKERS)
    _check_baseline(baseline, specs)
    if out is not None:
        _writable_dir(out, "--out")
    with ResultsStore(args.db) as store:
        executor = make_executor(getattr(args, "workers", None), getattr(args, "dask", None))
        stored = sum(1 for s in specs if s.key in store)
        if stored:
            sys.stderr.write(f"{stored} of {len(specs)} runs already in {args.db}; skipping them\n")
        try:
            records = run_grid(specs, store, executor, progress_printer())
        finally:
            executor.close()
    table = format_table(records)
    print(table)
    rejected = _rejections(records)
    if rejected:
        print("\n".join(rejected))
    if out is not None:
        from sim.lab.report import write_report

        try:
            out.mkdir(parents=True, exist_ok=True)
            (out / "compare.txt").write_text(table + "\n", encoding="utf-8")
            (out / "runs.json").write_text(
                json.dumps([r["summary"] for r in records], indent=1) + "\n", encoding="utf-8"
            )
            html = write_report(records, out, title=title, baseline=baseline)
        except OSError as exc:
            raise ScenarioError(
                "--out",
                "",
                f"cannot write the report to {out}: {exc.strerror or exc} "
                f"(the runs are kept in {args.db}; `recruitsim report` writes it again)",
            ) from None
        print(f"wrote {out / 'compare.txt'}, {out / 'runs.json'} and the report {html}")
    return records


def _rejections(records: list[dict]) -> list[str]:
    """One line per strategy and ad set the platform refused to publish, with the reason."""
    from sim.lab.experiment import rejected_ad_sets

    seen: dict[tuple, int] = {}
    reasons: dict[tuple, str] = {}
    for rec in records:
        for a in rejected_ad_sets(rec["summary"]):
            k = (rec["scenario"], rec["label"], a["name"], a["platform"])
            seen[k] = seen.get(k, 0) + 1
            reasons.setdefault(k, a["status"])
    return [
        f"note: {label}: ad set {name!r} on {platform} was not published in {n} run(s) of "
        f"{scenario} — {reasons[(scenario, label, name, platform)]}"
        for (scenario, label, name, platform), n in seen.items()
    ]


def _check_baseline(baseline: str | None, specs) -> None:
    """Refuse an unknown ``--baseline`` before any run (not after the whole grid)."""
    if baseline is None:
        return
    from strategies.registry import resolve_id

    labels = {s.label for s in specs} | {s.strategy for s in specs}
    if baseline in labels:
        return
    try:
        resolved = baseline if ":" in baseline else resolve_id(baseline)
    except RecruitsimError:
        resolved = baseline
    if resolved not in labels:
        from sim.errors import did_you_mean

        raise ScenarioError(
            "--baseline", "",
            f"{baseline!r} is not among the strategies compared{did_you_mean(baseline, labels)}",
        )  # fmt: skip


def _compare(args) -> int:
    from sim.lab.experiment import expand_grid

    _check_common(args)
    scenarios = [_load(s, args) for s in args.scenarios]
    ids = _strategy_ids(args.strategies)
    specs = expand_grid(scenarios, ids, args.replications, seed=args.seed)
    title = "Strategy comparison: " + ", ".join(s.name for s in scenarios)
    _execute_grid(args, specs, title, Path(args.out) if args.out else None, args.baseline)
    return 0


def _sweep(args) -> int:
    from sim.lab.experiment import expand_grid

    _check_common(args)
    sweep = _pairs(args.set, "--set", many=True)
    fixed = {k: v[0] for k, v in sweep.items() if len(v) == 1}
    swept = {k: v for k, v in sweep.items() if len(v) > 1}
    scenarios = [_load(s, args, fixed) for s in args.scenarios]
    ids = _strategy_ids(args.strategies)
    params = _strategy_params(args.param, ids)
    specs = expand_grid(scenarios, ids, args.replications, seed=args.seed, sweep=swept,
                        params=params)  # fmt: skip
    title = "Sweep: " + ", ".join(s.name for s in scenarios)
    _execute_grid(args, specs, title, Path(args.out) if args.out else None, args.baseline)
    return 0


@dataclass(frozen=True)
class Suite:
    """A benchmark suite file (``benchmarks/suite.toml``): the comparison ``bench`` runs."""

    name: str = schema.documented(doc="short name; the report goes to results/<name>",
                                  nonempty=True)  # fmt: skip
    scenarios: tuple[str, ...] = schema.documented(
        doc="scenario files or bundled scenario names", nonempty=True
    )
    replications: int = schema.documented(
        doc="paired replications", unit="runs", min=1, max=100_000
    )
    description: str = schema.documented("", doc="the report's title")
    strategies: str | tuple[str, ...] = schema.documented(
        "all", doc="strategy ids, or 'all' for the built-ins", nonempty=True
    )
    seed: int = schema.documented(20261125, doc="root seed", min=0, max=MAX_SEED)
    baseline: str = schema.documented("broad-v1", doc="strategy the report compares against")
    overrides: dict[str, schema.Scalar | tuple[schema.Scalar, ...]] = schema.documented(
        {}, doc="scenario fields set for every scenario (dotted path = value)"
    )


def load_suite(path: str | Path) -> Suite:
    """Read and check a benchmark suite file (TOML).

    Raises
    ------
    ScenarioError
        Naming the file and the field: unknown keys, wrong types, out-of-range values.
    """
    data = schema.read_toml(path, str(path), what="suite")
    return schema.build(Suite, data, "", str(path))


def _bench(args) -> int:
    from sim.lab.experiment import expand_grid

    _check_common(args)
    suite = load_suite(args.suite)
    replications = args.replications or suite.replications
    scenarios = []
    for i, name in enumerate(suite.scenarios):
        try:
            scenario = load_scenario(name, dict(suite.overrides))
        except ScenarioError as exc:
            raise ScenarioError(args.suite, f"scenarios[{i}]", str(exc)) from None
        check_fits_in_memory(scenario, source=name)
        scenarios.append(scenario)
    try:
        ids = _strategy_ids(suite.strategies if isinstance(suite.strategies, str)
                            else ",".join(suite.strategies))  # fmt: skip
    except RecruitsimError as exc:
        raise ScenarioError(args.suite, "strategies", str(exc)) from None
    specs = expand_grid(scenarios, ids, replications, seed=suite.seed)
    try:
        _check_baseline(suite.baseline, specs)
    except ScenarioError as exc:
        raise ScenarioError(args.suite, "baseline", str(exc).partition("--baseline: ")[2]) from None
    out = Path(args.out or Path("results") / suite.name)
    args.baseline = suite.baseline
    _execute_grid(args, specs, suite.description or f"Benchmark suite: {suite.name}",
                  out, args.baseline)  # fmt: skip
    return 0


def _report(args) -> int:
    from sim.lab.report import write_report
    from sim.lab.store import ResultsStore

    if not Path(args.db).is_file():
        raise ScenarioError(args.db, "", "no such results store")
    _writable_dir(Path(args.out), "--out")
    from sim.lab.experiment import code_fingerprint

    with ResultsStore(args.db) as store:
        records = store.records()
    current = [r for r in records if r["manifest"].get("code_fingerprint") == code_fingerprint()]
    if current and len(current) < len(records):
        sys.stderr.write(
            f"reporting the {len(current)} runs made by this version of the code "
            f"({len(records) - len(current)} older runs left out)\n"
        )
        records = current
    if args.scenario:
        records = [r for r in records if r["scenario"] in set(args.scenario)]
    if not records:
        raise ScenarioError(args.db, "", "no stored runs to report on")
    if args.baseline is not None:
        labels = {r["label"] for r in records} | {r["strategy"] for r in records}
        if args.baseline not in labels:
            from sim.errors import did_you_mean

            raise ScenarioError("--baseline", "", f"{args.baseline!r} is not among the stored "
                                f"strategies{did_you_mean(args.baseline, labels)}")  # fmt: skip
    try:
        html = write_report(records, Path(args.out), baseline=args.baseline, test=args.test)
    except OSError as exc:
        raise ScenarioError(
            "--out", "", f"cannot write {args.out}: {exc.strerror or exc}"
        ) from None
    print(f"wrote {html}")
    return 0


def _export(args) -> int:
    from sim.lab.store import ResultsStore

    if not Path(args.db).is_file():
        raise ScenarioError(args.db, "", "no such results store")
    flag, target = ("--csv", args.csv) if args.csv else ("--parquet", args.parquet)
    _writable_file(target, flag)
    with ResultsStore(args.db) as store:
        try:
            path = store.export_csv(args.csv) if args.csv else store.export_parquet(args.parquet)
        except OSError as exc:
            raise ScenarioError(flag, "", f"cannot write {target}: {exc.strerror or exc}") from None
    print(f"wrote {path}")
    return 0


def _validate(args) -> int:
    import time

    from sim.lab.validation import run_studies, write_validation_report

    _check_common(args)
    _writable_dir(Path(args.out), "--out")
    start = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done == total or done % max(total // 10, 1) == 0:
            sys.stderr.write(f"validate: {done}/{total} runs, {time.perf_counter() - start:.0f}s\n")

    overrides = tuple(_pairs(args.set, "--set").items())
    findings = run_studies(replications=args.replications, workers=args.workers,
                           seed=args.seed, progress=progress, overrides=overrides)  # fmt: skip
    for f in findings:
        print(f"{f.study.id:14s} {f.verdict:8s} {f.study.title}")
    md = write_validation_report(findings, Path(args.out))
    print(f"wrote {md} and {md.with_suffix('.html')} ({time.perf_counter() - start:.0f}s)")
    return 0


def _app(args) -> int:
    if not 0 <= args.port <= 65535:
        raise ScenarioError("--port", "", f"expected a port from 0 to 65535, got {args.port}")
    from sim.lab.app import serve

    try:
        serve(args.host, args.port)
    except OSError as exc:
        raise ScenarioError("--port", "", f"cannot listen on {args.host}:{args.port}: "
                            f"{exc.strerror}") from None  # fmt: skip


def _calibrate(args) -> int:
    import os

    from sim.lab.calibrate import calibrate, write_report
    from sim.lab.exports import read_export, with_targeting

    _check_count("--replications", args.replications)
    _check_count("--workers", args.workers)
    _check_seed(args.seed)
    scenario = _load(args.scenario, args)
    export = with_targeting(read_export(args.export), _pairs(args.targeting, "--targeting"))
    workers = args.workers or min(os.cpu_count() or 1, args.replications)
    result = calibrate(scenario, export, replications=args.replications, seed=args.seed,
                       workers=workers)  # fmt: skip
    for e in result.estimates:
        if e.estimated:
            print(f"{e.parameter.path:32s} {e.value:8.4g}   90 % interval "
                  f"[{e.low:.4g}, {e.high:.4g}]")  # fmt: skip
        elif not e.reason.startswith("no ad set"):
            print(f"{e.parameter.path:32s} left at {e.value:g}: {e.reason}")
    md = write_report(result, Path(args.out), scenario.name)
    print(
        f"wrote {md.parent / 'calibration.toml'}, {md} and {md.parent / 'fit.png'} "
        f"({result.simulations} simulations, {result.seconds:.0f}s wall, "
        f"{result.cpu_seconds:.0f}s CPU with {workers} worker(s))"
    )
    return 0


def _list(args) -> int:
    if args.what == "strategies":
        from strategies import list_strategies

        for entry in list_strategies():
            print(f"{entry.id:24s} {entry.description}")
    elif args.what == "scenarios":
        for path in bundled_scenarios():
            s = load_scenario(path)
            print(f"{path.stem:24s} {s.description}")
    elif args.what == "occupations":
        for o in occupations.OCCUPATIONS:
            print(f"{o.id:30s} STYRK {o.styrk}  {o.name}")
    elif args.what == "platforms":
        for p in platforms.PLATFORMS.values():
            print(f"{p.name:10s} {p.label:10s} targeting: {', '.join(sorted(p.targeting_options))}")
            print(f"{'':21s} minimum audience {p.min_audience:,} people "
                  f"(custom audiences {p.min_custom_audience:,})")  # fmt: skip
            if p.sac_bans or p.min_radius_km_sac:
                banned = ", ".join(sorted(p.sac_bans)) or "nothing"
                print(f"{'':21s} employment policy (special ad category): no {banned}; "
                      f"radius at least {p.min_radius_km_sac:g} km")  # fmt: skip
            else:
                print(f"{'':21s} employment policy: the same options as standard")
    elif args.what == "interests":
        print("\n".join(interests.TOPIC_NAMES))
    else:
        for place in geography.PLACES:
            print(f"{place.name:28s} {place.region}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
