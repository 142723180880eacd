"""The population generator as it was before issue 10 (kept to test the faster one).

``tests/test_population.py`` compares the marginal distributions of this generator with
those of :func:`sim.population.generate` over a large sample: the faster generator draws
different random numbers but must describe the same population. Frozen: do not edit
(its draws; only the storage of real interests follows ``Population.interests``: bit
masks made by ``pack_interests``).
"""

# ruff: noqa
from __future__ import annotations

import numpy as np

from sim import geography, interests, occupations
from sim.platforms import PLATFORM_INDEX, PLATFORM_NAMES, PLATFORMS
from sim.population import (
    POPULATION_STREAMS,
    pack_interests,
    ACTIVE,
    AGE_SHARES,
    CAREER_START_AGE,
    CLOSED,
    EDUCATION_OTHER,
    EDUCATION_STUDENT,
    EMPLOYED,
    FEMALE_SHARE_BY_AGE,
    JOBBOARD_RATE_BY_STATE,
    JOBBOARD_TITLE_DECLARED,
    JOBBOARD_TITLE_STALE,
    JOBBOARD_USER_BY_STATE,
    LABOUR_BY_AGE,
    LINKEDIN_RATE_BY_STATE,
    PROPENSITY_SIGMA,
    SESSION_HETEROGENEITY_SHAPE,
    SESSION_INTENSITY_BY_AGE,
    STUDENT,
    UNEMPLOYED,
    Population,
    target_size,
)
from sim.scenario import PopulationSpec
from sim.streams import named_children

_CHUNK = 1 << 18


