"""Journeys: one person's story through a finished run, for teaching and debugging.

A journey answers what a recruiter or a teacher asks about one person: who they are
(ground truth), what each platform believes about them, which targeting rule put them
in an ad set's audience (or which clause kept them out), what the delivery optimiser
predicted for them and from which features, every impression with its hour and price,
the click and application, the fatigue of repeated exposure, the hiring pipeline's
outcome — and, for people never reached, **why**.

Journeys are built **after** the run from what the finished model holds, so recording
them costs the delivery engine nothing; :func:`sample` is called only when a run asks
for journeys (``sim.model.run(..., journeys=N)``). The model's internals are read in one
place, :func:`_run_facts`; everything else works on the :class:`RunFacts` it returns.

What is exact and what is approximate:

- audience membership is the engine's own (the ad set's audience as last resolved; a
  custom audience is rebuilt daily, so it is the last day's); the clause-by-clause
  explanation re-checks the targeting spec against the platform's view;
- impressions, prices, clicks and applications are the impression log's rows;
- the fatigue multiplier is recomputed from the person's impression hours with the
  behaviour model's fading memory (per ad set, as the engine keeps it);
- "why not reached" for people in an audience is an **approximation**: the engine does
  not log lost auctions, so the person's expected ad slots in the hours the ad set was
  delivering (their session rate x the platform's hour profile) are set against the
  share of its audience's slots the ad set won. Few slots in those hours means the
  budget went in hours when they were rarely online; slots times that share below one
  means the budget was too small for them to expect an impression; more means they were
  outbid (other advertisers' bids for them, and the optimiser's value of them).
- believed interests are listed for the topics that matter to the story (the person's
  real interests, the occupation's typical ones and the targeted ones), not all topics.

Sampling: :func:`sample` draws people from five groups — reached and qualified; reached
through a misleading proxy (not qualified, believed to have one of the occupation's
typical interests they do not have); other reached people; qualified and not reached;
everybody else — a fifth each where the groups are large enough, with a generator from
its own named ``SeedSequence`` child, so recording journeys leaves every other random
stream (and every metric) unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim import behavior, geography, occupations
from sim import interests as topics
from sim import pipeline as hiring
from sim.audience import PlatformView
from sim.campaign import Location, TargetingSpec
from sim.platforms import PLATFORMS
from sim.population import (
    EMPLOYED,
    LABOUR_LABELS,
    SEARCH_LABELS,
    UNEMPLOYED,
    Population,
    distance_km,
    within_reach,
)

# Spawn-key word naming the journeys' sample stream (the bytes "jou"); the components'
# streams use keys (replication, 0..4), so this one never meets them.
JOURNEY_STREAM = 0x6A6F75
FIT_LABELS = ("cannot", "trainable", "qualified")
OUTCOME_LABELS = {
    hiring.PENDING: "pending",
    hiring.SCREENED_OUT: "screened-out",
    hiring.DROPPED: "dropped-out",
    hiring.REJECTED: "rejected",
    hiring.DECLINED: "declined",
    hiring.HIRED: "hired",
    hiring.WITHDRAWN: "withdrawn",
}
# Below this many expected ad slots in the hours an ad set delivered, a person who was
# not reached is said to have been offline when the money was spent (estimate).
FEW_SLOTS = 1.0


# --------------------------------------------------------------------------- the adapter
@dataclass(frozen=True)
class OptimiserFacts:
    """What a platform's delivery optimiser predicts and which features it uses.

    Attributes
    ----------
    cells : callable
        ``cells(idx) -> ndarray of int, shape (k,)``: the feature cell of people ``idx``.
    click_table, apply_table : numpy.ndarray, shape (n_cells,)
        Predicted click (and click-and-apply) probability of each cell.
    uses_demographics, uses_titles, uses_creative : bool
    """

    cells: Callable[[np.ndarray], np.ndarray]
    click_table: np.ndarray
    apply_table: np.ndarray
    uses_demographics: bool
    uses_titles: bool
    uses_creative: bool


@dataclass(frozen=True)
class AdSetFacts:
    """One ad set as delivered. Member arrays have shape (k,), aligned with ``audience``."""

    key: int  # the impression log's ``adset`` code
    name: str
    platform: str
    policy: str
    targeting: TargetingSpec
    objective: str
    status: str  # as the ads manager reports it
    rejected: bool  # the platform refused to publish it (audience below its minimum)
    hours: tuple[int, ...]
    audience: np.ndarray  # sorted person rows
    value: np.ndarray  # the optimiser's value of each member (mean 1 over the audience)
    price_mult: np.ndarray  # other advertisers' price multiplier for each member
    rate: np.ndarray  # expected ad slots per day of each member on this platform


@dataclass(frozen=True)
class RunFacts:
    """Everything a journey needs from a finished run (see :func:`_run_facts`)."""

    population: Population
    qualified: np.ndarray  # bool (n,), at the campaign's start (as the metrics judge it)
    vacancy: object  # VacancySpec
    days: int
    views: dict[str, PlatformView]  # the platforms the campaign used
    optimisers: dict[str, OptimiserFacts]
    ad_sets: list[AdSetFacts]  # indexed by the log's ``adset`` code
    log: dict[str, np.ndarray]  # person, adset, hour, price, clicked, applied; shape (m,)
    applications: dict[str, np.ndarray]  # the pipeline's records, shape (a,)
    site_visitors: dict[str, np.ndarray]  # bool (n,) per platform: its custom audience
    search_state_end: np.ndarray  # uint8 (n,)
    seed_entropy: int
    replication: int
    derived: dict = field(default_factory=dict, repr=False)  # per-run values, computed once

    def delivered_hours(self, key: int) -> tuple[np.ndarray, int]:
        """Hours in which ad set ``key`` bought impressions, and its impressions."""
        if ("hours", key) not in self.derived:
            mine = self.log["adset"] == key
            self.derived["hours", key] = (np.unique(self.log["hour"][mine]), int(mine.sum()))
        return self.derived["hours", key]


def _run_facts(model) -> RunFacts:
    """Read what a journey needs from a finished :class:`~sim.model.RecruitingModel`.

    The only function here that knows where the model keeps things; when the engine's
    internals move, this is the one to change. It reads both layouts: one
    ``DeliveryEngine`` (``model.engine``), or the actors of the engine split
    (``model.market``, ``model.employer``, ``model.people``).
    """
    eng = model.market if hasattr(model, "market") else model.engine
    employer = getattr(model, "employer", eng)  # advertiser_data(platform)
    states = model.people.search_state if hasattr(model, "people") else eng.dynamics.search_state
    ad_sets = []
    for name in eng.ad_set_names:
        st = eng._states[name]
        # Each member's ad opportunities per day, as the market draws them.
        rate = eng.view(st.adset.platform).sessions[st.audience].astype(np.float64) * (
            PLATFORMS[st.adset.platform].ads_per_session
        )
        ad_sets.append(
            AdSetFacts(
                key=st.key, name=name, platform=st.adset.platform,
                policy=model.scenario.platform(st.adset.platform).policy,
                targeting=st.adset.targeting, objective=st.objective, status=str(st.status),
                rejected=getattr(st.status, "state", None) == "rejected"
                or str(st.status).startswith("rejected"),
                hours=tuple(st.adset.hours), audience=st.audience, value=st.value,
                price_mult=st.price_mult, rate=rate,
            )
        )  # fmt: skip
    used = sorted({a.platform for a in ad_sets})
    optimisers = {}
    for platform, opt in eng._optimisers.items():
        optimisers[platform] = OptimiserFacts(
            cells=opt.cells, click_table=opt.click_table, apply_table=opt.apply_table,
            uses_demographics=bool(opt.use_demographics),
            uses_titles=bool(PLATFORMS[platform].declares_titles),
            uses_creative=bool(opt.use_creative),
        )  # fmt: skip
    return RunFacts(
        population=model.population,
        qualified=model.qualified,
        vacancy=model.scenario.vacancy,
        days=model.scenario.campaign.days,
        views={p: eng.view(p) for p in used},
        optimisers=optimisers,
        ad_sets=ad_sets,
        log=eng.log.arrays(),
        applications=model.pipeline.records(),
        site_visitors={p: employer.advertiser_data(p).site_visitors for p in used},
        search_state_end=np.asarray(states),
        seed_entropy=int(model.seeds.root_entropy),
        replication=int(model.seeds.replication),
    )


# --------------------------------------------------------------------------- public API
def journey_seed(entropy: int, replication: int) -> np.random.SeedSequence:
    """The named stream the journeys' sample is drawn from (a sibling of the components)."""
    return np.random.SeedSequence(entropy, spawn_key=(replication, JOURNEY_STREAM))


