"""Organic reach: a social graph among people and employees sharing the job post.

The graph
---------
Each person ``i`` has a list of *contacts*: the people who see what ``i`` posts and
whom ``i`` knows well enough to refer. Ties are **directed** (row ``i`` lists whom
``i`` reaches; ``j`` being a contact of ``i`` does not make ``i`` one of ``j``'s). Only
one hop is simulated (a sharer's contacts see the post; they do not pass it on), and
for one hop a directed list of whom each sharer reaches is all that matters. Leaving
ties unreciprocated means the ties never need sorting: each row is filled where it is
drawn (occupation ties first, then place-and-age, then random ones) and the adjacency
is stored as CSR (``indptr`` int64, ``indices`` int32), ``8 + 4 * contacts`` bytes a
person on average.

Generation is the configuration idea with homophily. Person ``i`` draws
:math:`d_i \\sim \\text{Poisson}(k)` contact stubs, :math:`k` = ``contacts``. Each stub
is, independently,

* with probability :math:`s_o` (``same_occupation``) a uniformly random *other* person
  with ``i``'s occupation (people without one use a place-and-age stub instead),
* with probability :math:`s_p` (``same_place_age``) a uniformly random other person
  with ``i``'s place and age band,
* otherwise a uniformly random other person.

A group with no one else in it falls back to the next kind (occupation → place and
age → anyone). The expected share of a person's ties inside their occupation
:math:`o` living in place and age band :math:`g` is therefore

.. math::

    P(\\text{same occupation}) = s_o + s_p\\,\\pi_{o \\mid g} + (1 - s_o - s_p)\\,\\pi_o

with :math:`\\pi_{o \\mid g}` the occupation's share of ``i``'s place and age band and
:math:`\\pi_o` its share of the population. With the defaults and 72 occupations the
second and third terms add about 0.01, so 0.31 of an employed person's ties
are in their own occupation, against 0.015 under random mixing;
``tests/test_network.py`` checks both. Multiple ties between the same two people can
occur (rarely, in small groups); exposures and referrals are counted once per person.

Sharing
-------
With the ``organic-sharing`` option each of the employer's staff shares the post with
probability ``share_probability`` on day ``share_day`` (:func:`choose_sharers`). Each
tie of a sharer shows it in the contact's feed with probability ``feed_reach``
(:func:`organic_exposures`); in addition each *qualified* contact is personally
referred with probability ``referral_probability`` (:func:`referrals`) and applies
``referral_apply_lift`` times as often as after an ordinary click. Sharing costs
nothing. Parameter values are estimates (see each field). :class:`OrganicSharing` is
the actor that does it during a run: its contacts see the post like an ad on Facebook
(the click model of :mod:`sim.behavior`, at no cost) and their applications go to the
employer's applicant tracking system.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim import behavior
from sim.employer import Employer
from sim.errors import ScenarioError
from sim.occupations import AGE_BANDS
from sim.people import People
from sim.platforms import PLATFORMS
from sim.population import Population
from sim.scenario import OrganicSpec, VacancySpec

_CHUNK = 1 << 16  # people per generation chunk: bounds the temporary arrays


@dataclass(frozen=True, eq=False)
class SocialGraph:
    """Directed contact lists in CSR form.

    Attributes
    ----------
    indptr : numpy.ndarray of int64, shape (n + 1,)
        Contacts of person ``i`` are ``indices[indptr[i]:indptr[i + 1]]``.
    indices : numpy.ndarray of int32, shape (m,)
        Contact indices, ``m`` = number of ties.
    """

    indptr: np.ndarray
    indices: np.ndarray

    @property
    def size(self) -> int:
        """Number of people."""
        return int(self.indptr.shape[0] - 1)

    @property
    def n_ties(self) -> int:
        """Number of (directed) ties."""
        return int(self.indices.shape[0])

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays, in bytes."""
        return int(self.indptr.nbytes + self.indices.nbytes)

    def degree(self) -> np.ndarray:
        """Number of contacts of every person, int64 shape (n,)."""
        return np.diff(self.indptr)

    def owners(self) -> np.ndarray:
        """The person each tie belongs to, int32 shape (m,) (aligned with ``indices``)."""
        return np.repeat(np.arange(self.size, dtype=np.int32), self.degree())

    def contacts(self, people: np.ndarray) -> np.ndarray:
        """All contacts of ``people``, with repeats.

        Parameters
        ----------
        people : numpy.ndarray of int, shape (k,)

        Returns
        -------
        numpy.ndarray of int32, shape (sum of the k degrees,)
            The contacts of ``people[0]``, then those of ``people[1]``, ...
        """
        people = np.asarray(people, dtype=np.int64)
        start = self.indptr[people]
        count = self.indptr[people + 1] - start
        total = int(count.sum())
        if total == 0:
            return np.empty(0, dtype=np.int32)
        # position j of the output reads indices[start[owner] + (j - first[owner])]
        first = np.cumsum(count) - count
        offset = np.repeat(start - first, count) + np.arange(total, dtype=np.int64)
        return self.indices[offset]

    @classmethod
    def generate(cls, pop: Population, rng: np.random.Generator, spec: OrganicSpec) -> SocialGraph:
        """Draw a homophilous contact graph for ``pop`` (see the module docstring).

        Parameters
        ----------
        pop : Population
            Uses ``occupation``, ``place`` and ``age_band``, shape (n,).
        rng : numpy.random.Generator
        spec : OrganicSpec

        Returns
        -------
        SocialGraph
            ``n`` people, about ``n * spec.contacts`` ties, no self-ties.

        Raises
        ------
        ScenarioError
            If ``same_occupation + same_place_age`` exceeds 1.
        """
        s_occ, s_pa = spec.same_occupation, spec.same_place_age
        if s_occ + s_pa > 1.0 + 1e-9:
            raise ScenarioError(
                "OrganicSpec",
                "organic.same_place_age",
                f"expected same_occupation + same_place_age <= 1, got {s_occ + s_pa:.4g}",
            )
        n = pop.size
        n_bands = len(AGE_BANDS)
        groups = [
            _Groups(pop.occupation.astype(np.int32)),  # -1: no occupation, in no group
            _Groups(pop.place.astype(np.int32) * n_bands + pop.age_band.astype(np.int32)),
            _Everybody(n),
        ]
        # Poisson(k) stubs split by kind = independent Poisson counts per kind; a person
        # with no one else in a group moves that kind's stubs on to the next kind.
        shares = (s_occ, s_pa, max(1.0 - s_occ - s_pa, 0.0))
        counts = [rng.poisson(spec.contacts * share, n).astype(np.int32) for share in shares]
        for kind in (0, 1):
            alone = ~groups[kind].has_others()
            counts[kind + 1][alone] += counts[kind][alone]
            counts[kind][alone] = 0
        if n < 2:
            counts[2][:] = 0
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts[0] + counts[1] + counts[2], out=indptr[1:])
        indices = np.empty(int(indptr[-1]), dtype=np.int32)
        for lo in range(0, n, _CHUNK):
            hi = min(lo + _CHUNK, n)
            offset = indptr[lo:hi].copy()  # where each person's next kind of stubs goes
            for group, count in zip(groups, counts, strict=True):
                d = count[lo:hi]
                total = int(d.sum())
                first = np.cumsum(d, dtype=np.int64) - d
                position = np.repeat(offset - first, d) + np.arange(total, dtype=np.int64)
                indices[position] = group.pick(lo, hi, d, rng.random(total))
                offset += d
        return cls(indptr, indices)


