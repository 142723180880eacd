"""The ``recruitsim`` command line (also ``python -m sim``).

Bad input — a malformed scenario, an unknown strategy, an impossible budget — prints
one line naming the problem on standard error and exits with status 2; never a
traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from sim import geography, interests, occupations, platforms
from sim.errors import RecruitsimError, ScenarioError
from sim.scenario import SCENARIO_DIR, Scenario, load_scenario


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def _parse_value(text: str) -> Any:
    """A ``--set``/``--param`` value as TOML would read it (number, bool, list), else a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _pairs(items: list[str] | None, flag: str) -> dict[str, Any]:
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ScenarioError(flag, item, "expected KEY=VALUE")
        out[key] = _parse_value(value)
    return out


def _load(path: str, args) -> Scenario:
    overrides = _pairs(getattr(args, "set", None), "--set")
    if getattr(args, "population", None):
        overrides["population.size"] = args.population
    return load_scenario(path, overrides)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``recruitsim``."""
    p = _Parser(prog="recruitsim", description="Simulate and compare job-ad targeting strategies.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(q):
        q.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
        q.add_argument("--replications", type=int, default=1, help="paired replications")
        q.add_argument("--population", type=int, help="number of simulated adults")
        q.add_argument(
            "--set", action="append", metavar="PATH=VALUE",
            help="override a scenario field, e.g. --set budget.total=50000",
        )  # fmt: skip

    r = sub.add_parser("run", help="run one strategy on one scenario")
    r.add_argument("scenario", help="scenario file or bundled scenario name")
    r.add_argument("--strategy", help="strategy id (default: the scenario's)")
    r.add_argument("--param", action="append", metavar="KEY=VALUE", help="strategy parameter")
    r.add_argument("--json", metavar="PATH", help="write the run summary JSON ('-': stdout)")
    common(r)

    c = sub.add_parser("compare", help="compare strategies over paired replications")
    c.add_argument("scenarios", nargs="+", help="scenario files or bundled scenario names")
    c.add_argument("--strategies", default="all", help="comma-separated ids, or 'all' built-ins")
    c.add_argument("--out", metavar="DIR", help="write the table, runs and tidy CSV here")
    common(c)
    c.set_defaults(replications=5)

    lst = sub.add_parser("list", help="list strategies, scenarios and catalogues")
    lst.add_argument(
        "what", nargs="?", default="strategies",
        choices=["strategies", "scenarios", "occupations", "platforms", "interests", "places"],
    )  # fmt: skip
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "compare":
            return _compare(args)
        return _list(args)
    except RecruitsimError as exc:
        sys.stderr.write(f"recruitsim: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("recruitsim: interrupted\n")
        return 130


def _check_replications(n: int) -> None:
    if n < 1:
        raise ScenarioError("--replications", "", f"expected an integer >= 1, got {n}")


def _run(args) -> int:
    import strategies
    from sim.model import run

    _check_replications(args.replications)
    scenario = _load(args.scenario, args)
    sid = args.strategy or scenario.strategy.id
    params = dict(scenario.strategy.params) if args.strategy is None else {}
    params.update(_pairs(args.param, "--param"))
    strategies.make(sid, **params)  # fail fast on an unknown id or parameter
    results = []
    for rep in range(args.replications):
        res = run(scenario, strategies.make(sid, **params), seed=args.seed, replication=rep)
        results.append(res)
        m = res.metrics
        cpqa = m["cost_per_qualified_application"]
        print(
            f"{scenario.name} · {res.strategy} · replication {rep}: "
            f"reach {m['reach']:,} · relevance {_pct(m['relevance'])} · CTR {_pct(m['ctr'])} · "
            f"applications {m['applications']} ({m['qualified_applications']} qualified) · "
            f"spend {m['spend']:,.0f} {res.currency} · cost/qualified application "
            f"{'—' if cpqa is None else f'{cpqa:,.0f}'}"
        )
    if args.json:
        data = [r.to_dict() for r in results]
        text = json.dumps(data[0] if len(data) == 1 else data, indent=2)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.2%}"


def _compare(args) -> int:
    import strategies
    from sim.experiment import format_table, replicate, summarise
    from strategies.registry import builtin_ids, resolve_id

    _check_replications(args.replications)
    scenarios = [_load(s, args) for s in args.scenarios]
    if args.strategies == "all":
        ids = builtin_ids()
    else:
        ids = [s.strip() for s in args.strategies.split(",") if s.strip()]
    for sid in ids:
        if ":" not in sid:
            resolve_id(sid)
        strategies.make(sid)
    total = len(scenarios) * len(ids) * args.replications
    start = time.perf_counter()
    done = 0

    tty = sys.stderr.isatty()

    def progress(res):
        nonlocal done
        done += 1
        elapsed = time.perf_counter() - start
        eta = elapsed / done * (total - done)
        line = (
            f"[{done}/{total}] {res.scenario} · {res.strategy} · rep {res.replication}"
            f" · {elapsed:.0f}s elapsed, ~{eta:.0f}s left"
        )
        if tty:  # one line, rewritten in place
            sys.stderr.write(f"\r{line}   ")
        elif done == total or done % max(total // 10, 1) == 0:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    results = replicate(scenarios, ids, args.replications, seed=args.seed, progress=progress)
    if tty:
        sys.stderr.write("\n")
    table = format_table(results)
    print(table)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "compare.txt").write_text(table + "\n", encoding="utf-8")
        (out / "runs.json").write_text(
            json.dumps([r.to_dict() for r in results], indent=1) + "\n", encoding="utf-8"
        )
        rows = summarise(results)
        with open(out / "summary.csv", "w", encoding="utf-8") as fh:
            fh.write("scenario,strategy,metric,mean,ci_low,ci_high,n\n")
            for row in rows:
                fh.write(",".join("" if v is None else str(v) for v in row.values()) + "\n")
        print(f"wrote {out / 'compare.txt'}, {out / 'runs.json'}, {out / 'summary.csv'}")
    return 0


def _list(args) -> int:
    if args.what == "strategies":
        from strategies import list_strategies

        for entry in list_strategies():
            print(f"{entry.id:22s} {entry.description}")
    elif args.what == "scenarios":
        for path in sorted(SCENARIO_DIR.glob("*.toml")):
            s = load_scenario(path)
            print(f"{path.stem:24s} {s.description}")
    elif args.what == "occupations":
        for o in occupations.OCCUPATIONS:
            print(f"{o.id:30s} STYRK {o.styrk}  {o.name}")
    elif args.what == "platforms":
        for p in platforms.PLATFORMS.values():
            print(f"{p.name:10s} {p.label:10s} targeting: {', '.join(sorted(p.targeting_options))}")
    elif args.what == "interests":
        print("\n".join(interests.TOPIC_NAMES))
    else:
        for place in geography.PLACES:
            print(f"{place.name:28s} {place.region}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
