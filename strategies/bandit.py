"""An adaptive strategy: Thompson sampling on cost per qualified application."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from sim.campaign import AdSet, DeliveryReport, TargetingSpec
from strategies.base import Interval, Strategy, home_location, is_rejected, platforms_in_play


class Bandit(Strategy):
    """Adaptive budget allocation — a "test and learn" campaign run by a bandit.

    Several ad sets (arms: broad and interest audiences on the social platforms,
    job-title audiences on LinkedIn and the job board) start with equal budgets. Every
    day the strategy reads the applicant tracking system's screened applications (they
    arrive with a delay, so only spend older than the delay counts) and models each
    arm's qualified applications per krone as Poisson with a Gamma prior. It draws
    ``samples`` times from the posteriors and gives each arm today's budget in
    proportion to how often it had the lowest cost per qualified application, with a
    floor so no arm stops learning. Works when the arms differ and the campaign is long
    enough for feedback to arrive.

    Parameters
    ----------
    prior_cost : float
        Prior guess of the cost per qualified application (currency).
    prior_strength : float
        How many qualified applications the prior is worth.
    floor : float
        Smallest share of the daily budget an arm keeps.
    samples : int
        Posterior draws per day.
    frequency_cap : int
    """

    id = "bandit-v1"
    description = "Thompson sampling across ad sets on cost per qualified application"
    parameter_constraints: ClassVar[dict[str, list]] = {
        "prior_cost": [Interval(float, 0.0, None, closed="neither")],
        "prior_strength": [Interval(float, 0.0, None, closed="neither")],
        "floor": [Interval(float, 0.0, 1.0)],
        "samples": [Interval(int, 1, None)],
        "frequency_cap": [Interval(int, 1, None), None],
    }

    def __init__(
        self, *, prior_cost=2000.0, prior_strength=0.5, floor=0.05, samples=400, frequency_cap=8
    ):
        self.prior_cost = prior_cost
        self.prior_strength = prior_strength
        self.floor = floor
        self.samples = samples
        self.frequency_cap = frequency_cap

    def reset(self, rng, brief) -> None:
        super().reset(rng, brief)
        v = brief.vacancy
        arms = []
        for info in platforms_in_play(brief, ("facebook", "instagram", "snapchat", "tiktok")):
            where = (home_location(brief, info),)
            arms.append((f"broad-{info.name}", info.name, TargetingSpec(locations=where)))
            picked = tuple(t for t in v.typical_interests if t in info.interest_catalogue)[:3]
            if picked and "interests" in info.allowed_options:
                arms.append(
                    (
                        f"interest-{info.name}",
                        info.name,
                        TargetingSpec(locations=where, interests=picked),
                    )
                )
        for info in platforms_in_play(brief, ("linkedin", "jobboard")):
            if "job_titles" in info.allowed_options and v.occupation in info.job_title_catalogue:
                spec = TargetingSpec(
                    locations=(home_location(brief, info),), job_titles=(v.occupation,)
                )
                arms.append((f"job-title-{info.name}", info.name, spec))
        self.arms_ = arms
        self.shares_ = np.full(len(arms), 1 / max(len(arms), 1))
        self.spend_history_: list[np.ndarray] = []  # cumulative spend per arm, by day

    def _ad_sets(self, budget: float) -> list[AdSet]:
        days_left = max(self.brief_.days - len(self.spend_history_), 1)
        self.allocated_ = budget * self.shares_ / days_left  # what each arm may spend today
        return [
            AdSet(
                name,
                platform,
                spec,
                int(budget * share * 100) / 100,
                frequency_cap=self.frequency_cap,
            )
            for (name, platform, spec), share in zip(self.arms_, self.shares_, strict=True)
        ]

    def plan(self) -> list[AdSet]:
        return self._ad_sets(self.brief_.budget)

    def update(self, report: DeliveryReport) -> list[AdSet]:
        by_name = {r.name: r for r in report.ad_sets}
        spend = np.array([by_name[n].spend if n in by_name else 0.0 for n, _, _ in self.arms_])
        self.spend_history_.append(spend)
        delay = self.brief_.ats_delay_days
        screened = (
            self.spend_history_[-1 - delay] if len(self.spend_history_) > delay else spend * 0
        )
        qualified = np.array(
            [by_name[n].qualified_applications if n in by_name else 0 for n, _, _ in self.arms_]
        )
        live = np.array(
            [not is_rejected(by_name[n]) if n in by_name else False for n, _, _ in self.arms_]
        )
        # Arms that could not spend their share yesterday (a small audience, a frequency cap)
        # get no more than they managed, so the budget is not parked where it cannot work.
        spent_today = spend - (self.spend_history_[-2] if len(self.spend_history_) > 1 else 0)
        capacity = np.where(
            spent_today < 0.5 * self.allocated_,
            1.2 * spent_today / max(self.allocated_.sum(), 1e-9),
            np.inf,
        )
        alpha = self.prior_strength + qualified
        beta = self.prior_strength * self.prior_cost + screened
        draws = self.rng_.gamma(alpha, 1 / beta, size=(self.samples, len(self.arms_)))
        draws[:, ~live] = -np.inf
        wins = np.bincount(draws.argmax(axis=1), minlength=len(self.arms_)) / self.samples
        shares = np.where(live, np.maximum(wins, self.floor), 0.0)
        shares = shares / shares.sum() if shares.sum() > 0 else self.shares_
        for _ in range(len(shares)):  # cap at capacity, hand the rest to the others
            over = shares > capacity
            if not over.any() or (~over & (shares > 0)).sum() == 0:
                break
            spare = (shares[over] - capacity[over]).sum()
            shares[over] = capacity[over]
            free = ~over & (shares > 0)
            shares[free] += spare * shares[free] / shares[free].sum()
        self.shares_ = shares
        return self._ad_sets(report.budget_left)
