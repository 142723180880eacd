"""Platforms: who uses them and how much, what they let advertisers target, and their rules.

Six platforms are defined: Facebook, Instagram, LinkedIn, Snapchat, TikTok and a
FINN-like job board. Each has its audience (account probability by age band and sex),
session rate and hours, ad slots per session, targeting options, policy rules, market
price level (median competing bid, NOK per 1000 impressions), baseline link CTR for a
job ad, minimum audience size, and the features its delivery optimiser uses.

Sources (calibration.md): account shares Ipsos SoMe-tracker Q1 2022 / Q3 2022 / Q1 2019
(§3d; the age shapes around those totals are estimates), daily-use shares Ipsos Q3 2020,
LinkedIn frequency Ipsos Q1 2018/19, ad load WhistleOut 2020 (§6), CTR and CPM ranges
§1 with USD converted at NOK 10.7 per USD (Norges Bank 2024 annual average, recalled).
Every figure not named there is an **estimate**.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import geography
from sim.campaign import TargetingSpec
from sim.errors import PolicyError, UnknownNameError

USD_NOK = 10.7  # Norges Bank 2024 annual average (recalled, unverified)

# Hour-of-day use, relative to the daily mean (calibration.md §6, unsourced estimate
# shaped to the Kantar 24Timer description: low at night, morning peak, evening peak).
_SOCIAL_HOURS = np.array(
    [0.5, 0.2, 0.2, 0.2, 0.2, 0.2, 0.6, 1.0, 1.0, 1.0, 0.9, 0.9,
     0.9, 0.9, 1.0, 1.1, 1.1, 1.1, 1.1, 1.2, 1.4, 1.4, 1.4, 0.8]
)  # fmt: skip
# LinkedIn and the job board are used more in working hours (estimate).
_WORK_HOURS = np.array(
    [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 1.6, 1.7, 1.6, 1.5,
     1.5, 1.5, 1.5, 1.4, 1.2, 1.0, 0.9, 0.9, 1.0, 1.0, 0.8, 0.4]
)  # fmt: skip

ALL_OPTIONS = frozenset(
    {
        "location",
        "radius",
        "age",
        "gender",
        "interests",
        "job_titles",
        "exclude_interests",
        "custom_audience",
        "lookalike",
    }
)
CUSTOM_AUDIENCES = ("site-visitors",)
PIXEL_MATCH_RATE = 0.7  # share of site visitors a platform can match to a user (estimate)


@dataclass(frozen=True)
class Platform:
    """A platform's audience, inventory, targeting, market and optimiser."""

    name: str
    label: str
    kind: str  # "social", "professional" or "job-board"
    account_by_age: tuple[float, ...]  # probability of an account by age band
    female_account_odds: float  # odds multiplier for women
    sessions_per_day: float  # mean sessions per day among account holders
    hours: tuple[float, ...]  # relative use by hour of day (24)
    ads_per_session: float
    median_cpm: float  # median competing bid, NOK per 1000 impressions
    link_ctr: float  # baseline link CTR of a job ad shown to an average adult
    targeting_options: frozenset[str]
    min_audience: int  # in real people
    declares_titles: bool
    interest_noise: float  # multiplier on the population's interest miss/false-positive rates
    optimiser_demographics: bool  # can its optimiser use age/gender at all
    optimiser_creative: bool  # does its optimiser classify the creative's image
    sac_bans: frozenset[str]  # options removed under the employment policy
    min_radius_km_sac: float
    education_account_odds: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0)
    # Meta: a custom audience needs at least 100 matched people (recalled, unverified);
    # used for the other platforms too (estimate).
    min_custom_audience: int = 100

    @property
    def hour_weights(self) -> np.ndarray:
        """Share of a day's sessions falling in each hour (sums to 1), shape (24,)."""
        h = np.asarray(self.hours, dtype=float)
        return h / h.sum()

    def allowed_options(self, policy: str) -> frozenset[str]:
        """Targeting options allowed under ``policy``."""
        if policy == "employment":
            return self.targeting_options - self.sac_bans
        return self.targeting_options

    def min_radius_km(self, policy: str) -> float:
        """Smallest radius allowed around a targeted place under ``policy``."""
        return self.min_radius_km_sac if policy == "employment" else 0.0

    def check(self, spec: TargetingSpec, policy: str) -> None:
        """Refuse a targeting spec the platform does not offer or its policy forbids.

        Raises
        ------
        PolicyError
            Naming the platform, the policy and the offending option.
        """
        used = spec.options_used()
        unknown = used - self.targeting_options
        if unknown:
            opt = sorted(unknown)[0]
            raise PolicyError(f"{self.label} does not offer {opt!r} targeting")
        if policy == "employment":
            banned = used & self.sac_bans
            if banned:
                opt = sorted(banned)[0]
                raise PolicyError(
                    f"{self.label} refuses {opt!r} targeting for employment ads "
                    f"(special ad category)"
                )
            floor = self.min_radius_km_sac
            for loc in spec.locations:
                is_county = loc.place in (*geography.REGION_NAMES, "Norway")
                if not is_county and loc.radius_km < floor:
                    raise PolicyError(
                        f"{self.label} requires a radius of at least {floor:g} km around "
                        f"{loc.place!r} for employment ads (special ad category); "
                        f"got {loc.radius_km:g} km"
                    )
        if spec.custom_audience is not None and spec.custom_audience not in CUSTOM_AUDIENCES:
            raise PolicyError(
                f"unknown custom audience {spec.custom_audience!r}; expected one of "
                f"{', '.join(map(repr, CUSTOM_AUDIENCES))}"
            )
        if spec.lookalike_percent is not None and not 1 <= spec.lookalike_percent <= 10:
            raise PolicyError(
                f"lookalike_percent must be between 1 and 10, got {spec.lookalike_percent!r}"
            )
        for g in spec.genders:
            if g not in ("male", "female"):
                raise PolicyError(f"gender must be 'male' or 'female', got {g!r}")
        if spec.age_max is not None and spec.age_max < spec.age_min:
            raise PolicyError(f"age_max {spec.age_max} is below age_min {spec.age_min}")