def generate(spec: PopulationSpec, seed: np.random.SeedSequence) -> Population:
    """Draw a synthetic population.

    Parameters
    ----------
    spec : PopulationSpec
        Regions, size and overrides.
    seed : numpy.random.SeedSequence
        The population's own stream (the platforms' views get children of it).

    Returns
    -------
    Population
    """
    # The population's named streams (sim.population.POPULATION_STREAMS): the same
    # children as the explicit spawn keys 0, 1, ... this generator used.
    streams = named_children(seed, POPULATION_STREAMS)
    main_seed = streams["people"]
    view_seeds = [streams[f"view:{name}"] for name in PLATFORM_NAMES]
    rng = np.random.default_rng(main_seed)
    n = target_size(spec)
    place_idx = geography.places_in(spec.regions)
    place_pop = np.array([geography.PLACES[i].population for i in place_idx], dtype=float)
    real_adults = place_pop.sum() * geography.ADULT_SHARE

    # Where people live.
    place = place_idx[rng.choice(len(place_idx), size=n, p=place_pop / place_pop.sum())]
    place = place.astype(np.int16)
    lat = np.array([p.lat for p in geography.PLACES])
    lon = np.array([p.lon for p in geography.PLACES])
    cx, cy = geography.to_km(lat, lon)
    scatter = np.array([p.scatter_km for p in geography.PLACES]) / 1.5
    jitter = rng.standard_normal((2, n), dtype=np.float32)
    x_km = (cx[place] + jitter[0] * scatter[place]).astype(np.float32)
    y_km = (cy[place] + jitter[1] * scatter[place]).astype(np.float32)

    # Age and sex.
    age_band = rng.choice(len(AGE_SHARES), size=n, p=AGE_SHARES).astype(np.uint8)
    lo = np.array([b[0] for b in occupations.AGE_BANDS])
    hi = np.array([min(b[1], 90) for b in occupations.AGE_BANDS])
    age = (lo[age_band] + rng.random(n) * (hi[age_band] - lo[age_band] + 1)).astype(np.uint8)
    gender = (rng.random(n) < FEMALE_SHARE_BY_AGE[age_band]).astype(np.uint8)

    # Labour status by age band.
    labour = _draw_rows(rng, np.cumsum(LABOUR_BY_AGE, axis=1), age_band).astype(np.uint8)

    # Occupation for workers and the unemployed, given sex and age band.
    occupation = np.full(n, -1, dtype=np.int16)
    has_occ = (labour == EMPLOYED) | (labour == UNEMPLOYED)
    sizes = occupations.sizes_by_gender()
    profiles = np.array([occupations.AGE_PROFILES[o.age] for o in occupations.OCCUPATIONS])
    group_key = gender.astype(np.int64) * len(AGE_SHARES) + age_band
    for key in np.unique(group_key[has_occ]):
        g, band = divmod(int(key), len(AGE_SHARES))
        members = np.flatnonzero(has_occ & (group_key == key))
        w = sizes[:, g] * profiles[:, band]
        occupation[members] = rng.choice(len(w), size=members.size, p=w / w.sum())

    # Education follows the occupation's major group; others by status.
    groups = sorted(occupations.MAJOR_GROUPS)
    occ_group = np.array([groups.index(o.styrk[0]) for o in occupations.OCCUPATIONS])
    edu_cum = np.cumsum([occupations.MAJOR_GROUPS[g].education for g in groups], axis=1)
    other_cum = np.vstack([np.cumsum(EDUCATION_OTHER), np.cumsum(EDUCATION_STUDENT)])
    row = np.where(has_occ, occ_group[np.maximum(occupation, 0)], 0)
    education = np.where(
        has_occ,
        _draw_rows(rng, edu_cum, row),
        _draw_rows(rng, other_cum, (labour == STUDENT).astype(np.int64)),
    ).astype(np.uint8)

    # Years in the occupation: a share of the years since the career started.
    career = np.maximum(age - CAREER_START_AGE[education], 0.0)
    experience = np.where(has_occ, career * rng.beta(2.0, 1.5, size=n), 0.0).astype(np.float32)

    # Job-search state: the unemployed are active; non-workers are not candidates.
    s = spec.search_state
    state_cum = np.cumsum([s.closed, s.open_passive, s.active])
    search_state = np.where(
        labour == EMPLOYED,
        np.searchsorted(state_cum, rng.random(n) * state_cum[-1], side="right"),
        np.where(labour == UNEMPLOYED, ACTIVE, CLOSED),
    ).astype(np.uint8)
    search_state = np.minimum(search_state, ACTIVE).astype(np.uint8)

    # Real interests from (occupation, sex, age band, search state).
    table = interests.probability_table()
    # Probabilities as 16-bit thresholds against raw random bits: the same draw as
    # `uniform < p` to 1/65536, at a fraction of the cost for n x n_topics draws.
    thresholds = np.round(table.reshape(-1, interests.N_TOPICS) * 65536.0)
    thresholds = np.minimum(thresholds, 65535).astype(np.uint16)
    n_sex, n_age, n_state = table.shape[1:4]
    gid = (
        ((occupation.astype(np.int64) + 1) * n_sex + gender) * n_age + age_band
    ) * n_state + search_state
    real_interests = np.empty((n, interests.N_TOPICS), dtype=bool)
    for start in range(0, n, _CHUNK):
        rows = gid[start : start + _CHUNK]
        bits = np.frombuffer(rng.bytes(rows.size * interests.N_TOPICS * 2), dtype=np.uint16)
        bits = bits.reshape(rows.size, interests.N_TOPICS)
        real_interests[start : start + rows.size] = bits < np.take(thresholds, rows, axis=0)

    students = np.flatnonzero(labour == STUDENT)
    real_interests[students, interests.STUDENT_LIFE] |= (
        rng.random(students.size) < interests.STUDENT_LIFE_AMONG_STUDENTS
    )

    # Personal click-proneness, log-normal with mean 1.
    propensity = np.exp(rng.normal(-(PROPENSITY_SIGMA**2) / 2, PROPENSITY_SIGMA, size=n)).astype(
        np.float32
    )

    sessions = _platform_sessions(rng, n, age_band, gender, education, search_state)
    declared_title = _declared_titles(
        rng, occupation, sessions[PLATFORM_INDEX["linkedin"]] > 0, None
    )
    jobboard_title = _declared_titles(
        rng,
        occupation,
        (sessions[PLATFORM_INDEX["jobboard"]] > 0) & (labour != STUDENT),
        (JOBBOARD_TITLE_DECLARED, JOBBOARD_TITLE_STALE),
    )

    return Population(
        age=age,
        gender=gender,
        age_band=age_band,
        place=place,
        x_km=x_km,
        y_km=y_km,
        education=education,
        labour=labour,
        occupation=occupation,
        experience=experience,
        search_state=search_state,
        interests=pack_interests(real_interests),
        propensity=propensity,
        sessions=sessions,
        declared_title=declared_title,
        jobboard_title=jobboard_title,
        weight=float(real_adults / n),
        spec=spec,
        view_seeds=tuple(view_seeds),
        graph_seed=streams["graph"],
    )