def fit(pop: Population, vacancy, qualified: np.ndarray) -> np.ndarray:
    """Each person's fit for the vacancy: 2 qualified, 1 trainable, 0 cannot take it.

    *Trainable* people are not qualified but live within the commuting distance, are
    in the labour force and work (or last worked) in the occupation itself (with too
    little experience) or in one the occupation lists as adjacent.

    Returns
    -------
    numpy.ndarray of int8, shape (n,)
    """
    target = occupations.occupation_index(vacancy.occupation)
    occ = pop.occupation
    near_trade = (occ == target) | (
        (occ >= 0) & occupations.adjacency_matrix()[target][np.maximum(occ, 0)]
    )
    in_force = (pop.labour == EMPLOYED) | (pop.labour == UNEMPLOYED)
    close = within_reach(distance_km(pop, vacancy), vacancy)
    out = np.where(near_trade & in_force & close, 1, 0).astype(np.int8)
    out[qualified] = 2
    return out


def reached_by_fit(facts: RunFacts, fits: np.ndarray | None = None) -> dict:
    """People reached by fit and sex, in real people.

    Returns
    -------
    dict
        ``{"qualified": {"male": n, "female": n}, "trainable": {...}, "cannot": {...}}``.
    """
    pop = facts.population
    reached = np.unique(facts.log["person"])
    f = (fit(pop, facts.vacancy, facts.qualified) if fits is None else fits)[reached]
    g = pop.gender[reached]
    out = {}
    for code, label in enumerate(FIT_LABELS):
        out[label] = {
            sex: round(int(np.count_nonzero((f == code) & (g == s))) * pop.weight)
            for s, sex in enumerate(("male", "female"))
        }
    return {k: out[k] for k in ("qualified", "trainable", "cannot")}


