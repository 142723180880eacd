"""Ads-manager exports: read an agency's campaign numbers into arrays the calibration fits.

Three layouts are recognised by their header row:

``recruitsim`` (the documented import format), one row per day per ad set::

    date,ad_set,platform,targeting,impressions,reach,clicks,spend[,applications[,qualified_applications]]

``meta`` (Meta Ads Manager, daily breakdown): ``Day`` (or ``Reporting starts``),
``Ad set name``, ``Impressions``, ``Reach``, ``Link clicks``, ``Amount spent (NOK)``
(any currency in the brackets); the platform is ``facebook`` unless a ``Platform``
column says ``instagram``.

``linkedin`` (LinkedIn Campaign Manager, daily): ``Start Date (in UTC)``,
``Campaign Name``, ``Impressions``, ``Clicks``, ``Total Spent``; the platform is
``linkedin``; reach is optional (``Reach``).

Any layout may carry ``targeting``, ``applications`` and ``qualified_applications``
columns (case and spaces do not matter: ``Applications`` works); an ad set without a
targeting description is matched to the vacancy's commuting area (see
:func:`parse_targeting`).

Numbers: ``1234``, ``1234.5`` and ``1,234.5``; in a file separated by semicolons (a
Norwegian spreadsheet) the comma is the decimal mark and spaces group thousands.
Dates: ``2026-03-01``, ``3/1/2026`` (month first, as Campaign Manager writes them) or
``01.03.2026`` (day first). Rows are numbered as lines of the file (the header is row 1).

The targeting language
----------------------
A targeting description is ``key=value`` pairs separated by ``;``; lists use ``|``::

    radius=40km; interests=home improvement|electrician; job_titles=electrician

========================  =========================================================
key                       meaning
========================  =========================================================
``location``              places or counties, ``Bergen|Voss`` (default: the vacancy's)
``radius``                radius around each place, ``40km`` (default: the vacancy's
                          commuting distance, widened to the platform's minimum)
``age``                   ``25-44`` or ``25-`` (from 25)
``genders``               ``female`` and/or ``male``
``interests``             interest topics (``recruitsim list interests``)
``exclude_interests``     interest topics to leave out
``job_titles``            occupation ids (``recruitsim list occupations``)
``custom_audience``       ``site-visitors``
``lookalike``             ``2%`` (1-10)
========================  =========================================================

An empty description (or ``broad``) means the vacancy's commuting area only.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from sim import geography, interests, occupations
from sim.campaign import Location, TargetingSpec
from sim.errors import RecruitsimError, did_you_mean
from sim.platforms import PLATFORMS

FIELDS = ("impressions", "reach", "clicks", "spend", "applications", "qualified_applications")


class ExportError(RecruitsimError):
    """An export file is malformed: names the file, the row and the column.

    Parameters
    ----------
    source : str
        The file.
    row : int or None
        Line number in the file (the header is row 1).
    column : str or None
        The column as written in the header.
    message : str
        What was expected and what came.
    """

    def __init__(self, source: str, row: int | None, column: str | None, message: str) -> None:
        self.source, self.row, self.column = source, row, column
        where = [source]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(", ".join(where) + ": " + message)


@dataclass(frozen=True)
class ExportRow:
    """One day of one ad set, as read (targeting still as text)."""

    row: int
    date: dt.date
    ad_set: str
    platform: str
    targeting: str
    impressions: int
    reach: int | None
    clicks: int
    spend: float
    applications: int | None
    qualified_applications: int | None


@dataclass(frozen=True)
class AdSetSeries:
    """One ad set of an export: where it ran, what it targeted, its daily numbers.

    Arrays have shape (n_days,) over the export's calendar (days it did not run are 0).
    """

    name: str
    platform: str
    targeting: str
    first_row: int
    impressions: np.ndarray
    reach: np.ndarray
    clicks: np.ndarray
    spend: np.ndarray
    applications: np.ndarray
    qualified_applications: np.ndarray


@dataclass(frozen=True)
class CampaignExport:
    """A campaign export: ad sets by day.

    Attributes
    ----------
    source : str
        The file it was read from.
    layout : str
        ``recruitsim``, ``meta`` or ``linkedin``.
    dates : tuple of datetime.date
        Every calendar day from the first to the last row (n_days).
    ad_sets : tuple of AdSetSeries
    has_applications, has_qualified, has_reach : bool
        Whether the export carried those columns.
    """

    source: str
    layout: str
    dates: tuple[dt.date, ...]
    ad_sets: tuple[AdSetSeries, ...]
    has_applications: bool
    has_qualified: bool
    has_reach: bool

    @property
    def days(self) -> int:
        """Number of calendar days covered."""
        return len(self.dates)

    @property
    def platforms(self) -> tuple[str, ...]:
        """Platforms of the ad sets, sorted, without repeats."""
        return tuple(sorted({a.platform for a in self.ad_sets}))

    def totals(self, field: str) -> np.ndarray:
        """``field`` of every ad set by day, shape (n_ad_sets, n_days)."""
        return np.stack([getattr(a, field) for a in self.ad_sets]).astype(float)

    def to_csv(self, path: str | Path, header_note: str = "") -> Path:
        """Write the export in the ``recruitsim`` layout (one row per day per ad set).

        ``header_note`` becomes a first line starting with ``#`` (readers skip it).
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        cols = list(REQUIRED["recruitsim"])
        if self.has_applications:
            cols.append("applications")
        if self.has_qualified:
            cols.append("qualified_applications")
        with path.open("w", newline="", encoding="utf-8") as fh:
            if header_note:
                fh.write(f"# {header_note}\n")
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(cols)
            for d, day in enumerate(self.dates):
                for a in self.ad_sets:
                    row = [
                        day.isoformat(),
                        a.name,
                        a.platform,
                        a.targeting,
                        int(a.impressions[d]),
                        int(a.reach[d]),
                        int(a.clicks[d]),
                        f"{a.spend[d]:.2f}",
                    ]
                    if self.has_applications:
                        row.append(int(a.applications[d]))
                    if self.has_qualified:
                        row.append(int(a.qualified_applications[d]))
                    w.writerow(row)
        return path


