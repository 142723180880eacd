r"""How people respond to a job ad: impression → click → application.

This module is the one place where click and apply probabilities are computed; the
delivery (:meth:`sim.people.People.respond`), organic sharing and the validation
studies all call it.

**First exposure.** For person :math:`i`, one ad set (its platform, vacancy and
creative) and search state :math:`s`,

.. math::

    p_0(i, s) = \min\Big(0.5,\; c_p \cdot a \cdot R_i \cdot S_s
        \cdot C_i \cdot \pi_i \cdot B\Big)

with :math:`c_p` the platform's baseline link CTR, :math:`a` the creative's appeal,
:math:`R_i` the person's relevance to the vacancy (occupation match, adjacent
occupation, real interests, distance, salary, and the pull of jobs dominated by one's
own sex), :math:`S` the search-state multiplier, :math:`C_i` the creative's image
affinity for the person's sex, :math:`\pi_i` personal click-proneness and :math:`B`
the employer-branding factor (``brand_click`` for a branding creative, else 1)
(:func:`click_probability`).

**At an impression** (:func:`impression_click_probability`), the delivery computes
:math:`p_0` once per audience member for an open-passive person
(:math:`s = \text{open}`) and applies what changes during the campaign:

.. math::

    p(i, t) = \min\Big(0.5,\; p_0(i, \text{open}) \cdot M_i(t)
        \cdot \frac{S_{s_i(t)}}{S_\text{open}} \cdot F(n_i(t)) \cdot W
        \cdot (1 + \kappa_c\,\alpha_i(t)) \cdot \rho^{[i \text{ clicked before}]}\Big)

with :math:`M_i` the change in distance appeal after a move (1 if the person has not
moved), :math:`s_i(t)` the current search state,
:math:`F(n) = \max(n^{-\beta}, f_0)` fatigue at remembered exposure :math:`n`
(exposures to the ad set fade with half-life ``fatigue_recovery_days``; calibration.md
§6: β ≈ 0.3-0.5, floor ≈ 30 %), :math:`W = 1/(1 + w \cdot \text{impressions per
audience member})` the creative's wear-out, :math:`\alpha_i` awareness of the employer
with weight :math:`\kappa_c` (``awareness_click``) and :math:`\rho` (``repeat_click``)
for someone who already clicked an ad of this campaign.

**After a click**,

.. math::

    q_0(i, s) = \min\big(0.9,\; b_\text{flow} \cdot A_s \cdot Q_i
        \cdot e^{\gamma\,\text{salary}}\big) \cdot D,
    \qquad
    q(i, t) = \min\Big(0.9,\; q_0(i, \text{open}) \cdot
        \frac{A_{s_i(t)}}{A_\text{open}} \cdot (1 + \kappa_a\,\alpha_i(t))\Big)

with :math:`b_\text{flow}` the apply-flow base rate (full application vs short form,
calibration.md §1: 4-10 % and 10-25 %), :math:`A` the search-state multiplier,
:math:`Q_i` higher for people who know they fit, :math:`D` the branding factor
``brand_apply`` (1 for a job ad) and :math:`\kappa_a` (``awareness_apply``)
(:func:`apply_probability`, :func:`impression_apply_probability`). All multipliers are
**estimates** chosen so a neutral Facebook ad to broad adults lands in the published
CTR and click→apply bands (recipe R8); ``tests/test_behavior.py`` checks that it does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import interests, occupations
from sim.creative import Creative
from sim.population import OPEN_PASSIVE, Population, distance_km, qualified_mask
from sim.scenario import VacancySpec

IMAGE_SIGNAL = {  # how strongly the image speaks to one sex: <0 men, >0 women
    "neutral": 0.0,
    "man": -0.35,
    "woman": 0.35,
    "male-stereotyped": -1.0,
    "female-stereotyped": 1.0,
}


@dataclass(frozen=True)
class ResponseModel:
    """Coefficients of the click and apply model (all estimates, see module docstring)."""

    occupation_match: float = 4.0  # people in the trade click its job ads far more
    adjacent_match: float = 1.8
    career_change_adjacent: float = 1.8  # a career-change creative speaks to adjacent trades
    career_change_other: float = 1.2  # ... and a little to everyone else
    interest: float = 2.0  # multiplier at full overlap with the occupation's typical topics
    distance_scale_km: float = 60.0  # relevance halves every ~42 km (exp(-d/60))
    distance_floor: float = 0.1
    salary: float = 0.5  # log-multiplier per unit of salary attractiveness
    search_state: tuple[float, float, float] = (0.3, 1.0, 2.0)  # closed, open, active
    repeat_click: float = 0.25  # someone who already clicked the ad rarely clicks again
    image_affinity: float = 1.2  # log-multiplier at full image signal for the matching sex
    gender_typing: float = 1.0  # appeal of jobs dominated by one's own sex (gender_typing)
    fatigue_beta: float = 0.4
    fatigue_floor: float = 0.3
    fatigue_recovery_days: float = 7.0  # half-life of remembered exposures (estimate)
    wear_out: float = 0.05  # creative appeal 1/(1 + w x impressions per audience member)
    brand_click: float = 0.4  # an employer-branding ad invites fewer clicks (estimate)
    brand_apply: float = 0.2  # ... and a click on it rarely ends in an application (estimate)
    awareness_gain: float = 0.1  # awareness added per job-ad impression (of what is left)
    awareness_gain_brand: float = 0.35  # ... per employer-branding impression
    awareness_half_life_days: float = 14.0
    awareness_click: float = 0.5  # click multiplier 1 + k x awareness
    awareness_apply: float = 0.5  # apply multiplier 1 + k x awareness
    apply_full: float = 0.08
    apply_short: float = 0.2
    apply_state: tuple[float, float, float] = (0.3, 0.8, 1.4)
    apply_qualified: float = 1.4
    apply_unqualified: float = 0.6
    apply_salary: float = 0.4


DEFAULT_RESPONSE = ResponseModel()


def image_multiplier(
    creative: Creative, gender: np.ndarray, model: ResponseModel = DEFAULT_RESPONSE
) -> np.ndarray:
    """How much more (or less) likely each person is to click because of the image.

    Returns
    -------
    numpy.ndarray of float, shape like ``gender``
    """
    signal = IMAGE_SIGNAL[creative.image]
    # One value per sex (men, women), looked up: the exp is taken twice, not per person.
    by_sex = np.exp(0.5 * model.image_affinity * signal * np.array([-1.0, 1.0]))
    return by_sex[gender]


def relevance_multiplier(
    pop: Population,
    idx: np.ndarray,
    vacancy: VacancySpec,
    creative: Creative,
    model: ResponseModel = DEFAULT_RESPONSE,
    distance_factor: np.ndarray | None = None,
) -> np.ndarray:
    """Ground-truth relevance of the vacancy to people ``idx`` (no platform, no fatigue).

    Parameters
    ----------
    pop : Population
    idx : numpy.ndarray of int, shape (k,)
    vacancy, creative
        The job and the ad.
    model : ResponseModel
    distance_factor : numpy.ndarray of float, shape (n,), optional
        :func:`distance_multiplier` of every person's distance to the job, computed once
        per run (:attr:`sim.people.People.distance_factor`); computed for ``idx`` here
        when not given.

    Returns
    -------
    numpy.ndarray of float, shape (k,)
    """
    # occupation x interest x distance x gender typing x salary, multiplied in place in
    # that order (audiences have millions of members: one temporary at a time)
    rel = occupation_multiplier(vacancy.occupation, creative, model)[pop.occupation[idx]]
    topics = [interests.topic_index(t) for t in occupations.get(vacancy.occupation).interests]
    rel *= interest_multiplier(len(topics), model)[pop.topic_count(topics, idx)]
    if distance_factor is None:
        rel *= distance_multiplier(distance_km(pop, vacancy, idx), model)
    else:
        rel *= distance_factor[idx]
    rel *= gender_typing(vacancy.occupation, pop.gender[idx], model)
    rel *= np.exp(model.salary * vacancy.salary)
    return rel


def occupation_multiplier(
    occupation: str, creative: Creative, model: ResponseModel = DEFAULT_RESPONSE
) -> np.ndarray:
    """Relevance factor of a job in ``occupation`` for each real occupation, shape (K + 1,).

    Entry ``j`` (``0 <= j < K``) is for people in occupation ``j``: ``occupation_match``
    for the occupation itself, ``adjacent_match`` (times ``career_change_adjacent`` for a
    career-change creative) for an adjacent one, else 1 (``career_change_other`` for a
    career-change creative). The last entry is for people without an occupation (code
    -1), so the table is indexed by the occupation codes directly.
    """
    target = occupations.occupation_index(occupation)
    career_change = creative.message == "career-change"
    adjacent = np.append(occupations.adjacency_matrix()[target], False)  # (K + 1,)
    table = np.where(
        adjacent,
        model.adjacent_match * (model.career_change_adjacent if career_change else 1.0),
        model.career_change_other if career_change else 1.0,
    )
    table[target] = model.occupation_match
    return table


def interest_multiplier(n_topics: int, model: ResponseModel = DEFAULT_RESPONSE) -> np.ndarray:
    """``interest ** (c / n_topics)`` for ``c = 0 .. n_topics`` topics held, shape (n_topics + 1,).

    A person holding ``c`` of the occupation's ``n_topics`` typical topics has overlap
    ``c / n_topics``; with no typical topics the overlap is 0 (factor 1).
    """
    if n_topics == 0:
        return np.ones(1)
    return model.interest ** (np.arange(n_topics + 1) / n_topics)


def distance_multiplier(km: np.ndarray, model: ResponseModel = DEFAULT_RESPONSE) -> np.ndarray:
    """How much a job ad's appeal falls with the distance from home to the job, shape like km."""
    factor = np.divide(np.asarray(km), -model.distance_scale_km)
    if not isinstance(factor, np.ndarray):  # one distance
        return np.maximum(np.exp(factor), model.distance_floor)
    # (in place in one temporary: it is computed for everyone, millions of people)
    np.exp(factor, out=factor)
    return np.maximum(factor, model.distance_floor, out=factor)