class _Groups:
    """People grouped by an integer key (key < 0: in no group), for uniform picks.

    ``order`` (int32, shape (n,)) lists people sorted by key; ``rows`` (int32, shape
    (n, 3)) holds for person ``i`` the first slot ``s`` of their group in ``order``, the
    number ``o`` of other members and ``i``'s own slot ``r``: the group is
    ``order[s : s + o + 1]`` and ``order[r] == i``.
    """

    def __init__(self, key: np.ndarray) -> None:
        valid = key >= 0
        n_groups = int(key.max()) + 1 if valid.any() else 0
        size = np.bincount(key[valid], minlength=n_groups).astype(np.int32)
        group_start = (np.cumsum(size) - size).astype(np.int32)
        safe = np.maximum(key, 0)
        # per person: first slot of the group in ``order``, other members, own slot
        self.rows = np.empty((key.size, 3), dtype=np.int32)
        self.rows[:, 0] = np.where(valid, group_start[safe], 0)
        self.rows[:, 1] = np.where(valid, size[safe] - 1, 0)
        # small unsigned keys: a stable sort of them is a radix sort
        sortable = np.where(valid, key, n_groups).astype(np.min_scalar_type(n_groups))
        self.order = np.argsort(sortable, kind="stable").astype(np.int32)
        self.rows[self.order, 2] = np.arange(key.size, dtype=np.int32)

    def has_others(self) -> np.ndarray:
        """Whether each person's group has another member, bool shape (n,)."""
        return self.rows[:, 1] > 0

    def pick(self, lo: int, hi: int, count: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Uniformly random other members of the groups of people ``lo`` to ``hi - 1``.

        Parameters
        ----------
        lo, hi : int
            The people drawing.
        count : numpy.ndarray of int, shape (hi - lo,)
            Number of picks for each of them.
        u : numpy.ndarray of float, shape (sum of count,)
            Uniform numbers on [0, 1).

        Returns
        -------
        numpy.ndarray of int32, shape (sum of count,)
            Person ``lo``'s picks first, then person ``lo + 1``'s, ...
        """
        rows = np.repeat(self.rows[lo:hi], count, axis=0)
        slot = rows[:, 0] + (u * rows[:, 1]).astype(np.int32)
        slot += slot >= rows[:, 2]
        return self.order[slot]


class _Everybody:
    """The group of all ``n`` people (same interface as :class:`_Groups`)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def pick(self, lo: int, hi: int, count: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Uniformly random people other than each of ``lo`` to ``hi - 1`` (see _Groups)."""
        pick = (u * (self.n - 1)).astype(np.int32)
        pick += pick >= np.repeat(np.arange(lo, hi, dtype=np.int32), count)
        return pick


def choose_sharers(staff: np.ndarray, rng: np.random.Generator, spec: OrganicSpec) -> np.ndarray:
    """The employees who share the post: each of ``staff`` with ``share_probability``.

    Parameters
    ----------
    staff : numpy.ndarray of int, shape (k,)
        The employer's staff (e.g. ``Market.employee_seed``).

    Returns
    -------
    numpy.ndarray of int, shape (<= k,)
        Empty unless ``spec.sharing``.
    """
    staff = np.asarray(staff)
    if not spec.sharing:
        return staff[:0]
    return staff[rng.random(staff.size) < spec.share_probability]


def _reached(
    graph: SocialGraph,
    sharers: np.ndarray,
    probability: float,
    rng: np.random.Generator,
    eligible: np.ndarray | None,
    exclude: np.ndarray | None,
) -> np.ndarray:
    """Unique contacts of ``sharers`` reached over ties kept independently with ``probability``.

    Contacts not ``eligible`` (bool, shape (n,)), the sharers and ``exclude`` are dropped.
    Returns sorted int32 indices.
    """
    contacts = graph.contacts(sharers)
    if eligible is not None:
        contacts = contacts[eligible[contacts]]
    contacts = contacts[rng.random(contacts.size) < probability]
    reached = np.unique(contacts)
    drop = np.asarray(sharers) if exclude is None else np.concatenate([sharers, exclude])
    return reached[~np.isin(reached, drop)]


def organic_exposures(
    graph: SocialGraph,
    sharers: np.ndarray,
    rng: np.random.Generator,
    spec: OrganicSpec,
    exclude: np.ndarray | None = None,
) -> np.ndarray:
    """People who see the shared post in their feed.

    Each tie of a sharer shows the post with probability ``feed_reach``, so a person
    with :math:`s` sharing contacts sees it with probability
    :math:`1 - (1 - \\text{feed\\_reach})^s`.

    Parameters
    ----------
    graph : SocialGraph
    sharers : numpy.ndarray of int, shape (k,)
        From :func:`choose_sharers`.
    rng : numpy.random.Generator
    spec : OrganicSpec
    exclude : numpy.ndarray of int, shape (j,), optional
        People never counted (e.g. the rest of the employer's staff).

    Returns
    -------
    numpy.ndarray of int32, shape (e,)
        Sorted unique people, none of them a sharer; empty unless ``spec.sharing``.
    """
    if not spec.sharing:
        return np.empty(0, dtype=np.int32)
    return _reached(graph, sharers, spec.feed_reach, rng, None, exclude)


def referrals(
    graph: SocialGraph,
    sharers: np.ndarray,
    qualified: np.ndarray,
    rng: np.random.Generator,
    spec: OrganicSpec,
    exclude: np.ndarray | None = None,
) -> np.ndarray:
    """Qualified contacts whom a sharer personally refers.

    Each tie from a sharer to a qualified person is a referral with probability
    ``referral_probability``; referred people apply ``referral_apply_lift`` times as
    often as after an ordinary click (applied by the caller).

    Parameters
    ----------
    graph : SocialGraph
    sharers : numpy.ndarray of int, shape (k,)
    qualified : numpy.ndarray of bool, shape (n,)
        Ground truth (``population.qualified_mask``).
    rng : numpy.random.Generator
    spec : OrganicSpec
    exclude : numpy.ndarray of int, shape (j,), optional
        People never referred (e.g. the rest of the employer's staff).

    Returns
    -------
    numpy.ndarray of int32, shape (r,)
        Sorted unique qualified people, none of them a sharer; empty unless
        ``spec.sharing``.
    """
    if not spec.sharing:
        return np.empty(0, dtype=np.int32)
    return _reached(graph, sharers, spec.referral_probability, rng, qualified, exclude)


def social_graph(pop: Population, spec: OrganicSpec) -> SocialGraph:
    """The social graph among ``pop``'s people for ``spec``, cached on the population.

    Drawn from the population's own stream, so every strategy of a replication meets
    the same network (common random numbers).
    """
    key = (spec.contacts, spec.same_occupation, spec.same_place_age)
    if key not in pop._graphs:
        pop._graphs[key] = SocialGraph.generate(pop, np.random.default_rng(pop.graph_seed), spec)
    return pop._graphs[key]


class OrganicSharing(mesa.Agent):
    """The employer's staff share the job post on day ``share_day`` (one run).

    Parameters
    ----------
    model : mesa.Model
        The model this actor is an agent of.
    spec : OrganicSpec
    vacancy : VacancySpec
    pop : Population
    people : People
    employer : Employer
        Its staff list shares; its applicant tracking system takes the applications.
    rng : numpy.random.Generator

    Attributes
    ----------
    counts : dict of str to int
        ``sharers``, ``exposed``, ``referred``, ``clicks``, ``applications`` and
        ``qualified_applications``, in simulated people.
    exposed : numpy.ndarray of int32, shape (e,)
        Who saw the shared post.
    """

    def __init__(
        self,
        model: mesa.Model,
        spec: OrganicSpec,
        vacancy: VacancySpec,
        pop: Population,
        people: People,
        employer: Employer,
        rng: np.random.Generator,
    ) -> None:
        super().__init__(model)
        self.spec = spec
        self.vacancy = vacancy
        self.pop = pop
        self.people = people
        self.employer = employer
        self.sharing_rng = rng
        self.counts = {"sharers": 0, "exposed": 0, "referred": 0, "clicks": 0,
                       "applications": 0, "qualified_applications": 0}  # fmt: skip
        self.exposed = np.zeros(0, dtype=np.int32)

    def start_day(self, day: int) -> None:
        """Share the post if today is the sharing day."""
        if self.spec.sharing and day == self.spec.share_day:
            self.share(24 * day)

    def end_day(self, day: int) -> None:
        """Nothing to close at the end of a day."""

    def share(self, hour: int) -> None:
        """Employees share the job post; their contacts see it and some click and apply.

        A shared post is seen like an ad on Facebook (the same click model, at no cost);
        referred people are contacted personally and apply ``referral_apply_lift`` times as
        often. Organic applications go to the recruiting pipeline like paid ones.
        """
        spec, rng, people = self.spec, self.sharing_rng, self.people
        graph = social_graph(self.pop, spec)
        staff = self.employer.employee_seed
        sharers = choose_sharers(staff, rng, spec)
        exposed = organic_exposures(graph, sharers, rng, spec, exclude=staff)
        referred = referrals(graph, sharers, people.qualified, rng, spec, exclude=staff)
        vacancy = self.vacancy
        state = people.search_state
        p_click = behavior.click_probability(
            self.pop, exposed, vacancy, vacancy.creative, PLATFORMS["facebook"].link_ctr,
            search_state=state[exposed], relevance=people.relevance(vacancy.creative),
        )  # fmt: skip
        clicked = exposed[rng.random(exposed.size) < p_click]
        candidates = np.union1d(clicked, referred).astype(np.int64)
        p_apply = behavior.apply_probability(
            self.pop, candidates, vacancy, qualified=people.qualified,
            search_state=state[candidates],
        )  # fmt: skip
        lifted = np.minimum(p_apply * spec.referral_apply_lift, 0.9)
        p_apply = np.where(np.isin(candidates, referred), lifted, p_apply)
        applied = candidates[(rng.random(candidates.size) < p_apply) & ~people.applied[candidates]]
        people.applied[applied] = True
        people.visited[clicked] = True
        self.exposed = exposed
        if applied.size:
            self.employer.receive(hour, applied, state[applied])
        self.counts.update(
            sharers=int(sharers.size), exposed=int(exposed.size), referred=int(referred.size),
            clicks=int(clicked.size), applications=int(applied.size),
            qualified_applications=int(people.qualified[applied].sum()),
        )  # fmt: skip
