"""Interest topics: who really has them, and the table that ties them to people.

A topic has a base prevalence among adults, a sex difference (log-odds, women minus
men) and an age trend (log-odds per decade from age 40). An occupation multiplies the
odds of its related topics (see :mod:`sim.occupations`); active job-seekers are more
likely to follow "job seeking & careers". All numbers are **estimates** of ours: no
Norwegian interest survey was found. They are set so that broad hobby topics ("home
improvement", "outdoor life", "cooking") are common among everyone while professional
topics ("electrical engineering", "programming", "medicine") are rare outside their
trades — the point that makes interest targeting leaky.
"""

from __future__ import annotations

import numpy as np

from sim import occupations as occ

# (topic, base prevalence, female log-odds shift, age log-odds per decade)
TOPICS: tuple[tuple[str, float, float, float], ...] = (
    ("home improvement", 0.22, -0.2, 0.15),
    ("construction", 0.06, -1.2, 0.0),
    ("electrical engineering", 0.015, -1.5, 0.0),
    ("tools & DIY", 0.10, -1.0, 0.1),
    ("cars", 0.14, -1.3, -0.05),
    ("motorsport", 0.05, -1.3, -0.1),
    ("football", 0.25, -1.1, -0.1),
    ("fitness", 0.25, 0.1, -0.3),
    ("outdoor life", 0.35, 0.0, 0.1),
    ("hunting & fishing", 0.12, -1.4, 0.1),
    ("cooking", 0.28, 0.6, 0.05),
    ("fashion", 0.15, 1.3, -0.35),
    ("beauty", 0.12, 1.8, -0.35),
    ("parenting", 0.12, 0.8, -0.2),
    ("travel", 0.35, 0.3, 0.05),
    ("technology", 0.15, -0.9, -0.15),
    ("programming", 0.02, -1.3, -0.3),
    ("gaming", 0.15, -1.3, -0.6),
    ("business & finance", 0.10, -0.5, 0.05),
    ("entrepreneurship", 0.05, -0.5, -0.05),
    ("leadership", 0.04, -0.2, 0.1),
    ("retail & shopping", 0.20, 0.8, -0.2),
    ("health & wellness", 0.22, 0.8, 0.0),
    ("nursing & care", 0.02, 1.5, 0.0),
    ("medicine", 0.03, 0.6, 0.05),
    ("education & teaching", 0.03, 0.9, 0.0),
    ("children's activities", 0.10, 0.9, -0.3),
    ("music", 0.35, 0.0, -0.3),
    ("film & tv", 0.40, 0.1, -0.1),
    ("books & literature", 0.20, 0.9, 0.15),
    ("politics & news", 0.20, -0.2, 0.3),
    ("science", 0.08, -0.5, 0.0),
    ("environment", 0.10, 0.4, -0.05),
    ("agriculture", 0.03, -0.6, 0.25),
    ("boats & sea", 0.10, -0.9, 0.2),
    ("transport & logistics", 0.02, -1.2, 0.05),
    ("real estate", 0.08, 0.0, 0.1),
    ("interior design", 0.15, 1.2, 0.0),
    ("pets", 0.20, 0.6, 0.0),
    ("photography", 0.10, 0.0, 0.0),
    ("art & design", 0.10, 0.6, 0.0),
    ("hospitality & food service", 0.03, 0.3, -0.3),
    ("energy & oil", 0.03, -1.0, 0.1),
    ("job seeking & careers", 0.05, 0.2, -0.3),
    ("marketing & media", 0.05, 0.3, -0.2),
    ("student life", 0.02, 0.2, -0.6),  # students get it far more often (sim.population)
)
TOPIC_NAMES: tuple[str, ...] = tuple(t[0] for t in TOPICS)
N_TOPICS = len(TOPICS)
_INDEX = {name: i for i, name in enumerate(TOPIC_NAMES)}
JOB_SEEKING = _INDEX["job seeking & careers"]
STUDENT_LIFE = _INDEX["student life"]
STUDENT_LIFE_AMONG_STUDENTS = 0.7  # estimate
ACTIVE_JOB_SEEKING_LIFT = 5.0  # estimate: active seekers follow career content


def topic_index(name: str) -> int:
    """Index of a topic name."""
    return _INDEX[name]


def occupation_lifts() -> np.ndarray:
    """Odds multipliers of each topic for each occupation (row 0: no occupation).

    Returns
    -------
    numpy.ndarray of float, shape (n_occupations + 1, n_topics)
    """
    lifts = np.ones((len(occ.OCCUPATIONS) + 1, N_TOPICS))
    for i, o in enumerate(occ.OCCUPATIONS):
        for topic, lift in o.interests.items():
            lifts[i + 1, _INDEX[topic]] = lift
    return lifts


def probability_table() -> np.ndarray:
    """Probability of each real interest for every (occupation, sex, age band, search state).

    Returns
    -------
    numpy.ndarray of float32, shape (n_occupations + 1, 2, n_age_bands, 3, n_topics)
        Index 0 of the first axis is "no occupation"; sex 0 male, 1 female; search
        state 0 closed, 1 open-passive, 2 active.
    """
    base = np.array([t[1] for t in TOPICS])
    female = np.array([t[2] for t in TOPICS])
    trend = np.array([t[3] for t in TOPICS])
    mid_ages = np.array([(lo + min(hi, 85)) / 2 for lo, hi in occ.AGE_BANDS])
    # Log-odds so that the population average stays near `base` for a 50/50 sex mix.
    logit0 = np.log(base / (1 - base))
    sex = np.array([-0.5, 0.5])[:, None] * female[None, :]  # (2, T)
    age = ((mid_ages - 40) / 10)[:, None] * trend[None, :]  # (A, T)
    lift = np.log(occupation_lifts())  # (O+1, T)
    state = np.zeros((3, N_TOPICS))
    state[2, JOB_SEEKING] = np.log(ACTIVE_JOB_SEEKING_LIFT)
    logit = (
        logit0[None, None, None, None, :]
        + lift[:, None, None, None, :]
        + sex[None, :, None, None, :]
        + age[None, None, :, None, :]
        + state[None, None, None, :, :]
    )
    return (1 / (1 + np.exp(-logit))).astype(np.float32)
