"""Lookalike audiences seeded with the employer's own staff."""

from __future__ import annotations

from typing import ClassVar

from sim.campaign import AdSet, TargetingSpec
from strategies.base import Interval, PlatformNames, Strategy, ad_set_per_platform


class Lookalike(Strategy):
    """Lookalike targeting — "a 2 % lookalike of our employees" in agency speak.

    The employer uploads a list of current employees and past hires; the platform
    finds the ``percent`` % of its users most like them by everything it knows
    (interests, age, sex, declared title) and the ad runs to those living in the
    commuting area. It works when the staff share traits the platform can see — and it
    copies the staff's demographics, which is why it is banned for job ads under the
    employment special ad category (and retired on LinkedIn). Platforms whose policy
    bans it are skipped; with none left the plan is empty.

    Parameters
    ----------
    platforms : tuple of str
    percent : float
        Size of the lookalike audience, 1-10 % of the platform's users.
    frequency_cap : int
    """

    id = "lookalike-v1"
    description = "a lookalike of the employer's employees (not allowed for job ads under SAC)"
    parameter_constraints: ClassVar[dict[str, list]] = {
        "platforms": [PlatformNames()],
        "percent": [Interval(float, 1.0, 10.0)],
        "frequency_cap": [Interval(int, 1, None), None],
    }

    def __init__(
        self, *, platforms=("facebook", "instagram", "snapchat"), percent=3.0, frequency_cap=8
    ):
        self.platforms = platforms
        self.percent = percent
        self.frequency_cap = frequency_cap

    def plan(self) -> list[AdSet]:
        def targeting(info, where):
            if "lookalike" not in info.allowed_options:
                return None
            return TargetingSpec(locations=where, lookalike_percent=self.percent)

        return ad_set_per_platform(
            self.brief_, self.platforms, "lookalike", targeting, frequency_cap=self.frequency_cap
        )