# --------------------------------------------------------------------------- layouts

# Canonical field -> header names accepted for it (compared case- and space-insensitively).
_COMMON = {
    "targeting": ("targeting",),
    "applications": ("applications",),
    "qualified_applications": ("qualified_applications", "qualified applications"),
}
LAYOUTS: dict[str, dict[str, tuple[str, ...]]] = {
    "recruitsim": {
        "date": ("date",),
        "ad_set": ("ad_set", "ad set"),
        "platform": ("platform",),
        "impressions": ("impressions",),
        "reach": ("reach",),
        "clicks": ("clicks",),
        "spend": ("spend",),
        **_COMMON,
    },
    "meta": {
        "date": ("day", "reporting starts"),
        "ad_set": ("ad set name",),
        "platform": ("platform",),
        "impressions": ("impressions",),
        "reach": ("reach",),
        "clicks": ("link clicks",),
        "spend": ("amount spent",),  # "Amount spent (NOK)": the bracket is dropped
        **_COMMON,
    },
    "linkedin": {
        "date": ("start date (in utc)", "start date"),
        "ad_set": ("campaign name",),
        "impressions": ("impressions",),
        "reach": ("reach", "reach (estimated)"),
        "clicks": ("clicks",),
        "spend": ("total spent", "amount spent"),
        **_COMMON,
    },
}
REQUIRED = {
    "recruitsim": (
        "date",
        "ad_set",
        "platform",
        "targeting",
        "impressions",
        "reach",
        "clicks",
        "spend",
    ),
    "meta": ("date", "ad_set", "impressions", "clicks", "spend"),
    "linkedin": ("date", "ad_set", "impressions", "clicks", "spend"),
}
DEFAULT_PLATFORM = {"meta": "facebook", "linkedin": "linkedin"}


def _key(header: str) -> str:
    """A header cell reduced for matching: lower case, no bracketed unit, single spaces."""
    text = re.sub(r"\(([A-Z]{3})\)", "", header.strip().lstrip("\ufeff"))
    return " ".join(text.lower().replace("_", " ").split())


