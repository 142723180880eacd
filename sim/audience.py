"""The platform's view of people and the resolution of a targeting spec into an audience.

:class:`PlatformView` is the wall between ground truth and what a platform knows:
demographics and location (platforms know these well), its own accounts and session
rates, the interests it *infers* (with misses and false positives) and the job titles
people *declare* (incomplete and sometimes stale). Audience resolution and the delivery
optimiser read only this view.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import geography, interests, occupations
from sim.campaign import TargetingSpec
from sim.errors import UnknownNameError
from sim.platforms import PLATFORM_INDEX, Platform
from sim.population import Population


class PlatformView:
    """What one platform knows about every simulated person.

    Parameters
    ----------
    pop : Population
    platform : Platform
    """

    def __init__(self, pop: Population, platform: Platform) -> None:
        self._pop = pop
        self.platform = platform
        self.weight = pop.weight

    @property
    def size(self) -> int:
        """Number of simulated people (users or not)."""
        return self._pop.size

    @property
    def age(self) -> np.ndarray:
        """Age in years, shape (n,)."""
        return self._pop.age

    @property
    def age_band(self) -> np.ndarray:
        """Age band index, shape (n,)."""
        return self._pop.age_band

    @property
    def gender(self) -> np.ndarray:
        """0 male, 1 female, shape (n,)."""
        return self._pop.gender

    @property
    def place(self) -> np.ndarray:
        """Home place index, shape (n,)."""
        return self._pop.place

    @property
    def x_km(self) -> np.ndarray:
        """Home x in km, shape (n,)."""
        return self._pop.x_km

    @property
    def y_km(self) -> np.ndarray:
        """Home y in km, shape (n,)."""
        return self._pop.y_km

    @property
    def sessions(self) -> np.ndarray:
        """Sessions per day on this platform (0: no account), shape (n,)."""
        return self._pop.sessions[PLATFORM_INDEX[self.platform.name]]

    def interest(self, topic: int) -> np.ndarray:
        """Whether the platform believes each person has ``topic``, shape (n,) bool."""
        return self._pop.inferred_interest(self.platform.name, topic)

    def interest_overlap(self, idx: np.ndarray, topics: list[int]) -> np.ndarray:
        """Share of ``topics`` the platform believes people ``idx`` have, shape (k,)."""
        if not topics:
            return np.zeros(idx.size)
        return sum(self.interest(t)[idx].astype(np.float64) for t in topics) / len(topics)

    @property
    def titles(self) -> np.ndarray:
        """Declared job title (occupation index, -1 none), shape (n,); all -1 if none."""
        if not self.platform.declares_titles:
            return np.full(self.size, -1, dtype=np.int16)
        if self.platform.kind == "job-board":
            return self._pop.jobboard_title
        return self._pop.declared_title


@dataclass(frozen=True)
class AdvertiserData:
    """What the advertiser has put on the platform: pixel visitors and an uploaded list.

    Attributes
    ----------
    site_visitors : numpy.ndarray of bool, shape (n,)
        People the platform's pixel has matched to a career-site visit.
    employee_seed : numpy.ndarray of int, shape (k,)
        The uploaded list of employees and past hires, as matched to people.
    """

    site_visitors: np.ndarray
    employee_seed: np.ndarray


def resolve(
    view: PlatformView,
    spec: TargetingSpec,
    data: AdvertiserData | None = None,
    location_masks: dict | None = None,
) -> np.ndarray:
    """The people a targeting spec reaches on the view's platform.

    Parameters
    ----------
    view : PlatformView
    spec : TargetingSpec
    data : AdvertiserData, optional
        The advertiser's custom-audience data.
    location_masks : dict, optional
        :func:`location_mask` results by the spec's locations, kept by the caller for
        specs resolved over the same population (homes do not depend on the platform).

    Returns
    -------
    numpy.ndarray of int32, shape (k,)
        Indices of account holders matching every part of the spec.

    Raises
    ------
    UnknownNameError
        A place, interest or job title that is not in the platform's catalogue.
    """
    mask = view.sessions > 0
    if any(loc.place == "Norway" for loc in spec.locations):
        _check_places(spec)  # (Norway holds everyone: no mask to apply or keep)
    elif spec.locations:
        masks = {} if location_masks is None else location_masks
        if spec.locations not in masks:
            masks[spec.locations] = location_mask(view, spec)
        mask &= masks[spec.locations]
    if spec.age_min > 18:
        mask &= view.age >= spec.age_min
    if spec.age_max is not None:
        mask &= view.age <= spec.age_max
    if spec.genders:
        wanted = [1 if g == "female" else 0 for g in spec.genders]
        mask &= np.isin(view.gender, wanted)
    if spec.interests:
        any_of = np.zeros(view.size, dtype=bool)
        for t in spec.interests:
            any_of |= view.interest(_topic(t))
        mask &= any_of
    for t in spec.exclude_interests:
        mask &= ~view.interest(_topic(t))
    if spec.job_titles:
        titles = [_title(t) for t in spec.job_titles]
        mask &= np.isin(view.titles, titles)
    if spec.custom_audience is not None:
        mask &= data.site_visitors if data is not None else False
    if spec.lookalike_percent is not None:
        seed = data.employee_seed if data is not None else np.zeros(0, dtype=np.int64)
        mask &= lookalike_mask(view, seed, spec.lookalike_percent)
    return np.flatnonzero(mask).astype(np.int32)


def lookalike_mask(view: PlatformView, seed: np.ndarray, percent: float) -> np.ndarray:
    """The ``percent`` % of the platform's users most similar to the seed list.

    Similarity is a naive-Bayes log-likelihood ratio over everything the platform knows
    — inferred interests, sex, age band and declared title — comparing the seed's
    matched users with all users. Seed members themselves are excluded, as platforms do.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
    """
    users = view.sessions > 0
    seed = seed[users[seed]]
    out = np.zeros(view.size, dtype=bool)
    n_users = int(users.sum())
    if seed.size == 0 or n_users == 0:
        return out
    score = np.zeros(view.size)

    def add(feature: np.ndarray, levels: int) -> None:
        in_seed = np.bincount(feature[seed], minlength=levels) + 0.5
        in_all = np.bincount(feature[users], minlength=levels) + 0.5
        llr = np.log(in_seed / in_seed.sum()) - np.log(in_all / in_all.sum())
        score[:] += llr[feature]

    for t in range(interests.N_TOPICS):
        add(view.interest(t).astype(np.int64), 2)
    add(view.gender.astype(np.int64), 2)
    add(view.age_band.astype(np.int64), len(occupations.AGE_BANDS))
    add(view.titles.astype(np.int64) + 1, len(occupations.OCCUPATIONS) + 1)
    score[~users] = -np.inf
    score[seed] = -np.inf
    k = max(1, round(n_users * percent / 100))
    top = np.argpartition(-score, k - 1)[:k]
    out[top] = True
    return out


def location_mask(view: PlatformView, spec: TargetingSpec) -> np.ndarray:
    """People living in any of the spec's locations, shape (n,) bool.

    A place or region is looked up in a table over the places (one gather over people);
    ``Norway`` holds everyone, so nothing about them is read.
    """
    mask = np.zeros(view.size, dtype=bool)
    place_region = np.array([p.region for p in geography.PLACES])
    _check_places(spec)
    for loc in spec.locations:
        if loc.place == "Norway":  # every place (and any radius around the country)
            mask[:] = True
            continue
        wanted = np.zeros(len(geography.PLACES), dtype=bool)
        if loc.place in geography.REGION_NAMES:
            wanted[place_region == loc.place] = True
        else:
            wanted[geography.place_index(loc.place)] = True
        mask |= wanted[view.place]
        if loc.radius_km > 0:
            cx, cy = geography.centre_km(loc.place)
            mask |= np.hypot(view.x_km - cx, view.y_km - cy) <= loc.radius_km
    return mask


def _check_places(spec: TargetingSpec) -> None:
    for loc in spec.locations:
        if loc.place not in geography.PLACE_OR_REGION_NAMES:
            raise UnknownNameError("place", loc.place, geography.PLACE_OR_REGION_NAMES)


def _topic(name: str) -> int:
    if name not in interests.TOPIC_NAMES:
        raise UnknownNameError("interest", name, interests.TOPIC_NAMES)
    return interests.topic_index(name)


def _title(name: str) -> int:
    if name not in occupations.OCCUPATION_IDS:
        raise UnknownNameError("job title", name, occupations.OCCUPATION_IDS)
    return occupations.occupation_index(name)