def gender_typing(
    occupation: str, gender: np.ndarray, model: ResponseModel = DEFAULT_RESPONSE
) -> np.ndarray:
    """How much more a job ad appeals to people of the sex that dominates the occupation.

    ``exp(g * (own-sex share of the occupation - 1/2))``: people are more drawn to jobs
    where people like them work (occupational segregation shows in job-seeking
    preferences; the direction is that of Gaucher, Friesen & Kay 2011, J. Pers. Soc.
    Psychol. 101(1) — recalled, unverified; the strength ``g`` is an estimate).

    Returns
    -------
    numpy.ndarray of float, shape like ``gender``
    """
    female = occupations.get(occupation).female
    own = np.array([1.0 - female, female])  # men, women
    # One value per sex, looked up: the exp is taken twice, not per person.
    return np.exp(model.gender_typing * (own - 0.5))[gender]


def click_probability(
    pop: Population,
    idx: np.ndarray,
    vacancy: VacancySpec,
    creative: Creative,
    link_ctr: float,
    model: ResponseModel = DEFAULT_RESPONSE,
    search_state: np.ndarray | int | None = None,
    distance_factor: np.ndarray | None = None,
    relevance: np.ndarray | None = None,
) -> np.ndarray:
    """First-exposure click probability of people ``idx`` for an ad, shape (k,).

    ``search_state`` (shape (k,), or one state for everyone) replaces the people's states
    from the population;
    ``distance_factor`` (shape (n,)) is as in :func:`relevance_multiplier`;
    ``relevance`` (float64 shape (n,)) is everyone's :func:`relevance_multiplier` for
    this vacancy, creative and ``model`` (:meth:`sim.people.People.relevance`), looked
    up instead of computed.
    """
    states = pop.search_state[idx] if search_state is None else np.asarray(search_state)
    # link_ctr x appeal x relevance x state x image x propensity, in place in that order
    if relevance is None:
        p = relevance_multiplier(pop, idx, vacancy, creative, model, distance_factor)
    else:  # (a copy: multiplied in place below)
        p = relevance[np.asarray(idx)]
    p *= link_ctr * creative.appeal
    p *= np.asarray(model.search_state)[states]  # (one state for everyone: a scalar)
    p *= image_multiplier(creative, pop.gender[idx], model)
    p *= pop.propensity[idx]
    if creative.message == "employer-brand":
        p = p * model.brand_click
    return np.minimum(p, 0.5)