def detect_layout(
    header: list[str], source: str = "<export>", row: int = 1
) -> tuple[str, dict[str, int]]:
    """Which layout a header row is, and the column of each canonical field.

    Raises
    ------
    ExportError
        No layout's required columns are all present (names the missing ones).
    """
    keys = [_key(h) for h in header]
    best: tuple[int, str, list[str]] | None = None
    for layout, names in LAYOUTS.items():
        cols = {}
        for fld, options in names.items():
            for opt in options:
                if _key(opt) in keys:
                    cols[fld] = keys.index(_key(opt))
                    break
        missing = [f for f in REQUIRED[layout] if f not in cols]
        if not missing:
            return layout, cols
        score = len(REQUIRED[layout]) - len(missing)
        if best is None or score > best[0]:
            best = (score, layout, missing)
    assert best is not None
    _, layout, missing = best
    wanted = [LAYOUTS[layout][m][0] for m in missing]
    raise ExportError(
        source,
        row,
        None,
        f"not a recognised export: closest is the {layout} layout, missing "
        f"{', '.join(map(repr, wanted))}; got columns {', '.join(map(repr, header))}",
    )


def _delimiter(line: str) -> str:
    """The most frequent of ``;``, tab and ``,`` in a header line (``,`` if none)."""
    return max((";", "\t", ","), key=line.count) if any(c in line for c in ";\t,") else ","


def _number(text: str, decimal_comma: bool) -> float:
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if decimal_comma:
        t = t.replace(".", "").replace(",", ".") if "," in t else t
    else:
        t = t.replace(",", "")
    return float(t)


_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d")


def _date(text: str) -> dt.date:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def read_export(path: str | Path) -> CampaignExport:
    """Read an ads-manager export (layout detected from the header).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    CampaignExport

    Raises
    ------
    ExportError
        The file is missing or empty, its header matches no layout, or a cell is
        malformed (names the file, the row and the column).
    """
    path = Path(path)
    source = path.name
    try:
        raw = path.read_bytes()
        utf16 = raw[:2] in (b"\xff\xfe", b"\xfe\xff")  # some ads managers write UTF-16
        text = raw.decode("utf-16" if utf16 else "utf-8-sig")
    except OSError as exc:
        raise ExportError(str(path), None, None, f"cannot read file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ExportError(
            source,
            None,
            None,
            f"expected UTF-8 text, got byte {exc.object[exc.start]:#x} at {exc.start}",
        ) from None
    lines = text.splitlines()
    candidates = [i for i, ln in enumerate(lines) if ln.strip() and not ln.startswith("#")]
    if not candidates:
        raise ExportError(source, None, None, "the file is empty")

    # The header is the first line that matches a layout among the first few (report
    # titles and date ranges may come before it); if none does, the first line is blamed.
    def header_at(i: int) -> tuple[str, list[str]]:
        delimiter = _delimiter(lines[i])
        return delimiter, next(csv.reader([lines[i]], delimiter=delimiter))

    for first in candidates[:12]:
        delimiter, header = header_at(first)
        try:
            layout, cols = detect_layout(header, source, row=first + 1)
            break
        except ExportError:
            continue
    else:
        first = candidates[0]
        delimiter, header = header_at(first)
        layout, cols = detect_layout(header, source, row=first + 1)  # raises, naming it
    rows = list(csv.reader(lines[first:], delimiter=delimiter))
    decimal_comma = delimiter == ";"
    out: list[ExportRow] = []
    for offset, cells in enumerate(rows[1:], start=1):
        lineno = first + offset + 1
        if not any(c.strip() for c in cells) or cells[0].startswith("#"):
            continue
        if len(cells) < len(header):
            raise ExportError(
                source, lineno, None, f"expected {len(header)} cells, got {len(cells)}"
            )
        out.append(_parse_row(cells, header, cols, layout, decimal_comma, source, lineno))
    if not out:
        raise ExportError(source, None, None, "no data rows after the header")
    return _assemble(out, source, layout, cols)


