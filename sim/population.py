"""The synthetic population: one row per adult, columnar numpy arrays.

Ground truth (real occupation, experience, search state, real interests) and the
platforms' view (declared job titles, inferred interests, demographics) are kept
apart: :class:`Population` holds the truth; :class:`PlatformView` exposes only what a
platform knows, and it is all the audience resolution and the delivery optimiser use.
Strategies see neither (they get a :class:`~sim.campaign.CampaignBrief`).

Generation is vectorised: each attribute is drawn for everybody at once, conditional
on the attributes before it (place → age → sex → labour status → occupation →
education → experience → search state → interests → platform accounts → the
platforms' view). Defaults describe Norway; see the source comments beside each
table and ``shared/calibration.md``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from sim import geography, interests, occupations
from sim.errors import ScenarioError
from sim.platforms import PLATFORM_INDEX, PLATFORM_NAMES, PLATFORMS
from sim.scenario import PopulationSpec, Scenario
from sim.streams import named_children

# Age distribution of adults by AGE_BANDS: estimate shaped on SSB table 07459 (2024).
AGE_SHARES = np.array([0.112, 0.178, 0.170, 0.170, 0.150, 0.125, 0.095])
FEMALE_SHARE_BY_AGE = np.array([0.49, 0.49, 0.49, 0.49, 0.50, 0.52, 0.57])  # estimate

EMPLOYED, UNEMPLOYED, STUDENT, RETIRED, OUTSIDE = range(5)
LABOUR_LABELS = ("employed", "unemployed", "student", "retired", "outside")
# Labour status by age band: estimate fitted to AKU 2023-24 (employment rate 15-74 about
# 70 %, unemployment about 4 % of the labour force; calibration.md §3b).
LABOUR_BY_AGE = np.array(
    [
        [0.45, 0.050, 0.45, 0.000, 0.050],
        [0.80, 0.045, 0.08, 0.000, 0.075],
        [0.86, 0.035, 0.02, 0.000, 0.085],
        [0.85, 0.030, 0.01, 0.000, 0.110],
        [0.72, 0.025, 0.00, 0.105, 0.150],
        [0.20, 0.005, 0.00, 0.745, 0.050],
        [0.02, 0.000, 0.00, 0.980, 0.000],
    ]
)
# Education of people without an occupation (estimate): students by age, others overall.
EDUCATION_STUDENT = np.array([0.05, 0.55, 0.35, 0.05])
EDUCATION_OTHER = np.array([0.30, 0.45, 0.17, 0.08])
CAREER_START_AGE = np.array([17.0, 19.0, 23.0, 25.0])  # by education level (estimate)

CLOSED, OPEN_PASSIVE, ACTIVE = range(3)
SEARCH_LABELS = ("closed", "open-passive", "active")

# Platform use intensity by age band, relative (estimate: SSB Mediebarometer 2024 has
# 16-19-year-olds online ~7.5 h a day against 4.6 h on average).
SESSION_INTENSITY_BY_AGE = np.array([1.4, 1.2, 1.0, 0.9, 0.8, 0.7, 0.6])
SESSION_HETEROGENEITY_SHAPE = 1.5  # gamma shape of heavy vs light users (estimate)
# Job board visits by search state: probability of visiting at all and visit rate per day
# (estimate anchored on FINN Jobbundersøkelsen 2021, calibration.md §2).
JOBBOARD_USER_BY_STATE = np.array([0.08, 0.40, 0.95])
JOBBOARD_RATE_BY_STATE = np.array([0.04, 0.15, 1.0])
LINKEDIN_RATE_BY_STATE = np.array([0.7, 1.0, 2.5])  # active seekers browse more (estimate)
JOBBOARD_TITLE_DECLARED = 0.7  # job seekers' CV profiles (estimate)
JOBBOARD_TITLE_STALE = 0.1  # estimate
PROPENSITY_SIGMA = 0.6  # personal click-proneness heterogeneity (Chatterjee et al. 2003)

# The population's random streams, named children of its SeedSequence: the people's
# attributes, each platform's view (inferred interests; one child per topic) and the
# social graph.
POPULATION_STREAMS = ("people", *(f"view:{name}" for name in PLATFORM_NAMES), "graph")

_CHUNK = 1 << 16  # people drawn at a time: temporaries stay small and in cache


@dataclass(eq=False)
class Population:
    """Ground truth about every simulated adult. Arrays have shape (n,) unless noted.

    Attributes
    ----------
    age, gender, age_band : uint8
        Age in years; 0 male / 1 female; index into ``occupations.AGE_BANDS``.
    place : int16
        Index into ``geography.PLACES``.
    x_km, y_km : float32
        Home in planar kilometres.
    education, labour, search_state : uint8
        See ``occupations.EDUCATION_LEVELS``, ``LABOUR_LABELS``, ``SEARCH_LABELS``.
    occupation : int16
        Index into ``occupations.OCCUPATIONS`` or -1.
    experience : float32
        Years in the occupation.
    interests : uint64 (little-endian)
        Real interests, one bit mask per person: bit ``t`` is set when the person holds
        topic ``t`` (``sim.interests.TOPIC_NAMES`` order; the 46 topics fit in 64 bits).
        Read it through :meth:`has_interest`, :meth:`interests_of` and
        :meth:`topic_count`.
    propensity : float32
        Personal click-proneness (mean 1).
    sessions : float32, shape (n_platforms, n)
        Sessions per day on each platform (0: no account).
    declared_title, jobboard_title : int16
        The platforms' view: the occupation shown on a LinkedIn profile or a job-board
        CV (-1 none), possibly out of date.
    weight : float
        Real people per simulated person.
    view_seeds : tuple of numpy.random.SeedSequence
        Each platform's view stream (``PLATFORM_NAMES`` order).
    graph_seed : numpy.random.SeedSequence
        The social graph's stream (``sim.network.social_graph``).
    """

    age: np.ndarray
    gender: np.ndarray
    age_band: np.ndarray
    place: np.ndarray
    x_km: np.ndarray
    y_km: np.ndarray
    education: np.ndarray
    labour: np.ndarray
    occupation: np.ndarray
    experience: np.ndarray
    search_state: np.ndarray
    interests: np.ndarray
    propensity: np.ndarray
    sessions: np.ndarray
    declared_title: np.ndarray
    jobboard_title: np.ndarray
    weight: float
    spec: PopulationSpec
    view_seeds: tuple[np.random.SeedSequence, ...] = field(repr=False)
    graph_seed: np.random.SeedSequence = field(repr=False)
    _inferred: dict[tuple[str, int], np.ndarray] = field(default_factory=dict, repr=False)
    _graphs: dict = field(default_factory=dict, repr=False)  # sim.network.social_graph
    _topic_seeds: dict = field(default_factory=dict, repr=False)  # per platform view

    def __post_init__(self) -> None:
        masks = self.interests
        if masks.dtype != _MASK_DTYPE or masks.shape != self.age.shape:
            raise ValueError(
                f"Population.interests must be uint64 bit masks of shape {self.age.shape}, "
                f"one per person (see pack_interests); got {masks.dtype} of shape {masks.shape}"
            )
        self.interests = np.ascontiguousarray(masks)  # has_interest reads it byte by byte

    @property
    def size(self) -> int:
        """Number of simulated people."""
        return int(self.age.shape[0])

    def has_interest(self, topic: int, idx: np.ndarray | None = None) -> np.ndarray:
        """Whether people really hold interest ``topic`` (ground truth).

        Reads one byte of each person's mask (an eighth of the array), not all of it.

        Parameters
        ----------
        topic : int
            Index into ``sim.interests.TOPIC_NAMES``.
        idx : numpy.ndarray of int, shape (k,), optional
            The people asked about (default: everybody).

        Returns
        -------
        numpy.ndarray of bool, shape (n,) or (k,)
        """
        byte, bit = divmod(int(topic), 8)
        octets = self.interests.view(np.uint8)  # '<u8': byte b holds bits 8b .. 8b + 7
        column = octets[byte::8] if idx is None else octets.reshape(-1, 8)[idx, byte]
        return np.bitwise_and(column, np.uint8(1 << bit)) != 0

    def interests_of(self, person: int) -> np.ndarray:
        """The real interests of one person, shape (n_topics,) bool (``TOPIC_NAMES`` order)."""
        mask = int(self.interests[int(person)])
        return (mask >> np.arange(interests.N_TOPICS)) & 1 == 1

    def topic_count(self, topics, idx: np.ndarray | None = None) -> np.ndarray:
        """How many of ``topics`` people really hold.

        Parameters
        ----------
        topics : iterable of int
            Topic indices (a topic listed twice counts once).
        idx : numpy.ndarray of int, shape (k,), optional
            The people asked about (default: everybody).

        Returns
        -------
        numpy.ndarray of uint8, shape (n,) or (k,)
        """
        if idx is None:
            return _popcount(self.interests & topic_mask(topics))
        masks = self.interests[idx]  # a copy: masked in place
        masks &= topic_mask(topics)
        return _popcount(masks)

    def inferred_interest(self, platform: str, topic: int) -> np.ndarray:
        """Whether ``platform`` believes each person has interest ``topic`` (cached).

        The platform misses a share of real interests and infers some that are not
        there (rates from the population spec times the platform's noise factor). Each
        (platform, topic) column has its own random stream, so the result does not
        depend on which columns were asked for before.

        Returns
        -------
        numpy.ndarray of bool, shape (n,)
        """
        key = (platform, topic)
        if key not in self._inferred:
            p = PLATFORMS[platform]
            index = PLATFORM_INDEX[platform]
            if index not in self._topic_seeds:  # spawning all topics' children costs ~3 ms
                self._topic_seeds[index] = topic_streams(self.view_seeds[index])
            rng = np.random.default_rng(self._topic_seeds[index][topic])
            miss = min(self.spec.interest_miss_rate * p.interest_noise, 1.0)
            fp = min(self.spec.interest_false_positive_rate * p.interest_noise, 1.0)
            bits = np.frombuffer(rng.bytes(self.size * 2), dtype=np.uint16)
            believed = bits < round(fp * 65536)  # invented, for those without the interest
            held = np.flatnonzero(self.has_interest(topic))  # a minority for most topics
            believed[held] = bits[held] >= round(miss * 65536)  # not missed
            self._inferred[key] = believed
        return self._inferred[key]

    def nbytes(self) -> int:
        """Memory held by the arrays, in bytes."""
        arrays = [v for v in vars(self).values() if isinstance(v, np.ndarray)]
        return sum(a.nbytes for a in arrays) + sum(a.nbytes for a in self._inferred.values())


def topic_mask(topics) -> np.uint64:
    """The bit mask of interest ``topics`` (indices into ``TOPIC_NAMES``), as in
    :attr:`Population.interests`."""
    mask = 0
    for t in topics:
        if not 0 <= int(t) < interests.N_TOPICS:
            raise IndexError(f"interest topic {t} is not in 0 .. {interests.N_TOPICS - 1}")
        mask |= 1 << int(t)
    return np.uint64(mask)


def pack_interests(flags: np.ndarray) -> np.ndarray:
    """Interest flags as :attr:`Population.interests` bit masks.

    Parameters
    ----------
    flags : numpy.ndarray of bool, shape (k, n_topics)
        ``flags[i, t]``: person ``i`` holds topic ``t`` (at most 64 topics).

    Returns
    -------
    numpy.ndarray of uint64 (little-endian), shape (k,)
    """
    k, width = flags.shape
    if width > 64:
        raise ValueError(f"at most 64 topics fit in a bit mask; got {width}")
    padded = np.zeros((k, 64), dtype=bool)
    padded[:, :width] = flags
    return np.packbits(padded.ravel(), bitorder="little").view(_MASK_DTYPE)


_MASK_DTYPE = np.dtype("<u8")  # little-endian: byte b of a mask holds topics 8b .. 8b + 7
_POPCOUNT_BYTE = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint8)


def _popcount(masks: np.ndarray) -> np.ndarray:
    """Set bits of each uint64 mask, shape like ``masks`` uint8."""
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(masks)
    octets = _POPCOUNT_BYTE[masks.astype(_MASK_DTYPE).view(np.uint8)]
    return octets.reshape(*masks.shape, 8).sum(axis=-1, dtype=np.uint8)


def topic_streams(view_seed: np.random.SeedSequence) -> list[np.random.SeedSequence]:
    """A platform view's streams, one per interest topic (in ``TOPIC_NAMES`` order)."""
    return list(named_children(view_seed, interests.TOPIC_NAMES).values())


def target_size(spec: PopulationSpec) -> int:
    """Number of simulated adults for ``spec`` (``size`` or ``scale`` x real adults)."""
    if spec.size > 0:
        return spec.size
    idx = geography.places_in(spec.regions)
    adults = sum(geography.PLACES[i].population for i in idx) * geography.ADULT_SHARE
    return max(1, round(adults * spec.scale))


def generate(spec: PopulationSpec, seed: np.random.SeedSequence) -> Population:
    """Draw a synthetic population.

    People are drawn in chunks of :data:`_CHUNK` (so that every temporary array stays
    small and in cache), each attribute for the whole chunk at once. Categories come from
    16-bit random integers through inverse-CDF lookup tables (:func:`_lookup_table`),
    yes/no attributes from comparing 16-bit integers with thresholds and continuous ones
    from quantile tables: every probability is honoured to 1/65536, far below the
    sampling error of any population we draw, at a fraction of the cost of
    floating-point draws and binary searches. The random numbers depend on the seed and
    the population's size.

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
    streams = named_children(seed, POPULATION_STREAMS)
    main_seed = streams["people"]
    view_seeds = [streams[f"view:{name}"] for name in PLATFORM_NAMES]
    rng = np.random.default_rng(main_seed)
    n = target_size(spec)
    tables = _Tables(spec)
    cols = {
        "age": np.empty(n, np.uint8),
        "gender": np.empty(n, np.uint8),
        "age_band": np.empty(n, np.uint8),
        "place": np.empty(n, np.int16),
        "x_km": np.empty(n, np.float32),
        "y_km": np.empty(n, np.float32),
        "education": np.empty(n, np.uint8),
        "labour": np.empty(n, np.uint8),
        "occupation": np.empty(n, np.int16),
        "experience": np.empty(n, np.float32),
        "search_state": np.empty(n, np.uint8),
        "interests": np.empty(n, _MASK_DTYPE),
        "propensity": np.empty(n, np.float32),
        "sessions": np.empty((len(PLATFORM_NAMES), n), np.float32),
        "declared_title": np.empty(n, np.int16),
        "jobboard_title": np.empty(n, np.int16),
    }
    for start in range(0, n, _CHUNK):
        _draw_chunk(rng, tables, cols, slice(start, min(start + _CHUNK, n)))
    return Population(
        **cols,
        weight=float(tables.real_adults / n),
        spec=spec,
        view_seeds=tuple(view_seeds),
        graph_seed=streams["graph"],
    )


class _Tables:
    """Everything about a population spec that does not depend on the person.

    Lookup tables (uint8, 65536 columns) for categories, 16-bit thresholds for yes/no
    attributes, and per-group constants, built once per :func:`generate` call.
    """

    def __init__(self, spec: PopulationSpec) -> None:
        # Where people live.
        place_idx = geography.places_in(spec.regions)
        place_pop = np.array([geography.PLACES[i].population for i in place_idx], dtype=float)
        self.real_adults = place_pop.sum() * geography.ADULT_SHARE
        self.place_of = place_idx.astype(np.int16)[_lookup_table(place_pop[None, :])[0]]
        lat = np.array([p.lat for p in geography.PLACES])
        lon = np.array([p.lon for p in geography.PLACES])
        cx, cy = geography.to_km(lat, lon)
        self.cx, self.cy = cx.astype(np.float32), cy.astype(np.float32)
        self.scatter = (np.array([p.scatter_km for p in geography.PLACES]) / 1.5).astype(np.float32)
        # Age, uniform within its band; sex by age band.
        lo = np.array([b[0] for b in occupations.AGE_BANDS])
        hi = np.array([min(b[1], 90) for b in occupations.AGE_BANDS])
        band_of_age = np.repeat(np.arange(lo.size), hi - lo + 1)  # ages lo[0]..hi[-1]
        age_p = AGE_SHARES[band_of_age] / (hi - lo + 1)[band_of_age]
        self.age_of = (lo[0] + _lookup_table(age_p[None, :])[0]).astype(np.uint8)
        self.band_of_age = np.zeros(256, np.uint8)
        self.band_of_age[lo[0] : lo[0] + band_of_age.size] = band_of_age
        self.female = _thresholds(FEMALE_SHARE_BY_AGE)
        # Labour status by age band; occupation by (sex, age band); education by the
        # occupation's major group, then rows for people outside the labour force and
        # for students.
        self.labour = _lookup_table(LABOUR_BY_AGE)
        n_age = len(AGE_SHARES)
        self.n_age = n_age
        sizes = occupations.sizes_by_gender()
        profiles = np.array([occupations.AGE_PROFILES[o.age] for o in occupations.OCCUPATIONS])
        self.occupation = _lookup_table(
            np.array([sizes[:, g] * profiles[:, b] for g in range(2) for b in range(n_age)])
        )
        groups = sorted(occupations.MAJOR_GROUPS)
        self.n_groups = len(groups)
        self.occ_group = np.array(
            [groups.index(o.styrk[0]) for o in occupations.OCCUPATIONS], np.uint8
        )
        self.education = _lookup_table(
            np.vstack(
                [
                    [occupations.MAJOR_GROUPS[g].education for g in groups],
                    EDUCATION_OTHER,
                    EDUCATION_STUDENT,
                ]
            )
        )
        self.career_start = CAREER_START_AGE.astype(np.float32)
        s = spec.search_state
        self.search_state = _lookup_table(np.array([[s.closed, s.open_passive, s.active]]))[0]
        # Real interests by (occupation, sex, age band, search state), as the high and low
        # bytes of 16-bit thresholds (see _draw_interests).
        table = interests.probability_table()
        self.interest_shape = table.shape[1:4]
        thresholds = _thresholds(table.reshape(-1, interests.N_TOPICS))
        self.interest_high = (thresholds >> 8).astype(np.uint8)
        self.interest_low = (thresholds & 0xFF).astype(np.uint8)
        self.student_life = _thresholds(interests.STUDENT_LIFE_AMONG_STUDENTS)
        self.sessions = _session_tables()
        self.titles = _title_tables()


def _draw_chunk(rng: np.random.Generator, t: _Tables, cols: dict, rows: slice) -> None:
    """Draw every attribute of the people in ``rows`` into the columns ``cols``."""
    k = rows.stop - rows.start
    # Where people live.
    place = t.place_of[_bits(rng, k)]
    spread = t.scatter[place]
    x = _draw_quantiles(rng, "normal", k)
    x *= spread
    x += t.cx[place]
    y = _draw_quantiles(rng, "normal", k)
    y *= spread
    y += t.cy[place]
    # Age and sex.
    age = t.age_of[_bits(rng, k)]
    band = t.band_of_age[age]
    gender = (_bits(rng, k) < t.female[band]).view(np.uint8)
    # Labour status, occupation, education.
    labour = _draw_categories(rng, t.labour, band)
    has_occ = (labour == EMPLOYED) | (labour == UNEMPLOYED)
    occupation = _draw_categories(rng, t.occupation, gender * np.uint8(t.n_age) + band)
    occupation = occupation.astype(np.int16)
    occupation[~has_occ] = -1
    edu_row = np.where(
        has_occ,
        t.occ_group[np.maximum(occupation, 0)],
        np.uint8(t.n_groups) + (labour == STUDENT).view(np.uint8),
    )
    education = _draw_categories(rng, t.education, edu_row)
    # Years in the occupation: a Beta(2, 1.5) share of the years since the career started.
    experience = np.maximum(age - t.career_start[education], np.float32(0))
    experience *= _draw_quantiles(rng, "beta(2,1.5)", k)
    experience[~has_occ] = 0.0
    # Job-search state: the unemployed are active; non-workers are not candidates.
    state = np.where(
        labour == EMPLOYED,
        t.search_state[_bits(rng, k)],
        np.where(labour == UNEMPLOYED, np.uint8(ACTIVE), np.uint8(CLOSED)),
    )
    # Real interests.
    n_sex, n_age, n_state = t.interest_shape
    gid = ((occupation.astype(np.int32) + 1) * n_sex + gender) * n_age + band
    gid = gid * n_state + state
    real = cols["interests"][rows]
    _draw_interests(rng, t.interest_high, t.interest_low, gid, real)
    students = np.flatnonzero(labour == STUDENT)
    student_life = (_bits(rng, students.size) < t.student_life).astype(_MASK_DTYPE)
    real[students] |= student_life << np.uint64(interests.STUDENT_LIFE)
    # Personal click-proneness, log-normal with mean 1.
    propensity = rng.standard_normal(k, dtype=np.float32)
    propensity *= np.float32(PROPENSITY_SIGMA)
    propensity -= np.float32(PROPENSITY_SIGMA**2 / 2)
    np.exp(propensity, out=propensity)
    # Platform accounts and sessions by (age band, sex, education, search state).
    combo = ((band * np.uint8(2) + gender) * np.uint8(len(occupations.EDUCATION_LEVELS))
             + education) * np.uint8(3) + state  # fmt: skip
    combo = combo.astype(np.intp)  # an index twelve times over: converted once
    sessions = cols["sessions"][:, rows]
    for j, (account, scale) in enumerate(t.sessions):
        has = _bits(rng, k) < np.take(account, combo)
        rate = np.take(scale, combo, out=sessions[j], mode="clip")  # combo < 168: no clipping
        rate *= _draw_quantiles(rng, "gamma(1.5)", k)
        rate *= has
    # The platforms' view of people's jobs.
    linkedin = sessions[PLATFORM_INDEX["linkedin"]] > 0
    jobboard = (sessions[PLATFORM_INDEX["jobboard"]] > 0) & (labour != STUDENT)
    cols["declared_title"][rows] = _declared_titles(rng, t.titles, "linkedin", occupation, linkedin)
    cols["jobboard_title"][rows] = _declared_titles(rng, t.titles, "jobboard", occupation, jobboard)
    for name, values in (("age", age), ("gender", gender), ("age_band", band), ("place", place),
                         ("x_km", x), ("y_km", y), ("education", education), ("labour", labour),
                         ("occupation", occupation), ("experience", experience),
                         ("search_state", state), ("propensity", propensity)):  # fmt: skip
        cols[name][rows] = values


_LEVELS = 1 << 16  # resolution of the probabilities: draws are 16-bit integers


def _bits(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` uniform 16-bit integers, shape (n,) uint16 (the bit generator's raw output)."""
    return _raw_bytes(rng, 2 * n).view(np.uint16)


def _raw_bytes(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` uniform random bytes, shape (n,) uint8.

    Straight from the bit generator's 64-bit outputs (``random_raw``): every bit of them
    is uniform, and they come several times faster than bounded integers.
    """
    return rng.bit_generator.random_raw(-(-n // 8)).view(np.uint8)[:n]


def _thresholds(p) -> np.ndarray:
    """Probabilities as 16-bit thresholds: ``bits < t`` is true with probability ``p``.

    Exact to 1/65536 (a probability of 1 becomes 65535/65536). Shape like ``p``, uint16.
    """
    return np.minimum(np.round(np.asarray(p, dtype=np.float64) * _LEVELS), _LEVELS - 1).astype(
        np.uint16
    )


def _lookup_table(weights: np.ndarray) -> np.ndarray:
    """Inverse-CDF tables: the category each 16-bit draw stands for, row by row.

    Parameters
    ----------
    weights : numpy.ndarray, shape (rows, k)
        Relative weights of the ``k`` categories in each row (each row normalised here).

    Returns
    -------
    numpy.ndarray of uint8, shape (rows, 65536)
        ``table[r, u]`` is the category of draw ``u`` in row ``r``: category ``c`` gets
        ``round(65536 x cumulative share)`` draws, so its probability is exact to 1/65536.
    """
    w = np.asarray(weights, dtype=np.float64)
    cum = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    edges = np.round(cum * _LEVELS).astype(np.int64)
    edges[:, -1] = _LEVELS
    grid = np.arange(_LEVELS)
    table = np.empty((w.shape[0], _LEVELS), dtype=np.uint8)
    for r in range(w.shape[0]):
        table[r] = np.searchsorted(edges[r], grid, side="right")
    return table


def _draw_categories(rng: np.random.Generator, table: np.ndarray, row: np.ndarray) -> np.ndarray:
    """A category per person from the lookup table's row ``row[i]``, shape (n,) uint8."""
    flat = row.astype(np.int32) << 16
    flat |= _bits(rng, row.shape[0])
    return np.take(table.ravel(), flat)


def _quantile_table(x: np.ndarray, cdf: np.ndarray) -> np.ndarray:
    """Quantiles at the 65536 midpoints ``(k + 1/2) / 65536`` from a CDF on a fine grid.

    ``cdf`` (increasing, ending at 1) is the distribution's CDF at the grid points ``x``;
    quantiles are interpolated linearly between them. Looking up a 16-bit draw in the
    table samples the distribution to within 1/65536 in probability (the tails beyond
    the outermost midpoints are cut).

    Returns
    -------
    numpy.ndarray of float32, shape (65536,)
    """
    u = (np.arange(_LEVELS) + 0.5) / _LEVELS
    return np.interp(u, cdf, x).astype(np.float32)


def _beta_2_1p5_quantiles() -> np.ndarray:
    """Beta(2, 1.5) quantiles: its CDF is ``1 - 5/2 s^(3/2) + 3/2 s^(5/2)``, ``s = 1 - x``."""
    x = np.linspace(0.0, 1.0, 1 << 18)
    s = 1.0 - x
    return _quantile_table(x, 1.0 - 2.5 * s**1.5 + 1.5 * s**2.5)


def _gamma_1p5_quantiles() -> np.ndarray:
    """Gamma(1.5, 1) quantiles.

    With ``x = t^2`` the CDF is ``(4 / sqrt(pi)) * integral_0^t s^2 exp(-s^2) ds``, a
    smooth integrand: integrated by the trapezoid rule on a fine grid of ``t`` up to 8
    (``x`` = 64; the mass beyond is below 1e-26).
    """
    t = np.linspace(0.0, 8.0, 1 << 18)
    f = t * t * np.exp(-t * t)
    cdf = np.concatenate([[0.0], np.cumsum((f[1:] + f[:-1]) / 2) * (t[1] - t[0])])
    return _quantile_table(t, cdf / cdf[-1]) ** 2


_QUANTILES: dict[str, np.ndarray] = {}


def _normal_quantiles() -> np.ndarray:
    """Standard normal quantiles (the CDF integrated by the trapezoid rule on [-9, 9])."""
    z = np.linspace(-9.0, 9.0, 1 << 18)
    f = np.exp(-z * z / 2)
    cdf = np.concatenate([[0.0], np.cumsum((f[1:] + f[:-1]) / 2)])
    return _quantile_table(z, cdf / cdf[-1])


_DISTRIBUTIONS = {
    "beta(2,1.5)": _beta_2_1p5_quantiles,
    "gamma(1.5)": _gamma_1p5_quantiles,
    "normal": _normal_quantiles,
}


def _draw_quantiles(rng: np.random.Generator, name: str, k: int) -> np.ndarray:
    """``k`` draws from :data:`_DISTRIBUTIONS` by the quantile table, shape (k,) float32."""
    if name not in _QUANTILES:
        _QUANTILES[name] = _DISTRIBUTIONS[name]()
    return np.take(_QUANTILES[name], _bits(rng, k))


def _draw_interests(
    rng: np.random.Generator,
    high: np.ndarray,
    low: np.ndarray,
    gid: np.ndarray,
    out: np.ndarray,
) -> None:
    """Real interests: person ``i`` has topic ``t`` with probability ``T[gid[i], t] / 65536``.

    ``T = 256 high + low`` are 16-bit thresholds. A 16-bit draw ``u = 256 h + l`` is below
    ``T`` when ``h < high``, or ``h == high`` and ``l < low``: the high byte is drawn for
    everybody and the low byte only for the 1/256 of the draws where the high bytes tie.
    The result is the same 16-bit comparison at about half the random bits.

    The high bytes are compared :data:`_BLOCK` people at a time (every temporary stays in
    the processor's cache) and packed into bit masks; the low bytes of all ties are drawn
    at the end, in the order of (person, topic).

    Parameters
    ----------
    high, low : numpy.ndarray of uint8, shape (n_groups, n_topics)
    gid : numpy.ndarray of int, shape (k,)
    out : numpy.ndarray of uint64, shape (k,)
        Filled in place with bit masks (:attr:`Population.interests`).
    """
    k, n_topics = gid.shape[0], high.shape[1]
    h = _raw_bytes(rng, k * n_topics).reshape(k, n_topics)
    flags = np.zeros((min(k, _BLOCK), 64), dtype=bool)  # a mask's 64 bits per row
    ties = []
    for start in range(0, k, _BLOCK):
        stop = min(start + _BLOCK, k)
        limit = np.take(high, gid[start:stop], axis=0)
        block = flags[: stop - start]
        np.less(h[start:stop], limit, out=block[:, :n_topics])
        out[start:stop] = np.packbits(block.ravel(), bitorder="little").view(_MASK_DTYPE)
        ties.append(np.flatnonzero(h[start:stop] == limit) + start * n_topics)
    tie = np.concatenate(ties)
    if tie.size:
        who, topic = np.divmod(tie, n_topics)
        won = rng.integers(0, 256, size=tie.size, dtype=np.uint8) < low[gid[who], topic]
        bits = np.left_shift(np.uint64(1), topic[won].astype(np.uint64))
        np.bitwise_or.at(out, who[won], bits)  # a person may win several ties


_BLOCK = 1 << 13  # people compared at a time in _draw_interests


def _session_tables() -> list[tuple[np.ndarray, np.ndarray]]:
    """Per platform: account thresholds and mean-session scales by combination, (168,) each.

    Account probability and session rate depend only on (age band, sex, education,
    search state); the rate is the mean of a Gamma(1.5) across people (heavy and light
    users), so the scale is rate / 1.5.
    """
    n_age, n_edu = len(AGE_SHARES), len(occupations.EDUCATION_LEVELS)
    band, sex, edu, state = np.meshgrid(
        np.arange(n_age), np.arange(2), np.arange(n_edu), np.arange(3), indexing="ij"
    )
    band, sex, edu, state = band.ravel(), sex.ravel(), edu.ravel(), state.ravel()
    out = []
    for name in PLATFORM_NAMES:
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
        out.append((_thresholds(prob), (rate / SESSION_HETEROGENEITY_SHAPE).astype(np.float32)))
    if SESSION_HETEROGENEITY_SHAPE != 1.5:
        raise ValueError("the session rates are drawn from Gamma(1.5)'s quantile table")
    return out


def _title_tables() -> dict:
    """Declared and stale title thresholds by occupation, and each occupation's neighbours.

    LinkedIn uses each major group's declaration behaviour; job-board CVs the same rates
    for everyone. A stale title shows a neighbour occupation: an adjacent one if any, else
    another of the same major group.
    """
    occs = occupations.OCCUPATIONS
    neighbours = []
    for i, o in enumerate(occs):
        near = [occupations.occupation_index(a) for a in o.adjacent] or [
            j for j, other in enumerate(occs) if other.styrk[0] == o.styrk[0] and j != i
        ]
        neighbours.append(near or [i])
    width = max(len(x) for x in neighbours)
    return {
        "linkedin": (
            _thresholds([o.group.title_declared for o in occs]),
            _thresholds([o.group.title_stale for o in occs]),
        ),
        "jobboard": (
            _thresholds(np.full(len(occs), JOBBOARD_TITLE_DECLARED)),
            _thresholds(np.full(len(occs), JOBBOARD_TITLE_STALE)),
        ),
        "neighbours": np.array([x + x[:1] * (width - len(x)) for x in neighbours], np.int16),
        "counts": np.array([len(x) for x in neighbours], np.int64),
    }


def _declared_titles(rng, tables: dict, which: str, occupation, member) -> np.ndarray:
    """The occupation a profile shows (-1 none): declared by some, out of date for some.

    Returns
    -------
    numpy.ndarray of int16, shape like ``occupation``
    """
    declared_rate, stale_rate = tables[which]
    occ = np.maximum(occupation, 0)
    declared = member & (occupation >= 0) & (_bits(rng, occ.size) < declared_rate[occ])
    title = np.where(declared, occupation, np.int16(-1))
    who = np.flatnonzero(declared)
    stale = who[_bits(rng, who.size) < stale_rate[occ[who]]]
    pick = (_bits(rng, stale.size).astype(np.int64) * tables["counts"][occ[stale]]) >> 16
    title[stale] = tables["neighbours"][occ[stale], pick]
    return title


def qualified_mask(pop: Population, vacancy, ignore_distance: bool = False) -> np.ndarray:
    """Ground truth: who meets the vacancy's qualification rule.

    A person is qualified when they work (or last worked) in the occupation wanted — or
    an adjacent one if the vacancy accepts that — have at least the minimum years of
    experience, live within ``max_distance_km`` of the workplace (the nearest work site;
    see :func:`workplace_distance_km`) and are in the labour force. With
    ``ignore_distance``, everything but the distance rule.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
    """
    target = occupations.occupation_index(vacancy.occupation)
    ok_occ = pop.occupation == target
    if vacancy.accept_adjacent:
        adj = occupations.adjacency_matrix()[target]
        ok_occ |= (pop.occupation >= 0) & adj[np.maximum(pop.occupation, 0)]
    ok = (
        ok_occ
        & (pop.experience >= vacancy.min_experience_years)
        & ((pop.labour == EMPLOYED) | (pop.labour == UNEMPLOYED))
    )
    if ignore_distance:
        return ok
    return ok & within_reach(distance_km(pop, vacancy), vacancy)


# People whose per-person values are computed at a time (design choice: the temporaries
# of 64k people stay in the processor's cache; audiences and populations have millions).
VALUES_CHUNK = 1 << 16


def by_chunks(fn, idx: np.ndarray, dtype=np.float64) -> np.ndarray:
    """``fn(idx)`` computed :data:`VALUES_CHUNK` people at a time, shape like ``idx``.

    ``fn`` must be elementwise (each person's value depends on that person only), so the
    result is exactly ``fn(idx).astype(dtype)``, without temporaries over all of ``idx``.
    """
    out = np.empty(idx.size, dtype=dtype)
    for start in range(0, idx.size, VALUES_CHUNK):
        out[start : start + VALUES_CHUNK] = fn(idx[start : start + VALUES_CHUNK])
    return out


def within_reach(km: np.ndarray, vacancy) -> np.ndarray:
    """The distance part of the qualification rule: homes ``km`` from the workplace.

    ``km`` (any shape, from :func:`distance_km` or :func:`workplace_distance_km`) at most
    ``vacancy.max_distance_km``; bool, shape like ``km``. The one place the rule is
    written: :func:`qualified_mask`, :class:`sim.people.People` (at the start and as
    people move) and the journeys' explanations use it.
    """
    return np.asarray(km) <= vacancy.max_distance_km


def distance_km(pop: Population, where, idx: np.ndarray | None = None) -> np.ndarray:
    """Distance from the homes of people ``idx`` (all by default) to a place or a job, in km.

    Parameters
    ----------
    pop : Population
    where : str or VacancySpec
        A place, county or ``"Norway"`` (distance to its centre), or a vacancy: the
        distance to its workplace (:func:`workplace_distance_km`).
    idx : numpy.ndarray of int, shape (k,), optional

    Returns
    -------
    numpy.ndarray of float, shape (k,) or (n,)
    """
    x = pop.x_km if idx is None else pop.x_km[idx]
    y = pop.y_km if idx is None else pop.y_km[idx]
    if isinstance(where, str):
        return geography.nearest_km(x, y, (where,))
    return workplace_distance_km(where, x, y)


def workplace_distance_km(vacancy, x_km: np.ndarray, y_km: np.ndarray) -> np.ndarray:
    """Distance from homes at ``(x, y)`` to where the vacancy's work is done, in km.

    The one definition of "distance to the job" (relevance, qualification, the
    employer's staff, people who move). For ``workplace = "on-site"`` it is the distance
    to the nearest work site, ``vacancy.location`` or one of ``vacancy.sites``. For
    ``workplace = "anywhere"`` (remote or home-based work anywhere in
    ``vacancy.location``) it is 0 for homes in that area (:func:`geography.in_area`) and
    the distance to the nearest of the area's places otherwise.

    Parameters
    ----------
    vacancy : VacancySpec
    x_km, y_km : numpy.ndarray of float, shape (k,)

    Returns
    -------
    numpy.ndarray of float, shape (k,)
    """
    if vacancy.workplace != "anywhere":
        return geography.nearest_km(x_km, y_km, (vacancy.location, *vacancy.sites))
    inside = geography.in_area(x_km, y_km, vacancy.location)
    if inside.all():
        return np.zeros(inside.shape)
    members = tuple(geography.PLACE_NAMES[i] for i in geography.area_places(vacancy.location))
    return np.where(inside, 0.0, geography.nearest_km(x_km, y_km, members))


#: Peak memory per simulated person while a population is generated and run (measured
#: about 0.3-0.4 KB at 50,000-200,000 people; 1 KB leaves room for platform views and
#: the per-run state; estimate).
BYTES_PER_PERSON = 1024


def memory_estimate(scenario: Scenario) -> int:
    """Bytes a run of ``scenario`` needs, estimated before its population is drawn."""
    return target_size(scenario.population) * BYTES_PER_PERSON


def check_fits_in_memory(
    scenario: Scenario, available: int | None = None, source: str = ""
) -> None:
    """Refuse a population that would not fit in memory, before allocating it.

    Parameters
    ----------
    scenario : Scenario
    available : int, optional
        Bytes available (default: the system's available memory, where it can be read).
    source : str, optional
        The file the scenario came from, for the message.

    Raises
    ------
    ScenarioError
        The estimate exceeds what is available.
    """
    available = _available_memory() if available is None else available
    need = memory_estimate(scenario)
    if available is not None and need > available:
        people = target_size(scenario.population)
        raise ScenarioError(
            source or scenario.name,
            "population.size" if scenario.population.size else "population.scale",
            f"{people:,} simulated people need about {need / 2**30:,.1f} GiB of memory and "
            f"{available / 2**30:,.1f} GiB is available; use a smaller population.size or scale",
        )


def _available_memory() -> int | None:
    """Available memory in bytes (Linux ``MemAvailable``), or None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
