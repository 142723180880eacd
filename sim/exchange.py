"""Competing employers: one auction for their ads, and what the competition did.

When a scenario lists several employers (``[[employers]]``), each has its own
:class:`~sim.market.Market` (ad sets, pacing, frequency caps) and they all share the
platforms and the background competition. The :class:`AdExchange` joins their auctions:

- **One auction per opportunity.** An opportunity an employer's ad set enters, on a
  person who is also in other employers' audiences on that platform, is an auction
  among the employers' bids and the background's highest competing bid. Each rival
  bids what its own ad sets would bid for that person now
  (:meth:`~sim.market.Market.bids_for`: pacing multiplier x predicted value, within its
  hours, frequency cap and today's budget). The employer wins only if it outbids them
  all; under a second price it pays the highest of them. A rival that outbids it wins
  the slot in its own auctions, which it enters through its own opportunity draws (so
  an opportunity is not sold twice).
- **Pacing against each other.** Every employer's pacing multiplier moves each hour
  toward its own spending target, so each adapts to what the others bid: a richer rival
  raises everybody's prices on the people they share.
- **Turns.** Within an hour the employers deliver in turn, the first one rotating each
  hour so no seat always moves first.

Nothing here changes a one-employer run: without an exchange the market's auctions are
exactly those of :mod:`sim.market`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.market import Market
from sim.metrics import distinct
from sim.pipeline import LEFT, LOST, HiringPipeline
from sim.units import Units


class AdExchange:
    """The auctions several employers' markets share.

    Parameters
    ----------
    markets : sequence of Market
        One per employer, in seat order.
    """

    def __init__(self, markets: Sequence[Market]) -> None:
        self.markets = list(markets)

    def rival_bids(
        self, market: Market, platform: str, person: np.ndarray, hour: int
    ) -> np.ndarray:
        """The highest bid of ``market``'s rivals for ``person`` on ``platform``.

        Returns
        -------
        numpy.ndarray of float, shape (k,)
            CPM in simulated money; 0 where no rival bids.
        """
        best = np.zeros(person.size)
        for rival in self.markets:
            if rival is not market:
                best = np.maximum(best, rival.bids_for(platform, person, hour))
        return best

    def deliver_hour(self, hour: int) -> None:
        """Every employer's auctions for ``hour``, the first one rotating hour by hour."""
        n = len(self.markets)
        for j in range(n):
            self.markets[(hour + j) % n].deliver_hour(hour)


def competition_outcomes(pipeline: HiringPipeline, horizon_days: int, units: Units) -> dict:
    """What competitors took from one employer's pipeline by ``horizon_days``.

    Returns
    -------
    dict
        ``offers_lost_to_competitor``: offers the candidate would have accepted alone
        but declined for a rival's; ``left_for_competitor``: applicants hired by a rival
        while in this pipeline. Real people.
    """
    rec = pipeline.records()
    done = rec["outcome_hour"] <= 24.0 * horizon_days
    outcome = np.where(done, rec["outcome"], -1)
    return {
        "offers_lost_to_competitor": round(units.real_people(int((outcome == LOST).sum()))),
        "left_for_competitor": round(units.real_people(int((outcome == LEFT).sum()))),
    }


def market_summary(model, per_seat: list[dict], alone: list[dict]) -> dict:
    """What the competition did, across employers.

    Parameters
    ----------
    model : RecruitingModel
        A finished run with several employers.
    per_seat : list of dict
        Each employer's summary (:func:`sim.model.seat_summary`).
    alone : list of dict
        Each employer's metrics when it ran alone on the same streams (may be empty).

    Returns
    -------
    dict
        ``employers`` (names); ``hires``: who hired whom and when, one
        ``{"person", "employer", "day"}`` per simulated hire within the horizon (person
        is the population row); ``offers_lost_to_competitor`` per employer;
        ``qualified_reached_by_several``: real people reached by at least two employers
        whose vacancies they qualify for; ``price_of_competition`` (when ``alone`` is
        given) per employer: ``cpm`` and ``cost_per_qualified_application`` in the
        competition and alone, and their ratios (competition / alone; ``None`` where a
        denominator is missing).
    """
    seats = model.seats
    names = [s.name for s in seats]
    horizon = 24.0 * (model.scenario.campaign.days + model.scenario.pipeline.extra_days)
    hires = [
        {"person": int(person), "employer": names[seat], "day": hour / 24.0}
        for person, seat, hour in model.pool.hires
        if hour <= horizon
    ]
    reached_qualified = np.zeros(model.population.size, dtype=np.int32)
    for s in seats:
        reached = distinct(s.market.log.arrays()["person"], model.population.size)
        reached_qualified[reached[s.qualified[reached]]] += 1
    several = int(np.count_nonzero(reached_qualified >= 2))
    out = {
        "employers": names,
        "hires": hires,
        "offers_lost_to_competitor": {
            n: e["pipeline"]["offers_lost_to_competitor"]
            for n, e in zip(names, per_seat, strict=True)
        },
        "qualified_reached_by_several": round(model.units.real_people(several)),
    }
    if alone:
        price = {}
        for name, e, solo in zip(names, per_seat, alone, strict=True):
            row = {}
            for key in ("cpm", "cost_per_qualified_application"):
                together, apart = e["metrics"][key], solo[key]
                row[key] = together
                row[f"{key}_alone"] = apart
                row[f"{key}_ratio"] = together / apart if together is not None and apart else None
            price[name] = row
        out["price_of_competition"] = price
    return out