# Meta SAC: no age, gender, postcode, detailed-targeting exclusions or lookalikes.
_META_BANS = frozenset({"age", "gender", "exclude_interests", "lookalike"})

PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform(
            name="facebook",
            label="Facebook",
            kind="social",
            # Ipsos Q1 2022: 82 % of 18+ have a profile; more among 35+ (SSB 2023).
            account_by_age=(0.72, 0.82, 0.88, 0.88, 0.85, 0.78, 0.55),
            female_account_odds=1.15,
            # 67 % of adults daily (Ipsos) x 8-14 sessions a day (calibration §6 estimate).
            sessions_per_day=8.0,
            hours=tuple(_SOCIAL_HOURS),
            ads_per_session=5.0,  # ad load 21.2 % x ~25 posts (WhistleOut 2020; posts estimate)
            median_cpm=80.0,  # estimate: NOK 40-120 for broad adults (calibration §1a)
            link_ctr=0.0065,  # estimate within 0.4-0.9 % for job ads (calibration §1)
            targeting_options=ALL_OPTIONS - {"job_titles"},
            min_audience=1000,  # estimate
            declares_titles=False,
            interest_noise=1.0,
            optimiser_demographics=True,
            optimiser_creative=True,
            sac_bans=_META_BANS,
            min_radius_km_sac=24.0,  # 15 miles (Meta SAC, calibration §4)
        ),
        Platform(
            name="instagram",
            label="Instagram",
            kind="social",
            # Ipsos Q1 2022: 67 % profile; 57 % of users women (Ipsos Q1 2019).
            account_by_age=(0.90, 0.85, 0.78, 0.68, 0.55, 0.40, 0.20),
            female_account_odds=1.5,
            sessions_per_day=5.5,  # 44 % daily of 67 % with a profile x ~8 (estimate)
            hours=tuple(_SOCIAL_HOURS),
            ads_per_session=4.0,  # ad load 20.6 % (WhistleOut 2020) x ~20 posts (estimate)
            median_cpm=75.0,  # estimate
            link_ctr=0.0055,  # estimate within 0.4-0.9 %
            targeting_options=ALL_OPTIONS - {"job_titles"},
            min_audience=1000,  # estimate
            declares_titles=False,
            interest_noise=1.1,
            optimiser_demographics=True,
            optimiser_creative=True,
            sac_bans=_META_BANS,
            min_radius_km_sac=24.0,
        ),
        Platform(
            name="linkedin",
            label="LinkedIn",
            kind="professional",
            # Ipsos Q1 2019: 1.215 M profiles (~28 % of adults), 62 % men, more than half of
            # people with 5-year higher education.
            account_by_age=(0.18, 0.40, 0.38, 0.32, 0.25, 0.10, 0.03),
            female_account_odds=0.7,
            sessions_per_day=0.3,  # 12 % daily, most monthly or less (Ipsos; calibration §6)
            hours=tuple(_WORK_HOURS),
            ads_per_session=2.0,  # ad load 19.6 % (WhistleOut 2020) x ~10 posts (estimate)
            median_cpm=290.0,  # USD 27.03 CPM (digitalmoats, practitioner) x 10.7
            link_ctr=0.005,  # 0.44-0.65 % sponsored content (theb2bhouse, practitioner)
            # LinkedIn retired lookalike audiences in 2024 (recalled, unverified).
            targeting_options=ALL_OPTIONS - {"lookalike"},
            min_audience=300,  # LinkedIn's stated minimum (recalled, unverified)
            declares_titles=True,
            interest_noise=1.3,
            optimiser_demographics=False,  # Imana et al. 2021: no skew on LinkedIn
            optimiser_creative=False,
            sac_bans=frozenset({"age", "gender"}),  # policy bans discrimination (unverified)
            min_radius_km_sac=0.0,
            education_account_odds=(0.25, 0.55, 1.6, 2.6),
        ),
        Platform(
            name="snapchat",
            label="Snapchat",
            kind="social",
            # Ipsos Q1 2022: 66 % profile; 18-29 daily 66-69 %.
            account_by_age=(0.95, 0.90, 0.80, 0.65, 0.50, 0.30, 0.12),
            female_account_odds=1.2,
            sessions_per_day=12.0,  # Snap S-1: 18 opens a day, 12 for 25+ (calibration §6)
            hours=tuple(_SOCIAL_HOURS),
            ads_per_session=0.6,  # estimate: ads between stories
            median_cpm=60.0,  # estimate: USD 3-8 (calibration §1d) x 10.7
            link_ctr=0.004,  # estimate: swipe-up 0.3-1 %
            targeting_options=ALL_OPTIONS - {"job_titles", "exclude_interests"},
            min_audience=1000,  # estimate
            declares_titles=False,
            interest_noise=1.5,
            optimiser_demographics=True,
            optimiser_creative=True,
            sac_bans=frozenset({"age", "gender"}),
            min_radius_km_sac=0.0,
        ),
        Platform(
            name="tiktok",
            label="TikTok",
            kind="social",
            # Ipsos Q4 2022: 1.26 M profiles (30 %); 18-29 daily 58 %, 60+ about 1 %.
            account_by_age=(0.65, 0.45, 0.32, 0.22, 0.14, 0.08, 0.03),
            female_account_odds=1.2,
            sessions_per_day=4.0,  # estimate
            hours=tuple(_SOCIAL_HOURS),
            ads_per_session=1.0,  # ad load 2.4 % x ~40 videos (WhistleOut 2020; estimate)
            median_cpm=85.0,  # USD 8 median CPM (low credibility) x 10.7
            link_ctr=0.005,  # estimate within 0.3-1 %
            targeting_options=ALL_OPTIONS - {"job_titles", "radius"},
            min_audience=1000,  # estimate
            declares_titles=False,
            interest_noise=1.4,
            optimiser_demographics=True,
            optimiser_creative=True,
            # TikTok special ad categories: no gender, no interest keywords (calibration §4).
            sac_bans=frozenset({"age", "gender", "interests", "exclude_interests", "lookalike"}),
            min_radius_km_sac=0.0,
        ),
        Platform(
            name="jobboard",
            label="Job board",
            kind="job-board",
            # Visitors depend on search state (set in the population); FINN 2021: ~50 % applied
            # or interviewed in 2 years, ~20 % looked at jobs elsewhere last month.
            account_by_age=(1.0, 1.0, 1.0, 1.0, 1.0, 0.6, 0.2),
            female_account_odds=1.0,
            sessions_per_day=1.0,  # scaled by search state in the population
            hours=tuple(_WORK_HOURS),
            ads_per_session=2.0,  # sponsored listings per search (estimate)
            # Appcast 2023 median CPC USD 0.85 (~NOK 9) at an estimated 3 % listing CTR.
            median_cpm=270.0,
            # estimate: a listing outside one's own field shown to an open-passive visitor;
            # people searching their own trade click several times more (sim.behavior).
            link_ctr=0.006,
            targeting_options=frozenset({"location", "radius", "job_titles"}),
            min_audience=100,  # estimate
            declares_titles=True,
            interest_noise=1.0,
            optimiser_demographics=False,
            optimiser_creative=False,
            sac_bans=frozenset(),
            min_radius_km_sac=0.0,
        ),
    )
}
PLATFORM_NAMES: tuple[str, ...] = tuple(PLATFORMS)
PLATFORM_INDEX = {name: i for i, name in enumerate(PLATFORM_NAMES)}


def get(name: str) -> Platform:
    """The platform with id ``name``."""
    try:
        return PLATFORMS[name]
    except KeyError:
        raise UnknownNameError("platform", name, PLATFORMS) from None
