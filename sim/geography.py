"""Norway's places: the 15 counties of 2024 with their largest cities as places of their own.

A person lives in one *place*: a city, or the rest of a county outside its listed
cities. Each place has a centre (latitude, longitude) and a scatter radius; a person's
home is drawn around the centre, so distances and radius targeting work in kilometres.

Sources (calibration.md §3a): county populations are the 2024 estimates listed there
(only Oslo is sourced, SSB 717,710; the rest are marked unsourced estimates to be
replaced with SSB table 07459); city populations are the calibration's 2024 estimates
(unsourced, based on SSB 2013 figures); Bodø, Ålesund, Skien, Tønsberg, Hamar and Alta
are estimates of ours. Coordinates are the town centres (public map data, rounded).
Adults are 78 % of the population in every place (estimate: SSB 2024 has about
4.33 M people aged 18+ of 5.55 M).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ADULT_SHARE = 0.78  # estimate, see module docstring


@dataclass(frozen=True)
class Place:
    """A city or the rest of a county."""

    name: str
    region: str
    population: int
    lat: float
    lon: float
    scatter_km: float


# (county, 2024 population estimate, centre of the rest-of-county, scatter km)
_COUNTIES = [
    ("Oslo", 717_710, 59.91, 10.75, 8.0),  # SSB via SNL 2024 (primary)
    ("Akershus", 725_000, 60.00, 11.20, 30.0),  # estimate
    ("Vestland", 650_000, 61.00, 6.50, 70.0),  # estimate
    ("Rogaland", 500_000, 59.10, 6.00, 40.0),  # estimate
    ("Trøndelag", 480_000, 63.80, 11.00, 90.0),  # estimate
    ("Innlandet", 375_000, 61.20, 10.50, 80.0),  # estimate
    ("Agder", 320_000, 58.60, 7.80, 50.0),  # estimate
    ("Østfold", 305_000, 59.40, 11.20, 25.0),  # estimate
    ("Møre og Romsdal", 270_000, 62.70, 7.50, 55.0),  # estimate
    ("Buskerud", 270_000, 60.20, 9.30, 50.0),  # estimate
    ("Vestfold", 255_000, 59.20, 10.10, 18.0),  # estimate
    ("Nordland", 243_000, 67.00, 14.50, 130.0),  # estimate
    ("Telemark", 177_000, 59.40, 8.80, 45.0),  # estimate
    ("Troms", 170_000, 69.20, 18.50, 80.0),  # estimate
    ("Finnmark", 75_000, 70.00, 25.00, 110.0),  # estimate
]

# (city, county, 2024 population estimate, lat, lon, scatter km)
_CITIES = [
    ("Bergen", "Vestland", 291_000, 60.39, 5.32, 9.0),
    ("Trondheim", "Trøndelag", 215_000, 63.43, 10.39, 8.0),
    ("Stavanger", "Rogaland", 149_000, 58.97, 5.73, 6.0),
    ("Bærum", "Akershus", 130_000, 59.89, 10.52, 6.0),
    ("Kristiansand", "Agder", 117_000, 58.15, 8.00, 8.0),
    ("Drammen", "Buskerud", 104_000, 59.74, 10.20, 6.0),
    ("Asker", "Akershus", 98_000, 59.83, 10.43, 6.0),
    ("Lillestrøm", "Akershus", 90_000, 59.96, 11.05, 7.0),
    ("Fredrikstad", "Østfold", 85_000, 59.22, 10.93, 6.0),
    ("Sandnes", "Rogaland", 83_000, 58.85, 5.74, 5.0),
    ("Tromsø", "Troms", 78_000, 69.65, 18.96, 6.0),
    ("Ålesund", "Møre og Romsdal", 67_000, 62.47, 6.15, 6.0),
    ("Tønsberg", "Vestfold", 58_000, 59.27, 10.41, 5.0),
    ("Skien", "Telemark", 56_000, 59.21, 9.61, 5.0),
    ("Bodø", "Nordland", 53_000, 67.28, 14.40, 5.0),
    ("Hamar", "Innlandet", 32_000, 60.79, 11.07, 5.0),
    ("Alta", "Finnmark", 21_000, 69.97, 23.27, 6.0),
]


def _build_places() -> tuple[Place, ...]:
    places = []
    city_pop: dict[str, int] = {}
    for name, county, pop, lat, lon, scatter in _CITIES:
        places.append(Place(name, county, pop, lat, lon, scatter))
        city_pop[county] = city_pop.get(county, 0) + pop
    for county, pop, lat, lon, scatter in _COUNTIES:
        rest = pop - city_pop.get(county, 0)
        name = county if county == "Oslo" else f"{county} (rest)"
        places.append(Place(name, county, rest, lat, lon, scatter))
    return tuple(places)


PLACES: tuple[Place, ...] = _build_places()
PLACE_NAMES: tuple[str, ...] = tuple(p.name for p in PLACES)
REGION_NAMES: tuple[str, ...] = tuple(c[0] for c in _COUNTIES)
PLACE_OR_REGION_NAMES: tuple[str, ...] = tuple(
    sorted(set(PLACE_NAMES) | set(REGION_NAMES) | {"Norway"})
)

# Equirectangular projection around 65 °N: good to a few per cent inside Norway.
_KM_PER_DEG_LAT = 110.57
_KM_PER_DEG_LON = 111.32 * np.cos(np.deg2rad(65.0))


def to_km(lat: float | np.ndarray, lon: float | np.ndarray) -> tuple:
    """Project latitude/longitude (degrees) to planar kilometres ``(x, y)``."""
    return np.asarray(lon) * _KM_PER_DEG_LON, np.asarray(lat) * _KM_PER_DEG_LAT


def place_index(name: str) -> int:
    """Index of a place in :data:`PLACES`."""
    return PLACE_NAMES.index(name)


def centre_km(name: str) -> tuple[float, float]:
    """Planar centre of a place or a county (population-weighted for a county)."""
    if name in PLACE_NAMES:
        p = PLACES[place_index(name)]
        x, y = to_km(p.lat, p.lon)
        return float(x), float(y)
    members = [p for p in PLACES if p.region == name or name == "Norway"]
    if not members:
        raise KeyError(name)
    w = np.array([p.population for p in members], dtype=float)
    x, y = to_km(np.array([p.lat for p in members]), np.array([p.lon for p in members]))
    return float(np.average(x, weights=w)), float(np.average(y, weights=w))


def places_in(regions: tuple[str, ...]) -> np.ndarray:
    """Indices of the places that make up ``regions`` (``"Norway"`` is all of them).

    Returns
    -------
    numpy.ndarray of int, shape (k,)
    """
    if "Norway" in regions:
        return np.arange(len(PLACES))
    wanted = set(regions)
    idx = [i for i, p in enumerate(PLACES) if p.region in wanted or p.name in wanted]
    return np.array(sorted(set(idx)), dtype=np.int64)


def area_places(name: str) -> np.ndarray:
    """Indices of the places that make up ``name`` (a place, a county or ``"Norway"``).

    Returns
    -------
    numpy.ndarray of int, shape (k,)
    """
    if name in PLACE_NAMES:
        return np.array([place_index(name)], dtype=np.int64)
    if name == "Norway":
        return np.arange(len(PLACES), dtype=np.int64)
    members = [i for i, p in enumerate(PLACES) if p.region == name]
    if not members:
        raise KeyError(name)
    return np.array(members, dtype=np.int64)


def nearest_km(x_km: np.ndarray, y_km: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Distance from points to the nearest of the centres of ``names``, in km.

    .. math:: d_i = \\min_{s} \\lVert (x_i, y_i) - c_s \\rVert

    with :math:`c_s` the centre of place or county *s* (:func:`centre_km`).

    Parameters
    ----------
    x_km, y_km : numpy.ndarray of float, shape (k,)
        Planar coordinates (:func:`to_km`).
    names : tuple of str
        One or more places, counties or ``"Norway"``.

    Returns
    -------
    numpy.ndarray of float, shape (k,)
    """
    if not names:
        raise ValueError("nearest_km needs at least one place name, got none")
    x, y = np.asarray(x_km), np.asarray(y_km)
    best = None
    for name in names:
        cx, cy = centre_km(name)
        d = np.hypot(x - cx, y - cy)
        best = d if best is None else np.minimum(best, d)
    return best


def in_area(x_km: np.ndarray, y_km: np.ndarray, name: str) -> np.ndarray:
    """Whether homes at ``(x, y)`` lie in place, county or ``"Norway"`` ``name``.

    A home belongs to the place whose centre is nearest (a Voronoi split of the map by
    :data:`PLACES`), and so to that place's county. Coordinates suffice, so homes that
    moved during a run are judged the same way as those drawn at its start.

    Returns
    -------
    numpy.ndarray of bool, shape (k,)
    """
    x, y = np.asarray(x_km), np.asarray(y_km)
    if name == "Norway":
        return np.ones(x.shape, dtype=bool)
    members = area_places(name)
    lat = np.array([p.lat for p in PLACES])
    lon = np.array([p.lon for p in PLACES])
    cx, cy = to_km(lat, lon)
    nearest = np.zeros(x.shape, dtype=np.int64)
    best = np.full(x.shape, np.inf)
    for i in range(len(PLACES)):
        d = np.hypot(x - cx[i], y - cy[i])
        closer = d < best
        best = np.where(closer, d, best)
        nearest = np.where(closer, i, nearest)
    return np.isin(nearest, members)