def sample(model, n: int) -> dict:
    """Journeys of ``n`` people of a finished model, as the run JSON's ``journeys`` object.

    Parameters
    ----------
    model : RecruitingModel
        After :meth:`~sim.model.RecruitingModel.run`.
    n : int
        People to follow (fewer if the population is smaller).

    Returns
    -------
    dict
        ``{"sampled", "groups", "reached_by_fit", "people": [journey, ...]}``.
    """
    facts = _run_facts(model)
    rng = np.random.default_rng(journey_seed(facts.seed_entropy, facts.replication))
    people, groups = choose(facts, n, rng)
    fits = fit(facts.population, facts.vacancy, facts.qualified)
    return {
        "sampled": len(people),
        "groups": groups,
        "reached_by_fit": reached_by_fit(facts, fits),
        "people": [journey(facts, int(p), fits) for p in people],
    }


def choose(facts: RunFacts, n: int, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Pick ``n`` people, a fifth from each group where it is large enough.

    The groups do not overlap: ``reached-qualified``; ``reached-proxy`` (reached, not
    qualified, and a platform believes they have one of the occupation's typical
    interests that they do not really have: reached through a proxy that misled);
    ``reached-unqualified`` (the other reached); ``qualified-unreached``; ``others``. A
    group too small to fill its share gives its places to the next.

    Returns
    -------
    people : numpy.ndarray of int, shape (k,), sorted
    groups : dict
        Group name -> people drawn from it.
    """
    size = facts.population.size
    reached = np.zeros(size, dtype=bool)
    reached[facts.log["person"]] = True
    q = facts.qualified
    proxy = _believed_typical_not_real(facts)
    pools = {
        "reached-qualified": np.flatnonzero(reached & q),
        "reached-proxy": np.flatnonzero(reached & ~q & proxy),
        "reached-unqualified": np.flatnonzero(reached & ~q & ~proxy),
        "qualified-unreached": np.flatnonzero(~reached & q),
        "others": np.flatnonzero(~reached & ~q),
    }
    n = max(0, min(int(n), size))
    picked, groups, left = [], {}, n
    names = list(pools)
    for i, name in enumerate(names):
        want = -(-left // (len(names) - i))  # ceil of an even share of what is left
        k = min(want, pools[name].size)
        chosen = rng.choice(pools[name], size=k, replace=False) if k else pools[name][:0]
        picked.append(chosen)
        groups[name] = int(k)
        left -= k
    people = np.sort(np.concatenate(picked)).astype(np.int64) if picked else np.zeros(0, int)
    return people, groups


def _believed_typical_not_real(facts: RunFacts) -> np.ndarray:
    """People some used platform believes have a typical interest of the occupation they
    do not really have, shape (n,) bool."""
    pop = facts.population
    out = np.zeros(pop.size, dtype=bool)
    for t in occupations.get(facts.vacancy.occupation).interests:
        k = topics.topic_index(t)
        for name, view in facts.views.items():
            if "interests" in PLATFORMS[name].targeting_options:
                out |= view.interest(k) & ~pop.has_interest(k)
    return out


def journey(facts: RunFacts, person: int, fits: np.ndarray | None = None) -> dict:
    """The journey of one person (a JSON-ready dict; see the README's ``journeys`` key).

    ``fits`` is :func:`fit` of everybody, when the caller has it already.
    """
    pop, v = facts.population, facts.vacancy
    p = int(person)
    occ = int(pop.occupation[p])
    fit_code = int((fit(pop, v, facts.qualified) if fits is None else fits)[p])
    impressions = _impressions(facts, p)
    ad_sets = [_ad_set_story(facts, a, p, impressions) for a in facts.ad_sets]
    application = _application(facts, p)
    out = {
        "person": p,
        "sex": "female" if pop.gender[p] == 1 else "male",
        "age": int(pop.age[p]),
        "age_band": occupations.AGE_BAND_LABELS[int(pop.age_band[p])],
        "home": geography.PLACES[int(pop.place[p])].name,
        "region": geography.PLACES[int(pop.place[p])].region,
        "km_to_job": round(float(distance_km(pop, v, np.array([p]))[0]), 1),
        "labour": LABOUR_LABELS[int(pop.labour[p])],
        "occupation": occupations.OCCUPATIONS[occ].id if occ >= 0 else None,
        "experience_years": round(float(pop.experience[p]), 1),
        "search_state": SEARCH_LABELS[int(pop.search_state[p])],
        "search_state_end": SEARCH_LABELS[int(facts.search_state_end[p])],
        "interests": [topics.TOPIC_NAMES[t] for t in np.flatnonzero(pop.interests_of(p))],
        "fit": FIT_LABELS[fit_code],
        "qualified": bool(facts.qualified[p]),
        "not_qualified_because": _not_qualified_because(facts, p),
        "platforms": [_platform_view(facts, name, p) for name in facts.views],
        "ad_sets": ad_sets,
        "impressions": impressions,
        "reached": bool(impressions),
        "clicked": any(i["clicked"] for i in impressions),
        "applied": application is not None,
        "application": application,
        "not_reached": None if impressions else _why_not_reached(facts, p, ad_sets),
    }
    out["why"] = _summary(out, occupations.get(v.occupation).name.lower())
    return out


# --------------------------------------------------------------------------- pieces
def _not_qualified_because(facts: RunFacts, p: int) -> list[str]:
    """The qualification rules person ``p`` fails (codes), empty if qualified."""
    if facts.qualified[p]:
        return []
    pop, v = facts.population, facts.vacancy
    target = occupations.occupation_index(v.occupation)
    occ = int(pop.occupation[p])
    ok_occ = occ == target or (
        v.accept_adjacent and occ >= 0 and bool(occupations.adjacency_matrix()[target][occ])
    )
    out = []
    if not ok_occ:
        out.append("occupation")
    elif pop.experience[p] < v.min_experience_years:
        out.append("experience")
    if pop.labour[p] not in (EMPLOYED, UNEMPLOYED):
        out.append("labour")
    if not within_reach(distance_km(pop, v, np.array([p])), v)[0]:
        out.append("distance")
    return out


def _story_topics(facts: RunFacts, p: int) -> list[int]:
    """Topics worth showing for ``p``: real, the occupation's typical, and targeted ones."""
    wanted = set(np.flatnonzero(facts.population.interests_of(p)).tolist())
    wanted |= {topics.topic_index(t) for t in occupations.get(facts.vacancy.occupation).interests}
    for a in facts.ad_sets:
        wanted |= {topics.topic_index(t) for t in a.targeting.interests}
        wanted |= {topics.topic_index(t) for t in a.targeting.exclude_interests}
    return sorted(wanted)


def _platform_view(facts: RunFacts, platform: str, p: int) -> dict:
    view = facts.views[platform]
    sessions = float(view.sessions[p])
    title = int(view.titles[p])
    believed = []
    if sessions > 0 and "interests" in PLATFORMS[platform].targeting_options:
        believed = [topics.TOPIC_NAMES[t] for t in _story_topics(facts, p) if view.interest(t)[p]]
    return {
        "platform": platform,
        "account": sessions > 0,
        "sessions_per_day": round(sessions, 2),
        "believed_interests": believed,
        "declared_title": occupations.OCCUPATIONS[title].id if title >= 0 else None,
    }


def _clauses(facts: RunFacts, a: AdSetFacts, p: int) -> list[dict]:
    """Each clause of ``a``'s targeting checked against the platform's view of ``p``."""
    view, spec = facts.views[a.platform], a.targeting
    out = [{"clause": "account", "ok": bool(view.sessions[p] > 0)}]
    if spec.locations:
        home = geography.PLACES[int(view.place[p])]
        matched = [_loc_text(loc) for loc in spec.locations if _in_location(view, loc, p)]
        nearest = min(spec.locations, key=lambda loc: _km(view, loc.place, p))
        out.append({
            "clause": "location", "ok": bool(matched), "matched": matched,
            "targeted": [_loc_text(loc) for loc in spec.locations], "home": home.name,
            "km": round(_km(view, nearest.place, p), 1), "from": nearest.place,
        })  # fmt: skip
    if spec.age_min > 18 or spec.age_max is not None:
        age = int(view.age[p])
        ok = age >= spec.age_min and (spec.age_max is None or age <= spec.age_max)
        out.append({"clause": "age", "ok": ok, "age": age, "min": spec.age_min,
                    "max": spec.age_max})  # fmt: skip
    if spec.genders:
        sex = "female" if view.gender[p] == 1 else "male"
        out.append({"clause": "gender", "ok": sex in spec.genders, "sex": sex,
                    "targeted": list(spec.genders)})  # fmt: skip
    if spec.interests:
        matched = [t for t in spec.interests if view.interest(topics.topic_index(t))[p]]
        out.append({"clause": "interests", "ok": bool(matched), "matched": matched,
                    "targeted": list(spec.interests)})  # fmt: skip
    if spec.exclude_interests:
        hit = [t for t in spec.exclude_interests if view.interest(topics.topic_index(t))[p]]
        out.append({"clause": "exclude_interests", "ok": not hit, "matched": hit,
                    "targeted": list(spec.exclude_interests)})  # fmt: skip
    if spec.job_titles:
        title = int(view.titles[p])
        declared = occupations.OCCUPATIONS[title].id if title >= 0 else None
        out.append({"clause": "job_titles", "ok": declared in spec.job_titles,
                    "declared": declared, "targeted": list(spec.job_titles)})  # fmt: skip
    if spec.custom_audience is not None:
        seen = facts.site_visitors.get(a.platform)
        ok = bool(seen[p]) if seen is not None else False
        out.append({"clause": "custom_audience", "ok": ok, "audience": spec.custom_audience})
    if spec.lookalike_percent is not None:
        # The similarity ranking is not re-derived; membership says whether p made the cut.
        out.append({"clause": "lookalike", "ok": _member(a, p) is not None,
                    "percent": spec.lookalike_percent})  # fmt: skip
    return out


# Which matched clause is named as the one that put a person in the audience: the
# narrowest the advertiser chose.
_RULE_ORDER = ("job_titles", "interests", "custom_audience", "lookalike", "gender", "age",
               "location", "account")  # fmt: skip


def _ad_set_story(facts: RunFacts, a: AdSetFacts, p: int, impressions: list[dict]) -> dict:
    clauses = _clauses(facts, a, p)
    pos = _member(a, p)
    rejected = a.rejected
    failed = [c for c in clauses if not c["ok"]]
    rule = None
    if pos is not None:
        by_name = {c["clause"]: c for c in clauses}
        rule = next(by_name[k] for k in _RULE_ORDER if k in by_name)
    story = {
        "ad_set": a.name,
        "platform": a.platform,
        "policy": a.policy,
        "objective": a.objective,
        "status": a.status,
        "in_audience": pos is not None,
        "rule": rule,
        "excluded_by": failed[0] if failed else None,
        "rejected": rejected,
        "clauses": clauses,
        "impressions": sum(1 for i in impressions if i["ad_set"] == a.name),
        "optimiser": _optimiser(facts, a, p, pos) if clauses[0]["ok"] else None,
    }
    return story


def _optimiser(facts: RunFacts, a: AdSetFacts, p: int, pos: int | None) -> dict | None:
    """The optimiser's prediction for ``p`` on ``a``'s platform, and what it used."""
    opt = facts.optimisers.get(a.platform)
    if opt is None:
        return None
    cell = int(opt.cells(np.array([p]))[0])
    title_bucket, interest_bucket, demo = cell % 3, (cell // 3) % 3, cell // 9
    bands = len(occupations.AGE_BANDS)
    features = (["sex", "age"] if opt.uses_demographics else []) + ["interests"]
    features += ["job_title"] if opt.uses_titles else []
    features += ["image"] if opt.uses_creative else []
    used = {
        "interest_overlap": ("none", "some", "most")[interest_bucket],
        "job_title": ("none", "this occupation", "another occupation")[title_bucket],
    }
    if opt.uses_demographics:
        used["sex"] = "female" if demo // bands == 1 else "male"
        used["age_band"] = occupations.AGE_BAND_LABELS[demo % bands]
    return {
        "objective": a.objective,
        "optimises": a.objective in ("clicks", "applications"),
        "features": features,
        "cell": used,
        "predicted_click": float(opt.click_table[cell]),
        "predicted_apply": float(opt.apply_table[cell]),
        "relative_value": None if pos is None else round(float(a.value[pos]), 3),
    }


def _impressions(facts: RunFacts, p: int) -> list[dict]:
    """The person's impressions in time order, with the fatigue at each one."""
    log = facts.log
    rows = np.flatnonzero(log["person"] == p)
    half_life_h = 24 * behavior.DEFAULT_RESPONSE.fatigue_recovery_days
    # Per ad set: (faded memory at the start of the current hour, that hour, impressions
    # so far in it) -- the engine's `remembered`/`last_seen` arrays for this one person.
    memory: dict[int, tuple[float, int, int]] = {}
    out = []
    for r in rows[np.argsort(log["hour"][rows], kind="stable")]:
        key, hour = int(log["adset"][r]), int(log["hour"][r])
        base, last, rank = memory.get(key, (0.0, hour, 0))
        if hour != last:  # after an hour the engine remembers base + its impressions, fading
            base, rank = (base + rank) * 0.5 ** ((hour - last) / half_life_h), 0
        exposure = base + rank + 1
        memory[key] = (base, hour, rank + 1)
        a = facts.ad_sets[key]
        out.append({
            "hour": hour, "day": hour // 24, "hour_of_day": hour % 24, "ad_set": a.name,
            "platform": a.platform, "price": round(float(log["price"][r]), 4),
            "clicked": bool(log["clicked"][r]), "applied": bool(log["applied"][r]),
            "fatigue": round(float(behavior.fatigue(np.array(exposure))), 3),
        })  # fmt: skip
    return out


def _application(facts: RunFacts, p: int) -> dict | None:
    rec = facts.applications
    if rec["person"].size == 0:
        return None
    rows = np.flatnonzero(rec["person"] == p)
    if rows.size == 0:
        return None
    i = int(rows[0])
    paid = bool(np.any(facts.log["applied"][facts.log["person"] == p]))

    def day(key: str) -> float | None:
        value = float(rec[key][i])
        return None if np.isnan(value) else round(value / 24, 1)

    stage = int(rec["stage"][i])
    return {
        "channel": "paid" if paid else "organic",
        "day": day("applied"),
        "screened_day": day("screened"),
        "interviewed_day": day("interviewed"),
        "offered_day": day("offered"),
        "outcome": OUTCOME_LABELS.get(int(rec["outcome"][i]), "pending"),
        "outcome_day": day("outcome_hour"),
        "dropped_at": hiring.STAGES[stage] if stage >= 0 else None,
    }


def _why_not_reached(facts: RunFacts, p: int, stories: list[dict]) -> dict:
    """Why ``p`` saw no ad.

    ``no-account`` on the platforms used; ``outside-audience`` (with the clause that
    excluded them from each ad set); in an audience but ``budget-gone`` (fewer than
    :data:`FEW_SLOTS` expected ad slots in the hours the ad set delivered: the money went
    when they were rarely online), ``budget-small`` (the ad set won so small a share of
    its audience's slots that they could expect less than one impression) or ``outbid``
    (they could expect one or more, and other advertisers' bids and the optimiser's low
    value of them took the slots).

    For people in an audience the answer is approximate (see the module docstring).
    """
    if not facts.ad_sets:
        return {"reason": "no-ad-sets"}
    accounts = {a.platform for a in facts.ad_sets if facts.views[a.platform].sessions[p] > 0}
    if not accounts:
        return {"reason": "no-account", "platforms": sorted({a.platform for a in facts.ad_sets})}
    members = [(a, s) for a, s in zip(facts.ad_sets, stories, strict=True) if s["in_audience"]]
    if not members:
        rejected = [s["ad_set"] for s in stories if s["rejected"]]
        excluded = {s["ad_set"]: s["excluded_by"] for s in stories if s["excluded_by"]}
        return {"reason": "outside-audience", "excluded_by": excluded, "rejected": rejected}
    best = None
    for a, _ in members:
        delivered, won = facts.delivered_hours(a.key)
        weights = PLATFORMS[a.platform].hour_weights
        pos = _member(a, p)
        slots = float(a.rate[pos] * weights[delivered % 24].sum())
        audience_slots = float(a.rate.sum() * weights[delivered % 24].sum())
        share = won / audience_slots if audience_slots > 0 else 0.0
        facts_for = {
            "ad_set": a.name,
            "expected_slots": round(slots, 1),
            "won_share": round(share, 5),
            "expected_impressions": round(slots * share, 2),
            "hours_delivered": int(delivered.size),
            "last_day": int(delivered.max() // 24) if delivered.size else None,
            "price_multiplier": round(float(a.price_mult[pos]), 2),
            "relative_value": round(float(a.value[pos]), 3),
            "approximate": True,
        }
        if best is None or facts_for["expected_impressions"] > best["expected_impressions"]:
            best = facts_for
    if best["expected_slots"] < FEW_SLOTS:
        best["reason"] = "budget-gone"
    elif best["expected_impressions"] < 1:
        best["reason"] = "budget-small"
    else:
        best["reason"] = "outbid"
    return best


def _summary(j: dict, wanted: str) -> str:
    """One English line: why they were in the audience (or not) and whether qualified."""
    parts = []
    rules = [s for s in j["ad_sets"] if s["in_audience"]]
    if rules:
        parts.append("in the audience: " + _rule_text(rules[0]["rule"]))
    if j["reached"]:
        n = len(j["impressions"])
        parts.append(f"{n} impression{'s' if n != 1 else ''}")
    elif j["not_reached"] is not None:
        parts.append("not reached: " + j["not_reached"]["reason"].replace("-", " "))
    if j["applied"]:
        parts.append(f"applied ({j['application']['outcome']})")
    elif j["clicked"]:
        parts.append("clicked")
    if j["qualified"]:
        parts.append("qualified")
    else:
        why = j["not_qualified_because"]
        if "occupation" in why:
            parts.append(f"not qualified: not {_article(wanted)} {wanted}")
        else:
            parts.append("not qualified: " + ", ".join(why))
    return "; ".join(parts)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _rule_text(rule: dict) -> str:
    kind = rule["clause"]
    if kind == "interests":
        return "interest " + ", ".join(repr(t) for t in rule["matched"])
    if kind == "job_titles":
        return f"job title {rule['declared']!r}"
    if kind == "location":
        return "location " + ", ".join(rule["matched"])
    if kind == "age":
        return f"age {rule['age']}"
    if kind == "gender":
        return f"sex {rule['sex']}"
    return kind.replace("_", " ")


# --------------------------------------------------------------------------- geometry
def _member(a: AdSetFacts, p: int) -> int | None:
    """Position of ``p`` in ``a``'s audience, or None."""
    pos = int(np.searchsorted(a.audience, p))
    return pos if pos < a.audience.size and int(a.audience[pos]) == p else None


def _km(view: PlatformView, place: str, p: int) -> float:
    cx, cy = geography.centre_km(place)
    return float(np.hypot(view.x_km[p] - cx, view.y_km[p] - cy))


def _in_location(view: PlatformView, loc: Location, p: int) -> bool:
    """Whether ``p`` lives in ``loc`` (the rule of ``sim.audience.location_mask``)."""
    home = geography.PLACES[int(view.place[p])]
    if loc.place == "Norway" or home.name == loc.place or home.region == loc.place:
        return True
    return loc.radius_km > 0 and _km(view, loc.place, p) <= loc.radius_km


def _loc_text(loc: Location) -> str:
    return f"{loc.place} + {loc.radius_km:g} km" if loc.radius_km > 0 else loc.place