def _parse_row(cells, header, cols, layout, decimal_comma, source, lineno) -> ExportRow:
    def cell(fld: str) -> str | None:
        return cells[cols[fld]].strip() if fld in cols else None

    def count(fld: str, optional: bool = False) -> int | None:
        raw = cell(fld)
        if raw is None or (optional and raw == ""):
            return None
        try:
            value = _number(raw, decimal_comma)
        except ValueError:
            value = float("nan")
        if not (value >= 0 and float(value).is_integer()):
            raise ExportError(
                source, lineno, header[cols[fld]], f"expected a whole number >= 0, got {raw!r}"
            )
        return int(value)

    raw_date = cell("date") or ""
    try:
        date = _date(raw_date)
    except ValueError:
        raise ExportError(
            source,
            lineno,
            header[cols["date"]],
            f"expected a date like 2026-03-01, got {raw_date!r}",
        ) from None
    name = cell("ad_set") or ""
    if not name:
        raise ExportError(source, lineno, header[cols["ad_set"]], "expected a name, got ''")
    platform = (cell("platform") or DEFAULT_PLATFORM.get(layout, "")).lower()
    if platform not in PLATFORMS:
        column = header[cols["platform"]] if "platform" in cols else None
        raise ExportError(
            source,
            lineno,
            column,
            f"unknown platform {platform!r}" + did_you_mean(platform, PLATFORMS),
        )
    raw_spend = cell("spend") or ""
    try:
        spend = _number(raw_spend, decimal_comma)
    except ValueError:
        spend = float("nan")
    if not (spend >= 0 and np.isfinite(spend)):
        raise ExportError(
            source, lineno, header[cols["spend"]], f"expected a number >= 0, got {raw_spend!r}"
        )
    impressions = count("impressions")
    clicks = count("clicks")
    reach = count("reach", optional=True)
    apps = count("applications", optional=True)
    qual = count("qualified_applications", optional=True)
    checks = (
        ("clicks", clicks, impressions, "impressions"),
        ("reach", reach, impressions, "impressions"),
        ("qualified_applications", qual, apps, "applications"),
    )
    for fld, value, bound, what in checks:
        if value is not None and bound is not None and value > bound:
            raise ExportError(
                source,
                lineno,
                header[cols[fld]],
                f"expected at most the {what} ({bound}), got {value}",
            )
    return ExportRow(
        row=lineno,
        date=date,
        ad_set=name,
        platform=platform,
        targeting=cell("targeting") or "",
        impressions=impressions or 0,
        reach=reach,
        clicks=clicks or 0,
        spend=spend,
        applications=apps,
        qualified_applications=qual,
    )


def _assemble(rows: list[ExportRow], source: str, layout: str, cols: dict) -> CampaignExport:
    start = min(r.date for r in rows)
    end = max(r.date for r in rows)
    n_days = (end - start).days + 1
    if n_days > 366:
        raise ExportError(
            source, None, None, f"expected at most 366 days, got {n_days} ({start} to {end})"
        )
    dates = tuple(start + dt.timedelta(days=i) for i in range(n_days))
    names: dict[str, ExportRow] = {}
    seen: dict[tuple[str, dt.date], int] = {}
    for r in rows:
        first = names.setdefault(r.ad_set, r)
        if (first.platform, first.targeting) != (r.platform, r.targeting):
            what = "platform" if first.platform != r.platform else "targeting"
            raise ExportError(
                source,
                r.row,
                None,
                f"ad set {r.ad_set!r} changes its {what} (row {first.row} has "
                f"{getattr(first, what)!r}, this row {getattr(r, what)!r})",
            )
        if (r.ad_set, r.date) in seen:
            raise ExportError(
                source,
                r.row,
                None,
                f"ad set {r.ad_set!r} has a second row for {r.date} "
                f"(first in row {seen[(r.ad_set, r.date)]})",
            )
        seen[(r.ad_set, r.date)] = r.row
    has = {f: f in cols for f in ("applications", "qualified_applications", "reach")}
    series = []
    for name, first in names.items():
        arrays = {f: np.zeros(n_days) for f in FIELDS}
        for r in rows:
            if r.ad_set != name:
                continue
            d = (r.date - start).days
            for f in FIELDS:
                value = getattr(r, f)
                arrays[f][d] = 0 if value is None else value
        series.append(
            AdSetSeries(
                name=name,
                platform=first.platform,
                targeting=first.targeting,
                first_row=first.row,
                **arrays,
            )
        )
    return CampaignExport(
        source=source,
        layout=layout,
        dates=dates,
        ad_sets=tuple(series),
        has_applications=has["applications"],
        has_qualified=has["qualified_applications"],
        has_reach=has["reach"],
    )


# --------------------------------------------------------------------------- targeting

_TARGETING_KEYS = (
    "location",
    "radius",
    "age",
    "genders",
    "interests",
    "exclude_interests",
    "job_titles",
    "custom_audience",
    "lookalike",
)