def fatigue(exposure: np.ndarray, model: ResponseModel = DEFAULT_RESPONSE) -> np.ndarray:
    """Share of the first-exposure click probability left at exposure number ``n`` (>= 1).

    ``n`` may be fractional: remembered exposures fade (see ``fatigue_recovery_days``).
    """
    return np.maximum(np.power(np.maximum(exposure, 1.0), -model.fatigue_beta),
                      model.fatigue_floor)  # fmt: skip


def apply_probability(
    pop: Population,
    idx: np.ndarray,
    vacancy: VacancySpec,
    model: ResponseModel = DEFAULT_RESPONSE,
    qualified: np.ndarray | None = None,
    search_state: np.ndarray | int | None = None,
    dtype: type = np.float64,
) -> np.ndarray:
    """Probability that people ``idx`` apply after clicking, shape (k,).

    ``search_state`` (shape (k,), or one state for everyone) replaces the people's states
    from the population; ``qualified`` (shape (n,)) replaces the vacancy's rule.
    ``dtype`` is the result's (the probabilities are computed in float64 and rounded).
    """
    if qualified is None:
        qualified = qualified_mask(pop, vacancy)
    base = model.apply_short if vacancy.apply_flow == "short-form" else model.apply_full
    base = base * vacancy.apply_rate_scale  # the scenario's calibrated friction (default 1)
    states = pop.search_state[idx] if search_state is None else np.asarray(search_state)
    # One value per (search state, fit), looked up: the same products as per person.
    fit = np.array([model.apply_unqualified, model.apply_qualified])
    table = base * np.asarray(model.apply_state)[:, None] * fit
    table = np.minimum(table * np.exp(model.apply_salary * vacancy.salary), 0.9).astype(dtype)
    if states.ndim == 0:
        return table[int(states)][qualified[idx].view(np.uint8)]
    return table.ravel()[states.astype(np.intp) * 2 + qualified[idx]]


