"""The advertiser's side: the small public types a strategy works with.

A strategy receives a :class:`CampaignBrief` (only what an advertiser knows: the
vacancy as written, public statistics, what each platform offers and allows), plans
:class:`AdSet` objects (platform, :class:`TargetingSpec`, budget, bid, creative,
frequency cap) and reads a :class:`DeliveryReport` each day (what the platform's ads
manager and the applicant tracking system show). None of these types can reach the
simulated population's ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from sim.creative import Creative


@dataclass(frozen=True)
class Location:
    """A place to target: a city or county name, optionally with a radius around it.

    ``radius_km == 0`` targets the place itself (for a city: its postcodes).
    """

    place: str
    radius_km: float = 0.0


@dataclass(frozen=True)
class TargetingSpec:
    """Who an ad set may be shown to, in the platform's own terms.

    Empty tuples mean "no restriction". ``interests`` and ``job_titles`` match people
    the platform *believes* have any of them; ``exclude_interests`` removes people it
    believes have any of those. ``custom_audience`` names an audience the advertiser
    built on the platform (``"site-visitors"``: people the platform's pixel saw on the
    career site, from earlier clicks or organic visits). ``lookalike_percent`` (1-10)
    asks the platform for the share of its users most similar to the employer's uploaded
    list of employees and past hires.
    """

    locations: tuple[Location, ...] = ()
    age_min: int = 18
    age_max: int | None = None
    genders: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    job_titles: tuple[str, ...] = ()
    exclude_interests: tuple[str, ...] = ()
    custom_audience: str | None = None
    lookalike_percent: float | None = None

    def options_used(self) -> set[str]:
        """The targeting options this spec uses (for platform and policy checks)."""
        used = set()
        if self.locations:
            used.add("location")
            if any(loc.radius_km > 0 for loc in self.locations):
                used.add("radius")
        if self.age_min != 18 or self.age_max is not None:
            used.add("age")
        if self.genders:
            used.add("gender")
        if self.interests:
            used.add("interests")
        if self.job_titles:
            used.add("job_titles")
        if self.exclude_interests:
            used.add("exclude_interests")
        if self.custom_audience is not None:
            used.add("custom_audience")
        if self.lookalike_percent is not None:
            used.add("lookalike")
        return used


@dataclass(frozen=True)
class AdSet:
    """One ad set: a targeting spec on one platform with its own budget.

    Parameters
    ----------
    name : str
        Unique within the campaign; reports are keyed by it.
    platform : str
        Platform id.
    targeting : TargetingSpec
        Who may see it.
    budget : float
        Lifetime budget in the campaign currency for the rest of the campaign.
    bid_cap : float, optional
        Highest bid per 1000 impressions; ``None`` lets the platform bid for the
        lowest cost.
    creative : Creative, optional
        Defaults to the vacancy's creative.
    frequency_cap : int, optional
        Most impressions one person may get from this ad set over the campaign.
    hours : tuple of int
        Hours of the day (0-23) the ad set runs; empty means all day.
    objective : str, optional
        ``reach``, ``awareness``, ``clicks`` or ``applications``; defaults to the
        campaign's.
    end_day : int, optional
        The ad set stops before this campaign day (its budget is paced to end then);
        it runs to the end of the campaign by default.
    """

    name: str
    platform: str
    targeting: TargetingSpec
    budget: float
    bid_cap: float | None = None
    creative: Creative | None = None
    frequency_cap: int | None = None
    hours: tuple[int, ...] = ()
    objective: str | None = None
    end_day: int | None = None


@dataclass(frozen=True)
class PlatformInfo:
    """What an advertiser can know about a platform before buying.

    ``audience_by_age`` is public audience data (Ipsos-style survey counts of the
    platform's users by age band in the campaign's regions, in real people).
    """

    name: str
    label: str
    policy: str
    targeting_options: frozenset[str]
    allowed_options: frozenset[str]
    interest_catalogue: tuple[str, ...]
    job_title_catalogue: tuple[str, ...]
    min_radius_km: float
    min_audience: int
    median_cpm: float
    audience_by_age: dict[str, int] = field(default_factory=dict)
    hour_profile: tuple[float, ...] = ()  # public: share of daily use in each hour (24)
    min_custom_audience: int = 100


@dataclass(frozen=True)
class VacancyBrief:
    """The vacancy as the employer writes it, plus public facts about the occupation."""

    occupation: str
    occupation_name: str
    location: str
    max_distance_km: float
    min_experience_years: float
    salary: float
    apply_flow: str
    creative: Creative
    typical_interests: tuple[str, ...]
    adjacent_occupations: tuple[str, ...]
    female_share: float  # public: SSB occupation statistics
    typical_age: tuple[int, int]  # public: the age range where most of them are
    accepts_adjacent: bool = False  # the employer will train people from adjacent trades


@dataclass(frozen=True)
class CampaignBrief:
    """Everything a strategy is told at the start of a campaign."""

    vacancy: VacancyBrief
    budget: float
    currency: str
    days: int
    objective: str
    platforms: tuple[PlatformInfo, ...]
    ats_delay_days: int

    def platform(self, name: str) -> PlatformInfo:
        """The info of platform ``name``."""
        for info in self.platforms:
            if info.name == name:
                return info
        raise KeyError(name)


AD_SET_STATES = ("active", "paused", "budget_spent", "rejected")


@dataclass(frozen=True)
class AdSetStatus:
    """The delivery status of an ad set, as the ads manager shows it.

    Parameters
    ----------
    state : str
        One of :data:`AD_SET_STATES`: ``active`` (delivering), ``paused`` (left out of
        the latest plan), ``budget_spent`` (its lifetime budget is used up) or
        ``rejected`` (the platform will not publish it).
    reason : str
        Why, for ``rejected`` (e.g. the audience is below the platform's minimum);
        empty otherwise.

    Notes
    -----
    For one release the status also behaves like the text it replaces: ``str(status)``
    is ``"active"``, ``"paused"``, ``"budget spent"`` or ``"rejected: <reason>"``, it
    compares equal to that text and has ``startswith``. Compare ``status.state``
    instead.
    """

    state: str
    reason: str = ""

    def __post_init__(self) -> None:
        if self.state not in AD_SET_STATES:
            raise ValueError(
                f"ad set status must be one of {', '.join(AD_SET_STATES)}; got {self.state!r}"
            )

    @classmethod
    def parse(cls, text: str) -> AdSetStatus:
        """The status written as the old text (``"rejected: <why>"``, ``"budget spent"``)."""
        state, _, reason = text.partition(":")
        return cls(state.strip().replace(" ", "_"), reason.strip())

    def __str__(self) -> str:
        text = self.state.replace("_", " ")
        return f"{text}: {self.reason}" if self.reason else text

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AdSetStatus):
            return (self.state, self.reason) == (other.state, other.reason)
        if isinstance(other, str):  # deprecated: the old text
            return str(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))

    def __contains__(self, text: str) -> bool:
        """Deprecated: ``text in str(status)``; read ``reason`` instead."""
        return text in str(self)

    def startswith(self, prefix: str) -> bool:
        """Deprecated: ``str(status).startswith(prefix)``; compare ``state`` instead."""
        return str(self).startswith(prefix)


@dataclass(frozen=True)
class AdSetReport:
    """One ad set's numbers as the platform's ads manager shows them (cumulative).

    ``status`` is an :class:`AdSetStatus` (text such as ``"rejected: ..."`` is parsed
    into one, for compatibility).
    """

    name: str
    platform: str
    status: AdSetStatus
    impressions: int
    reach: int
    clicks: int
    spend: float
    impressions_by_gender: dict[str, int]
    applications: int  # from the applicant tracking system (immediate)
    qualified_applications: int  # screened; only those older than the ATS delay

    def __post_init__(self) -> None:
        if isinstance(self.status, str):
            object.__setattr__(self, "status", AdSetStatus.parse(self.status))


@dataclass(frozen=True)
class DeliveryReport:
    """The daily report a strategy receives after day ``day`` (0-based)."""

    day: int
    days_left: int
    budget_left: float
    ad_sets: tuple[AdSetReport, ...]

    def by_name(self, name: str) -> AdSetReport:
        """The report of ad set ``name``."""
        for rep in self.ad_sets:
            if rep.name == name:
                return rep
        raise KeyError(name)


@runtime_checkable
class Strategy(Protocol):
    """What the model needs of a targeting strategy (``strategies.base.Strategy`` is one).

    The model types its strategy with this protocol, so the model's modules never import
    the ``strategies`` package.
    """

    def reset(self, rng: np.random.Generator, brief: CampaignBrief) -> None:
        """Start a campaign: the strategy's own random stream and what the advertiser knows."""

    def plan(self) -> list[AdSet]:
        """The first day's ad sets."""

    def update(self, report: DeliveryReport) -> list[AdSet] | None:
        """Revised ad sets after a day's report, or ``None`` to keep the plan."""
