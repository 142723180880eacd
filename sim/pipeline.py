"""The hiring pipeline: the employer's timeline from application to hire, on the SimPy clock.

Applications arrive from the delivery engine hour by hour (:meth:`HiringPipeline.submit`).
Each one becomes a SimPy process that walks the stages a recruiter would name, on the
timeline the employer announced in the ad (``screening`` and ``deadline_day`` in
:class:`PipelineSpec`):

0. **The deadline.** A Norwegian job ad usually carries an application deadline
   (*søknadsfrist*), in the model the end of campaign day ``deadline_day`` counted from the
   ad's first day (0: the campaign's last day, i.e. the ad runs until the deadline).
   Applications that arrive after it are *late*: recorded, never considered. With
   ``screening = "after-deadline"`` nothing is screened before the deadline; with
   ``"rolling"`` (*fortløpende*) applications are screened as they come.
1. **Screening.** The application queues (first come, first served) for a recruiter, a
   :class:`simpy.Resource` with ``recruiters`` places. A screening costs
   ``screening_hours`` of recruiter time; recruiters give the vacancy only
   ``recruiter_hours_per_day`` a day, so one screening holds a recruiter for
   ``screening_hours * 24 / recruiter_hours_per_day`` calendar hours. Unqualified
   applicants are rejected after screening; their recruiter hours are the waste that
   bad targeting causes.
2. **Interviews.** A qualified applicant goes through ``interview_rounds`` interviews,
   each after an exponential delay with mean ``interview_delay_days`` (from the screening
   for the first round, from the previous round after that).
3. **Decision.** After an exponential delay with mean ``offer_delay_days`` from the last
   interview (references, the decision), a share ``interview_pass_rate`` of the
   interviewed get an offer and the rest a rejection. An offer is accepted with
   probability

   .. math:: p = \\operatorname{logistic}\\big(\\operatorname{logit}(a_s) + \\beta\\, w\\big)

   where :math:`a_s` is ``acceptance[s]`` for the candidate's search state *s* (closed,
   open-passive, active), :math:`\\beta` is ``acceptance_salary`` and :math:`w` the
   vacancy's salary attractiveness in [-1, 1]. A hire is counted at acceptance.

Application to decision (offer or rejection) is what Glassdoor's interview-duration
study measures (Chamberlain 2017, see :class:`PipelineSpec`); :meth:`HiringPipeline.metrics`
reports it as ``mean_days_to_decision``.

**Drop-outs.** Every applicant has a patience drawn once at application, exponential
with mean ``patience_days_active`` for active job-seekers (they have other options) and
``patience_days_passive`` otherwise. The patience is a deadline counted from the
application, whatever the employer's timeline (another employer's offer does not wait for
ours): whoever is still waiting for the next step (screening, an interview or the
decision) when it passes drops out at that stage. A step that has begun (a screening in
progress) is finished first.

**Filling the vacancy.** When the hires reach ``hires_wanted`` the vacancy is filled: the
hour is recorded, ``on_filled(hour)`` is called once, and everyone still in the pipeline
(and every later applicant) is *withdrawn*, which is not a drop-out. With
``screening = "after-deadline"`` that can only happen after the deadline. Whether the
campaign then stops (``stop_when_filled``: only if it is still running, i.e. with rolling
screening or a deadline before the campaign's end) and how long the pipeline runs on after
the campaign (``extra_days``) are the caller's business; both are in :class:`PipelineSpec`.

**Competing employers.** When several employers hire on the same clock, their
pipelines share a :class:`CandidatePool`. A person may apply to each of them; screening,
interviews and offers run per employer. At an offer the candidate weighs it against the
other employers whose offer they are still expecting (qualified, past screening, in
their pipeline): each prospect's pull is its acceptance probability *p* above (salary
and search state), and the candidate keeps this offer (*h*, rivals *r*) with probability

.. math:: p_h \\cdot \\frac{p_h}{p_h + \\sum_r p_r}

(a Luce choice among the offers they expect; with no rival prospect it is *p*, as
alone). An offer the candidate would have taken alone but turns down for a rival's is
*lost to a competitor*. A hired person leaves every other pipeline at once (outcome
``LEFT``, not a drop-out), and a later application of theirs ends there too.

**Randomness.** All draws come from the generator passed in, one batch per
:meth:`~HiringPipeline.submit` call in the order applications are submitted, and every
draw an application may need is made at submission. The same inputs therefore give the
same outcome, and two runs fed the same applications from the same seed share their
candidates' patience, delays and decisions (common random numbers), whatever the
recruiter capacity or the deadline.

**Sampled populations.** The caller submits simulated people. Each stands for
``weight`` real applicants (``Population.weight``): a screening holds a recruiter
``weight`` times as long, so queues are as long as the real recruiters' queues, and
a hire counts as ``weight`` real hires towards ``hires_wanted`` (real people). Counts in
:meth:`~HiringPipeline.metrics` are in simulated people and the caller scales them;
recruiter hours and ``cost_per_hire`` are already real.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator

import numpy as np
import simpy

from sim.population import ACTIVE
from sim.scenario import PipelineSpec

STAGES = ("screening", "interview", "offer")  # drop-out stages ("offer": the decision)

# Outcome codes of an application (``PENDING`` while it is still in the pipeline).
PENDING, SCREENED_OUT, DROPPED, REJECTED, DECLINED, HIRED, WITHDRAWN, LATE = range(8)
# Only with competing employers: an offer declined for a rival's, hired by a rival.
LOST, LEFT = 8, 9


def acceptance_probability(
    spec: PipelineSpec, search_state: np.ndarray, salary: float
) -> np.ndarray:
    """Probability that candidates accept an offer.

    .. math:: p = 1 / (1 + e^{-(\\operatorname{logit}(a_s) + \\beta w)})

    Parameters
    ----------
    spec : PipelineSpec
    search_state : ndarray of int, shape (n,)
        ``CLOSED``, ``OPEN_PASSIVE`` or ``ACTIVE`` (``sim.population``).
    salary : float
        Salary attractiveness, -1 well below market to +1 well above.

    Returns
    -------
    ndarray of float, shape (n,)
    """
    a = np.asarray(spec.acceptance, dtype=float)[np.asarray(search_state, dtype=np.intp)]
    return 1.0 / (1.0 + np.exp(-(np.log(a / (1.0 - a)) + spec.acceptance_salary * salary)))


class HiringPipeline:
    """One vacancy's hiring process running on a SimPy environment.

    Parameters
    ----------
    env : simpy.Environment
        The simulation clock, in hours; hour 0 is the start of the campaign (the ad's
        first day).
    spec : PipelineSpec
    rng : numpy.random.Generator
        The pipeline's own stream.
    hires_wanted : int
        Real people to hire; the vacancy is filled when the hires reach it.
    salary : float
        The vacancy's salary attractiveness in [-1, 1] (``VacancySpec.salary``).
    on_filled : callable, optional
        Called once with the hour the vacancy is filled (e.g. to stop the campaign).
    weight : float
        Real applicants each submitted (simulated) application stands for.
    campaign_days : int, optional
        The campaign's length; the application deadline when ``spec.deadline_day`` is 0.
        Without it and without ``deadline_day`` there is no deadline, which only rolling
        screening allows.
    pool : CandidatePool, optional
        The candidates this pipeline shares with competing employers' pipelines.
    """

    def __init__(
        self,
        env: simpy.Environment,
        spec: PipelineSpec,
        rng: np.random.Generator,
        hires_wanted: int,
        salary: float,
        on_filled: Callable[[float], None] | None = None,
        weight: float = 1.0,
        campaign_days: int | None = None,
        pool: CandidatePool | None = None,
    ) -> None:
        if hires_wanted < 1:
            raise ValueError(f"hires_wanted must be >= 1, got {hires_wanted!r}")
        if not weight > 0:
            raise ValueError(f"weight must be > 0, got {weight!r}")
        self.env = env
        self.spec = spec
        self.rng = rng
        self.hires_wanted = hires_wanted
        self.salary = salary
        self.on_filled = on_filled
        self.weight = weight
        days = spec.deadline_day or campaign_days
        self.deadline_hour_: float | None = None if days is None else 24.0 * days
        if self.deadline_hour_ is None and spec.screening == "after-deadline":
            raise ValueError(
                "screening 'after-deadline' needs an application deadline: set "
                "deadline_day or pass campaign_days"
            )
        self.recruiters_ = simpy.Resource(env, capacity=spec.recruiters)
        self.closed_ = env.event()  # succeeds when the vacancy is filled
        self.filled_hour_: float | None = None
        self.hires_ = 0
        self.pool = pool
        self.seat_ = pool.join(self) if pool is not None else 0
        self._row_of: dict[int, int] = {}  # person -> latest application (with a pool)
        # One row per application (lists grow with submissions; the metrics read arrays).
        self._rec: dict[str, list] = {
            k: []
            for k in (
                "person", "qualified", "state", "applied", "screened", "interviewed",
                "decided", "offered", "outcome", "outcome_hour", "stage",
            )
        }  # fmt: skip

    # ----------------------------------------------------------------- input
    @property
    def screening_duration(self) -> float:
        """Calendar hours one application holds a recruiter (scaled by ``weight``)."""
        s = self.spec
        return self.weight * s.screening_hours * 24.0 / s.recruiter_hours_per_day

    @property
    def filled_hour(self) -> float | None:
        """The hour the vacancy was filled, or None while it is open."""
        return self.filled_hour_

    @property
    def deadline_hour(self) -> float | None:
        """The hour applications close (the søknadsfrist), or None without a deadline."""
        return self.deadline_hour_

    def submit(
        self,
        hour: float,
        people: np.ndarray,
        qualified: np.ndarray,
        search_state: np.ndarray,
    ) -> None:
        """Take one hour's new applications into the pipeline.

        All the random numbers the applications may need are drawn here, in one call
        per kind for the batch, in submission order.

        Parameters
        ----------
        hour : float
            Hour the applications were made (normally ``env.now``); patience counts
            from it.
        people : ndarray of int, shape (k,)
            Applicants' row numbers in the population.
        qualified : ndarray of bool, shape (k,)
            Whether each applicant meets the vacancy's requirements (ground truth).
        search_state : ndarray of int, shape (k,)
            Each applicant's job-search state (``sim.population`` codes).
        """
        people = np.asarray(people)
        qualified = np.asarray(qualified, dtype=bool)
        state = np.asarray(search_state, dtype=np.intp)
        k = people.size
        if qualified.shape != (k,) or state.shape != (k,) or people.shape != (k,):
            raise ValueError(
                "people, qualified and search_state must be 1-d arrays of equal length, got "
                f"shapes {people.shape}, {qualified.shape}, {state.shape}"
            )
        if k == 0:
            return
        s = self.spec
        rounds = s.interview_rounds
        # Rows: patience, the delay before each interview round, the decision delay
        # (unit-mean exponentials).
        expo = self.rng.standard_exponential((2 + rounds, k))
        # Rows: interview pass, offer acceptance (uniforms).
        u = self.rng.random((2, k))
        mean_patience = np.where(state == ACTIVE, s.patience_days_active, s.patience_days_passive)
        patience = expo[0] * mean_patience * 24.0
        to_interviews = expo[1 : 1 + rounds] * s.interview_delay_days * 24.0
        to_decision = expo[1 + rounds] * s.offer_delay_days * 24.0
        passes = u[0] < s.interview_pass_rate
        p_accept = acceptance_probability(s, state, self.salary)
        start = len(self._rec["person"])
        rec = self._rec
        rec["person"].extend(people.tolist())
        rec["qualified"].extend(qualified.tolist())
        rec["state"].extend(state.tolist())
        rec["applied"].extend([float(hour)] * k)
        for key in ("screened", "interviewed", "decided", "offered", "outcome_hour"):
            rec[key].extend([math.nan] * k)
        rec["outcome"].extend([PENDING] * k)
        rec["stage"].extend([-1] * k)
        if self.pool is not None:
            self._row_of.update(zip(people.tolist(), range(start, start + k), strict=True))
        for j in range(k):
            self.env.process(
                self._candidate(
                    start + j,
                    float(hour) + float(patience[j]),
                    bool(qualified[j]),
                    tuple(float(d) for d in to_interviews[:, j]),
                    float(to_decision[j]),
                    bool(passes[j]),
                    float(u[1, j]),
                    float(p_accept[j]),
                )
            )

    # ----------------------------------------------------------------- process
    def _candidate(
        self,
        i: int,
        gives_up: float,
        qualified: bool,
        to_interviews: tuple[float, ...],
        to_decision: float,
        passes: bool,
        u_accept: float,
        p_accept: float,
    ) -> Generator[simpy.Event, object, None]:
        """The SimPy process of application ``i`` (``gives_up``: the hour patience ends).

        It accepts the offer when ``u_accept < p_accept x share``, ``share`` being the
        offer's Luce share among the candidate's prospects (1 without competitors).
        """
        env = self.env
        rec = self._rec
        person = rec["person"][i]
        gone = self.pool.hired_event(person) if self.pool is not None else None
        arrival = rec["applied"][i]
        if arrival > env.now:
            yield env.timeout(arrival - env.now)
        if self.closed_.triggered:
            return self._end(i, WITHDRAWN)
        if gone is not None and gone.triggered:
            return self._end(i, LEFT)
        closes = self.deadline_hour_
        if closes is not None and arrival >= closes:
            return self._end(i, LATE)
        if self.spec.screening == "after-deadline" and env.now < closes:
            # Nothing is screened before the deadline; patience may run out while waiting.
            yield self._or_closed(env.timeout(max(min(closes, gives_up) - env.now, 0.0)), gone)
            if self.closed_.triggered:
                return self._end(i, WITHDRAWN)
            if gone is not None and gone.triggered:
                return self._end(i, LEFT)
            if gives_up < closes:
                return self._end(i, DROPPED, 0)
        # Screening: queue for a recruiter until the patience runs out or the job is filled.
        with self.recruiters_.request() as req:
            got = yield self._or_closed(req | env.timeout(max(gives_up - env.now, 0.0)), gone)
            if self.closed_.triggered:
                return self._end(i, WITHDRAWN)
            if gone is not None and gone.triggered:
                return self._end(i, LEFT)
            if req not in got:
                return self._end(i, DROPPED, 0)
            yield env.timeout(self.screening_duration)
        rec["screened"][i] = float(env.now)
        if not qualified:
            return self._end(i, SCREENED_OUT)
        # Interview rounds, then the decision: each after its delay unless patience or
        # the job runs out first.
        steps = [(1, d) for d in to_interviews] + [(2, to_decision)]
        for n, (stage, delay) in enumerate(steps):
            due = env.now + delay
            yield self._or_closed(env.timeout(max(min(due, gives_up) - env.now, 0.0)), gone)
            if self.closed_.triggered:
                return self._end(i, WITHDRAWN)
            if gone is not None and gone.triggered:
                return self._end(i, LEFT)
            if due > gives_up:
                return self._end(i, DROPPED, stage)
            if n == 0:
                rec["interviewed"][i] = float(env.now)
        rec["decided"][i] = float(env.now)
        if not passes:
            return self._end(i, REJECTED)
        rec["offered"][i] = float(env.now)
        share = 1.0
        if self.pool is not None:
            share = p_accept / (p_accept + self.pool.rival_pull(person, rec["state"][i], self))
        if not u_accept < p_accept * share:
            return self._end(i, DECLINED if not u_accept < p_accept else LOST)
        self._end(i, HIRED)
        if self.pool is not None:
            self.pool.hire(person, self, float(env.now))
        self.hires_ += 1
        if self.hires_ * self.weight >= self.hires_wanted - 1e-6:  # weights are not exact
            self.filled_hour_ = float(env.now)
            self.closed_.succeed(self.filled_hour_)
            if self.on_filled is not None:
                self.on_filled(self.filled_hour_)

    def _or_closed(self, event: simpy.Event, gone: simpy.Event | None) -> simpy.Event:
        """``event``, or the vacancy filled, or (with competitors) the person hired elsewhere."""
        either = event | self.closed_
        return either if gone is None else either | gone

    def expects_offer(self, person: int) -> bool:
        """Whether ``person`` is still here, qualified and past screening (with a pool)."""
        i = self._row_of.get(person)
        if i is None:
            return False
        rec = self._rec
        pending = rec["outcome"][i] == PENDING and rec["qualified"][i]
        return pending and not math.isnan(rec["screened"][i])

    def _end(self, i: int, outcome: int, stage: int = -1) -> None:
        """Record application ``i``'s outcome (and drop-out stage) at the current hour."""
        self._rec["outcome"][i] = outcome
        self._rec["outcome_hour"][i] = float(self.env.now)
        self._rec["stage"][i] = stage

    # ----------------------------------------------------------------- output
    def records(self) -> dict[str, np.ndarray]:
        """Every application's path as arrays, shape (n,), in submission order.

        Keys ``person``, ``qualified``, ``state``; the hours ``applied``, ``screened``,
        ``interviewed`` (first round), ``decided`` (offer or rejection after the
        interviews), ``offered`` and ``outcome_hour`` (NaN where not reached); the
        ``outcome`` code (``PENDING`` ... ``LATE``) and the drop-out ``stage`` (index into
        :data:`STAGES`, -1 if not dropped).
        """
        return {k: np.asarray(v) for k, v in self._rec.items()}

    def metrics(self, spend: float, days: int) -> dict:
        """The pipeline's outcome as seen ``days`` days after the campaign started.

        Only events up to hour ``24 * days`` count; later ones are still in the pipeline.

        Parameters
        ----------
        spend : float
            Money spent on the campaign (currency).
        days : int
            Observation horizon in days from the start of the campaign.

        Returns
        -------
        dict
            Counts in simulated people (the caller multiplies by the weight):
            ``hires``, ``applications_screened``, ``late_applications``, ``interviews``,
            ``offers``, ``offers_declined``, ``dropouts``, ``dropouts_by_stage``
            (``screening``, ``interview``, ``offer``), ``withdrawn`` and ``in_pipeline``.
            Real values: ``cost_per_hire`` = spend / (hires x weight);
            ``recruiter_hours`` and ``recruiter_hours_unqualified`` = screenings x
            ``screening_hours`` x weight. Times in days: ``time_to_hire_days``, from the
            ad's first day (the campaign's start) until the vacancy was filled;
            ``mean_days_to_hire``, the mean time from application to acceptance over the
            hires; ``mean_days_to_decision``, from application to the offer or rejection
            after the interviews, over the interviewed (Glassdoor's interview duration);
            ``mean_days_to_offer``, from application to offer; ``deadline_day``, the
            application deadline in days from the ad's first day (None without one).
            The ratios and times are None when there is nothing to average (or the
            vacancy is not filled by then).
        """
        out = pipeline_metrics(
            self.records(),
            spend=spend,
            horizon_hours=24.0 * days,
            filled_hour=self.filled_hour_,
            screening_hours=self.spec.screening_hours,
            weight=self.weight,
        )
        out["deadline_day"] = None if self.deadline_hour_ is None else self.deadline_hour_ / 24
        return out


