"""How far the one-day default run is from a lean numpy floor of the same work.

Usage::

    .venv/bin/python benchmarks/floor.py            # engine against the numpy floor
    .venv/bin/python benchmarks/floor.py --numba    # ... and the floor compiled (numba)

The run's hourly delivery draws ad opportunities from two audiences, holds an auction for
each and lets the people who see an ad respond. This script runs the default scenario
compressed into one day once (as ``cpu_times.py oneday``), records how many
opportunities each ad set drew each hour and how many it bought, and then replays the
same sizes with the least work a vectorised engine could do for them:

- each hour and ad set, draw the same number of members from the same audience with
  :class:`sim.sampling.RateSampler`, read two per-member values (one 8-byte gather), two
  normal deviates, and compare bid with price;
- for the same number of impressions as the run bought: read the person's platform
  count, fatigue record, awareness, search state and whether they clicked (five random
  reads over everyone), draw two uniforms, compute one click probability, and write the
  count, fatigue and awareness back (three random writes); append person and price to a
  log.

None of the model's rules is in the floor: no pacing, budget or frequency cap, no rank
within the hour, no fading memory, no applications, applicant tracking or pipeline, no
daily life, tallies or optimiser. The floor's setup is only the audiences' samplers and
their per-member values (a gather and an operation each). It is a lower bound to read
the engine's figure against, not a model. Times are CPU time (``time.process_time``),
best of five.

``--numba`` also times the floor's delivery with its per-opportunity work after the draws
as one compiled loop (numba, which recruitsim does not depend on: ``pip install numba``
first), to see what a compiled kernel would save: the draws stay numpy's, and the rest is
random reads and writes over everyone, which compiling does not make cheaper.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict

import benchlib
import numpy as np

import strategies
from sim import model
from sim.sampling import RateSampler

ROUNDS = 5


def _record(sc, pop) -> tuple[list[tuple[int, int, int]], list[tuple[np.ndarray, np.ndarray]]]:
    """One engine run: the draws and purchases of each delivery call, and the audiences.

    Returns ``(calls, audiences)``: ``calls`` lists ``(ad set, opportunities, bought)``
    in the order the run made them; ``audiences`` each ad set's members (int64, shape
    (k,)) and their session rates (float32, shape (k,)).
    """
    seeds = model.run_seeds(sc.seed, benchlib.REPLICATION)
    m = model.RecruitingModel(sc, strategies.make(benchlib.STRATEGY), seeds, benchlib.fresh(pop))
    market = m.market
    drawn: list[tuple[int, int, int]] = []
    states = list(market._active)
    for k, st in enumerate(states):
        draw = st.sampler.draw

        def counted(rng, n, _draw=draw, _k=k):
            drawn.append((_k, n, int(m.env.now)))  # (the clock's hour)
            return _draw(rng, n)

        st.sampler.draw = counted
    m.run()
    log = market.log.arrays()
    bought = defaultdict(int)
    keys = [st.key for st in states]
    for key, hour in zip(log["adset"].tolist(), log["hour"].tolist(), strict=True):
        bought[(keys.index(key), hour)] += 1
    calls = [(k, n, bought.get((k, hour), 0)) for k, n, hour in drawn]
    audiences = [
        (st.audience, market.view(st.adset.platform).sessions[st.audience]) for st in states
    ]
    model.release(m)
    return calls, audiences


def _people_state(n_people: int) -> tuple[np.ndarray, ...]:
    """The per-person arrays the floor reads and writes: platform count, fatigue record,
    awareness, search state, clicked; each shape (n_people,)."""
    return (
        np.zeros(n_people, dtype=np.uint16),
        np.zeros(n_people, dtype=[("remembered", np.float32), ("last_seen", np.int32)]),
        np.zeros(n_people, dtype=np.float32),
        np.zeros(n_people, dtype=np.uint8),
        np.zeros(n_people, dtype=bool),
    )


def floor(n_people: int, calls, audiences, rng: np.random.Generator) -> tuple[float, float, int]:
    """The lean floor's setup and delivery CPU times, and the impressions it bought."""
    t0 = time.process_time()
    tables = _floor_tables(audiences)
    t1 = time.process_time()
    count, fatigue, awareness, state, clicked = _people_state(n_people)
    log_person, log_price = [], []
    total = 0
    for step, (k, n, n_bought) in enumerate(calls):  # (step: the hour's stand-in)
        members, sampler, values, p_click = tables[k]
        local = sampler.draw(rng, n)
        both = values[local]
        z = rng.standard_normal((2, n), dtype=np.float32)
        price = both[:, 1] * np.exp(np.float32(0.3) * z[0])
        bid = both[:, 0] * np.exp(np.float32(0.3) * z[1])
        won = np.flatnonzero(bid > np.float32(0.0) * price)[:n_bought]  # as many as the run
        who = local[won]
        person = members[who]
        before = count[person]
        memory = fatigue[person]
        aware = awareness[person]
        p = p_click[who] * (1 + aware) / (1 + memory["remembered"]) * (state[person] + 1)
        u = rng.random((2, who.size), dtype=np.float32)
        hit = (u[0] < p) & ~clicked[person]
        count[person] = before + 1
        memory["remembered"] += 1
        memory["last_seen"] = step
        fatigue[person] = memory
        awareness[person] = aware + np.float32(0.1) * (1 - aware)
        clicked[person[hit]] = True
        log_person.append(person)
        log_price.append(price[won])
        total += who.size
    np.concatenate(log_person), np.concatenate(log_price)
    t2 = time.process_time()
    return t1 - t0, t2 - t1, total