def impression_click_probability(
    p_first: np.ndarray,
    move_factor: np.ndarray,
    state: np.ndarray,
    exposure: np.ndarray,
    wear: float,
    awareness: np.ndarray,
    clicked_before: np.ndarray,
    model: ResponseModel = DEFAULT_RESPONSE,
) -> np.ndarray:
    """Click probability at an impression, :math:`p(i, t)` of the module docstring.

    Parameters
    ----------
    p_first : numpy.ndarray of float, shape (k,)
        First-exposure probability of an open-passive person, :math:`p_0(i, \\text{open})`
        (:func:`click_probability` with ``search_state`` open-passive).
    move_factor : numpy.ndarray of float, shape (k,)
        :math:`M_i`: distance appeal now over distance appeal at the start.
    state : numpy.ndarray of uint8, shape (k,)
        Current search states.
    exposure : numpy.ndarray of float, shape (k,)
        Remembered exposure number :math:`n` (>= 1, fractional as memories fade).
    wear : float
        The creative's wear-out factor :math:`W`.
    awareness : numpy.ndarray of float, shape (k,)
        Awareness of the employer before this impression.
    clicked_before : numpy.ndarray of bool, shape (k,)

    Returns
    -------
    numpy.ndarray of float, shape (k,)
    """
    states = np.asarray(model.search_state)
    p = (
        p_first
        * move_factor
        * (states[state] / states[OPEN_PASSIVE])
        * fatigue(exposure, model)
        * wear
        * (1 + model.awareness_click * awareness)
    )
    p = np.where(clicked_before, p * model.repeat_click, p)
    return np.minimum(p, 0.5)


def impression_apply_probability(
    p_apply_first: np.ndarray,
    state: np.ndarray,
    awareness: np.ndarray,
    model: ResponseModel = DEFAULT_RESPONSE,
) -> np.ndarray:
    """Apply probability after a click at an impression, :math:`q(i, t)`, shape (k,).

    ``p_apply_first`` (shape (k,)) is :math:`q_0(i, \\text{open})`, ``state`` the current
    search states and ``awareness`` the awareness before the impression.
    """
    states = np.asarray(model.apply_state)
    return np.minimum(
        p_apply_first
        * (states[state] / states[OPEN_PASSIVE])
        * (1 + model.awareness_apply * awareness),
        0.9,
    )