def _mean_days(start: np.ndarray, end: np.ndarray, horizon_hours: float) -> float | None:
    """Mean of ``(end - start) / 24`` over the rows whose ``end`` is by the horizon."""
    done = end <= horizon_hours  # NaN (not reached) compares False
    return float(((end[done] - start[done]) / 24.0).mean()) if done.any() else None


def pipeline_metrics(
    records: dict[str, np.ndarray],
    *,
    spend: float,
    horizon_hours: float,
    filled_hour: float | None,
    screening_hours: float,
    weight: float = 1.0,
) -> dict:
    """Summarise application records up to ``horizon_hours`` (see :meth:`HiringPipeline.metrics`).

    With :math:`T` the horizon and :math:`t_i` application *i*'s outcome hour,
    ``hires`` = #{i : outcome_i = HIRED, t_i <= T}, ``dropouts_by_stage[s]`` =
    #{i : outcome_i = DROPPED, stage_i = s, t_i <= T}, ``recruiter_hours`` =
    #{i : screened_i <= T} x screening_hours x weight, ``mean_days_to_decision`` =
    mean over {i : decided_i <= T} of (decided_i - applied_i) / 24.
    """
    done = records["outcome_hour"] <= horizon_hours  # NaN (pending) compares False
    outcome = np.where(done, records["outcome"], PENDING)
    screened = records["screened"] <= horizon_hours
    qualified = records["qualified"].astype(bool)
    hired = outcome == HIRED
    dropped = outcome == DROPPED
    hires = int(hired.sum())
    # LOST and LEFT occur only with competing employers (see CandidatePool).
    by_stage = {
        name: int((dropped & (records["stage"] == s)).sum()) for s, name in enumerate(STAGES)
    }
    filled = filled_hour if filled_hour is not None and filled_hour <= horizon_hours else None
    applied = records["applied"]
    return {
        "hires": hires,
        "cost_per_hire": spend / (hires * weight) if hires else None,
        "time_to_hire_days": filled / 24.0 if filled is not None else None,
        "mean_days_to_hire": _mean_days(
            applied[hired], records["outcome_hour"][hired], horizon_hours
        ),
        "mean_days_to_decision": _mean_days(applied, records["decided"], horizon_hours),
        "mean_days_to_offer": _mean_days(applied, records["offered"], horizon_hours),
        "applications": int(applied.size),
        "applications_screened": int(screened.sum()),
        "late_applications": int((outcome == LATE).sum()),
        "recruiter_hours": float(screened.sum() * screening_hours * weight),
        "recruiter_hours_unqualified": float(
            (screened & ~qualified).sum() * screening_hours * weight
        ),
        "interviews": int((records["interviewed"] <= horizon_hours).sum()),
        "offers": int((records["offered"] <= horizon_hours).sum()),
        "offers_declined": int(np.isin(outcome, (DECLINED, LOST)).sum()),
        "dropouts": int(dropped.sum()),
        "dropouts_by_stage": by_stage,
        "withdrawn": int(np.isin(outcome, (WITHDRAWN, LEFT)).sum()),
        "in_pipeline": int((outcome == PENDING).sum()),
    }