def _floor_tables(audiences) -> list[tuple]:
    """Per audience: members, sampler, (bid, price) stand-ins shape (k, 2), click rates."""
    tables = []
    for members, sessions in audiences:
        values = np.empty((members.size, 2), dtype=np.float32)
        values[:, 0] = sessions * np.float32(2.0)  # (stand-ins: a gather and an operation)
        values[:, 1] = sessions + np.float32(1.0)
        p_click = sessions * np.float32(0.01)
        tables.append((members, RateSampler(sessions), values, p_click))
    return tables


def _compiled_kernel():
    """The floor's work after the draws for one delivery call, compiled by numba."""
    try:
        import numba
    except ImportError:
        sys.exit("--numba needs numba (not a recruitsim dependency): pip install numba")

    @numba.njit(cache=False)
    def kernel(local, z, u, n_bought, members, values, p_click, count, remembered,
               last_seen, awareness, state, clicked, hour, log_person, log_price, at):  # fmt: skip
        bought = 0
        for j in range(local.size):
            m = local[j]
            price = values[m, 1] * np.exp(np.float32(0.3) * z[0, j])
            bid = values[m, 0] * np.exp(np.float32(0.3) * z[1, j])
            if bid > np.float32(0.0) * price and bought < n_bought:
                p = members[m]
                aware = awareness[p]
                q = p_click[m] * (1 + aware) / (1 + remembered[p]) * (state[p] + 1)
                if u[0, bought] < q and not clicked[p]:
                    clicked[p] = True
                count[p] += 1
                remembered[p] += 1
                last_seen[p] = hour
                awareness[p] = aware + np.float32(0.1) * (1 - aware)
                log_person[at + bought] = p
                log_price[at + bought] = price
                bought += 1
        return bought

    return kernel


def compiled_floor(n_people: int, calls, audiences, rng: np.random.Generator, kernel) -> float:
    """The floor's delivery CPU time with the work after the draws in ``kernel``."""
    tables = _floor_tables(audiences)
    start = time.process_time()
    count, fatigue, awareness, state, clicked = _people_state(n_people)
    total = sum(b for _, _, b in calls)
    log_person, log_price = np.empty(total, dtype=np.int64), np.empty(total, dtype=np.float32)
    at = 0
    for step, (k, n, n_bought) in enumerate(calls):  # (step: the hour's stand-in)
        members, sampler, values, p_click = tables[k]
        local = sampler.draw(rng, n)
        z = rng.standard_normal((2, n), dtype=np.float32)
        u = rng.random((2, n_bought), dtype=np.float32)
        at += kernel(local, z, u, n_bought, members, values, p_click, count,
                     fatigue["remembered"], fatigue["last_seen"], awareness, state, clicked,
                     step, log_person, log_price, at)  # fmt: skip
    return time.process_time() - start


def main(numba: bool = False) -> str:
    sc = benchlib.scenario(benchlib.DEFAULT_SCENARIO, {"campaign.days": 1})
    pop = benchlib.generate(sc)
    engine = []
    for _ in range(ROUNDS):
        fresh = benchlib.fresh(pop)
        start = time.process_time()
        benchlib.run(sc, fresh)
        engine.append(time.process_time() - start)
    calls, audiences = _record(sc, pop)
    runs = [floor(pop.size, calls, audiences, np.random.default_rng(r)) for r in range(ROUNDS)]
    setup, delivery = min(r[0] for r in runs), min(r[1] for r in runs)
    drawn = sum(n for _, n, _ in calls)
    lines = []
    if numba:
        kernel = _compiled_kernel()
        compiled_floor(pop.size, calls[:1], audiences, np.random.default_rng(0), kernel)
        times = [compiled_floor(pop.size, calls, audiences, np.random.default_rng(r), kernel)
                 for r in range(ROUNDS)]  # fmt: skip
        lines.append(f"\nfloor's delivery compiled (numba) after the draws: {min(times):.3f} s")
    return (
        f"engine: best of {ROUNDS} {min(engine):.3f} s CPU for the whole one-day run\n"
        f"floor: setup {setup:.3f} s + delivery {delivery:.3f} s = {setup + delivery:.3f} s "
        f"({len(calls)} delivery calls, {drawn:,} opportunities, {runs[0][2]:,} impressions; "
        f"{len(audiences)} audiences of {', '.join(f'{a.size:,}' for a, _ in audiences)})\n"
        f"engine / floor: {min(engine) / (setup + delivery):.1f}"
    ) + "".join(lines)


if __name__ == "__main__":
    print(main(numba="--numba" in sys.argv[1:]))