def _draw_rows(rng: np.random.Generator, cum: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Draw a category per person from the cumulative distribution ``cum[row]``.

    ``cum`` has shape (n_rows, k), each row ending at its total; ``row`` has shape (n,).
    One ``searchsorted`` over the rows laid end to end (row r shifted by r). Returns (n,).
    """
    k = cum.shape[1]
    norm = cum / cum[:, -1:]
    norm[:, -1] = 1.0 + 1e-9
    flat = (norm + np.arange(cum.shape[0])[:, None]).ravel()
    u = rng.random(row.shape[0]) + row
    return np.minimum(np.searchsorted(flat, u, side="right") - row * k, k - 1)


def _platform_sessions(rng, n, age_band, gender, education, search_state) -> np.ndarray:
    """Sessions per day on each platform, shape (n_platforms, n), 0 without an account.

    Account probability and session rate depend only on (age band, sex, education,
    search state): 168 combinations, tabulated once per platform and looked up per person.
    """
    n_age, n_edu = len(AGE_SHARES), len(occupations.EDUCATION_LEVELS)
    band, sex, edu, state = np.meshgrid(
        np.arange(n_age), np.arange(2), np.arange(n_edu), np.arange(3), indexing="ij"
    )
    band, sex, edu, state = band.ravel(), sex.ravel(), edu.ravel(), state.ravel()
    combo = ((age_band.astype(np.int64) * 2 + gender) * n_edu + education) * 3 + search_state
    out = np.zeros((len(PLATFORM_NAMES), n), dtype=np.float32)
    for j, name in enumerate(PLATFORM_NAMES):
        p = PLATFORMS[name]
        prob = np.asarray(p.account_by_age)[band]
        odds = prob / np.maximum(1 - prob, 1e-9)
        odds = odds * np.where(sex == 1, np.sqrt(p.female_account_odds),
                               1 / np.sqrt(p.female_account_odds))  # fmt: skip
        odds = odds * np.asarray(p.education_account_odds)[edu]
        prob = odds / (1 + odds)
        rate = p.sessions_per_day * SESSION_INTENSITY_BY_AGE[band]
        if name == "jobboard":
            prob = prob * JOBBOARD_USER_BY_STATE[state]
            rate = p.sessions_per_day * JOBBOARD_RATE_BY_STATE[state]
        elif name == "linkedin":
            rate = rate * LINKEDIN_RATE_BY_STATE[state]
        prob_of = prob.astype(np.float32)[combo]
        has = np.flatnonzero(rng.random(n, dtype=np.float32) < prob_of)
        heavy = rng.standard_gamma(SESSION_HETEROGENEITY_SHAPE, size=has.size, dtype=np.float32)
        scale = (rate / SESSION_HETEROGENEITY_SHAPE).astype(np.float32)
        out[j, has] = scale[combo[has]] * heavy
    return out


def _declared_titles(rng, occupation, member, rates) -> np.ndarray:
    """The occupation a profile shows: declared by some, out of date for some of those.

    ``rates`` is ``(declared, stale)`` for everyone, or ``None`` to use each major group's
    LinkedIn behaviour. A stale title shows an adjacent occupation (or another one of the
    same major group) instead of the real one.
    """
    n = occupation.shape[0]
    occs = occupations.OCCUPATIONS
    if rates is None:
        declared_rate = np.array([o.group.title_declared for o in occs])
        stale_rate = np.array([o.group.title_stale for o in occs])
    else:
        declared_rate = np.full(len(occs), rates[0])
        stale_rate = np.full(len(occs), rates[1])
    occ = np.maximum(occupation, 0)
    has = member & (occupation >= 0)
    u = rng.random((2, n))
    declared = has & (u[0] < declared_rate[occ])
    stale = declared & (u[1] < stale_rate[occ])
    title = np.where(declared, occupation, -1).astype(np.int16)
    # A stale title: a neighbour occupation (adjacent if any, else same major group).
    neighbours = []
    for i, o in enumerate(occs):
        near = [occupations.occupation_index(a) for a in o.adjacent] or [
            j for j, other in enumerate(occs) if other.styrk[0] == o.styrk[0] and j != i
        ]
        neighbours.append(near or [i])
    width = max(len(x) for x in neighbours)
    table = np.array([x + x[:1] * (width - len(x)) for x in neighbours])
    counts = np.array([len(x) for x in neighbours])
    idx = np.flatnonzero(stale)
    pick = (rng.random(idx.size) * counts[occ[idx]]).astype(np.int64)
    title[idx] = table[occ[idx], pick]
    return title