class CandidatePool:
    """The candidates that competing employers' pipelines share on one SimPy clock.

    Each :class:`HiringPipeline` given the pool joins it. The pool knows who was hired
    by whom and when, tells a pipeline how strongly its rivals pull a candidate at an
    offer (:meth:`rival_pull`), and makes a hired person leave every other pipeline
    (:meth:`hired_event`).

    Parameters
    ----------
    env : simpy.Environment
    """

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.pipelines: list[HiringPipeline] = []
        self.hires: list[tuple[int, int, float]] = []  # (person, seat, hour)
        self._hired: dict[int, simpy.Event] = {}

    def join(self, pipeline: HiringPipeline) -> int:
        """Add a pipeline; returns its seat (0, 1, ...)."""
        self.pipelines.append(pipeline)
        return len(self.pipelines) - 1

    def hired_event(self, person: int) -> simpy.Event:
        """The event that succeeds when ``person`` is hired by any employer."""
        event = self._hired.get(person)
        if event is None:
            event = self._hired[person] = self.env.event()
        return event

    def rival_pull(self, person: int, search_state: int, pipeline: HiringPipeline) -> float:
        """Sum of the acceptance probabilities of the rival offers ``person`` expects.

        A rival counts while the person is in its pipeline, qualified and past screening.
        """
        state = np.array([search_state])
        return float(
            sum(
                acceptance_probability(p.spec, state, p.salary)[0]
                for p in self.pipelines
                if p is not pipeline and p.expects_offer(person)
            )
        )

    def hire(self, person: int, pipeline: HiringPipeline, hour: float) -> None:
        """``person`` accepted ``pipeline``'s offer: they leave every other pipeline."""
        event = self.hired_event(person)
        if event.triggered:  # pragma: no cover - a hired person's processes have ended
            raise RuntimeError(f"person {person} hired twice")
        self.hires.append((person, pipeline.seat_, hour))
        event.succeed(pipeline.seat_)