def parse_targeting(
    text: str,
    *,
    vacancy_location: str,
    commute_km: float,
    platform: str,
    policy: str,
) -> TargetingSpec:
    """A targeting description (see the module docstring) as a :class:`TargetingSpec`.

    Parameters
    ----------
    text : str
        ``key=value; ...``; empty or ``broad`` for the vacancy's commuting area.
    vacancy_location : str
        Default place.
    commute_km : float
        Default radius (widened to the platform's minimum under ``policy``).
    platform, policy : str
        The ad set's platform and the scenario's policy for it; the spec is checked
        against them.

    Raises
    ------
    ValueError
        With a message naming the key and what was expected (the reader adds the
        file, row and column).
    """
    p = PLATFORMS[platform]
    pairs: dict[str, str] = {}
    body = text.strip()
    if body.lower() not in ("", "broad"):
        for part in body.split(";"):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            key = key.strip().lower().replace(" ", "_")
            if not sep:
                raise ValueError(f"expected key=value, got {part.strip()!r}")
            if key not in _TARGETING_KEYS:
                raise ValueError(
                    f"unknown targeting key {key!r}" + did_you_mean(key, _TARGETING_KEYS)
                )
            pairs[key] = value.strip()

    def items(key: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in pairs.get(key, "").split("|") if v.strip())

    def known(values: tuple[str, ...], catalogue, kind: str) -> tuple[str, ...]:
        for v in values:
            if v not in catalogue:
                raise ValueError(f"unknown {kind} {v!r}" + did_you_mean(v, catalogue))
        return values

    places = known(items("location"), geography.PLACE_OR_REGION_NAMES, "place") or (
        vacancy_location,
    )
    floor = p.min_radius_km(policy)
    if "radius" in pairs:
        m = re.fullmatch(r"\s*([0-9.]+)\s*(km)?\s*", pairs["radius"])
        if not m:
            raise ValueError(f"radius: expected a distance like 40km, got {pairs['radius']!r}")
        radius = float(m.group(1))
    elif "radius" in p.allowed_options(policy):
        radius = max(commute_km, floor)
    else:
        radius = 0.0
    age_min, age_max = 18, None
    if "age" in pairs:
        m = re.fullmatch(r"\s*(\d+)\s*-\s*(\d*)\s*", pairs["age"])
        if not m:
            raise ValueError(f"age: expected a range like 25-44, got {pairs['age']!r}")
        age_min, age_max = int(m.group(1)), (int(m.group(2)) if m.group(2) else None)
    lookalike = None
    if "lookalike" in pairs:
        try:
            lookalike = float(pairs["lookalike"].rstrip("% "))
        except ValueError:
            raise ValueError(
                f"lookalike: expected a percentage like 2%, got {pairs['lookalike']!r}"
            ) from None
    spec = TargetingSpec(
        locations=tuple(Location(place, radius) for place in places),
        age_min=age_min,
        age_max=age_max,
        genders=items("genders"),
        interests=known(items("interests"), interests.TOPIC_NAMES, "interest"),
        job_titles=known(items("job_titles"), occupations.OCCUPATION_IDS, "job title"),
        exclude_interests=known(items("exclude_interests"), interests.TOPIC_NAMES, "interest"),
        custom_audience=pairs.get("custom_audience") or None,
        lookalike_percent=lookalike,
    )
    p.check(spec, policy)  # PolicyError: the caller adds the file, row and column
    return spec


def with_targeting(export: CampaignExport, targeting: dict[str, str]) -> CampaignExport:
    """``export`` with the targeting descriptions of the named ad sets replaced.

    For exports (Meta, LinkedIn) that do not describe their ad sets' targeting.

    Raises
    ------
    ExportError
        An ad set name is not in the export.
    """
    if not targeting:
        return export
    names = [a.name for a in export.ad_sets]
    for name in targeting:
        if name not in names:
            raise ExportError(
                export.source,
                None,
                None,
                f"--targeting: no ad set {name!r} in the export" + did_you_mean(name, names),
            )
    ad_sets = tuple(
        replace(a, targeting=str(targeting[a.name])) if a.name in targeting else a
        for a in export.ad_sets
    )
    return replace(export, ad_sets=ad_sets)
