"""The occupation taxonomy: 71 occupations mapped to STYRK-08 (ISCO-08) major groups.

Group totals and sex mix follow SSB's Labour Force Survey (AKU), employed 15-74 by
occupation and sex, annual average 2016 (calibration.md §3c, primary): e.g. craft
(group 7) 233k men and 13k women, sales and service (group 5) 173k men and 364k women.
The split of a group into occupations uses SSB's ten largest occupations of 2022
(shop staff 154k, health workers 96k, childcare assistants 89k, primary teachers 81k,
senior case officers 74k, nurses 64k, other care workers 58k, carpenters 58k, office
staff 50k, cleaners 50k; calibration.md §3c, primary); every other occupation's size and
female share is an **estimate** chosen so the group totals and sex mix stay close to AKU.

Each occupation also carries, all **estimates**:

- ``age``: an age profile (``young``, ``even``, ``graduate``, ``older``), the relative
  odds of working in it by age band;
- ``interests``: lifts on the probability of real interests (so an electrician is far
  more likely than average to like "electrical engineering", a little more likely to
  like "home improvement" — which many non-electricians share too);
- ``adjacent``: occupations whose people could be trained for this one;
- the LinkedIn-style profile behaviour of the major group: how often a job title is
  declared and how often it is stale (office workers declare far more than trades).
"""

# ruff: noqa: E501 (the occupation table is one row per occupation)
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

AGE_BANDS: tuple[tuple[int, int], ...] = (
    (18, 24),
    (25, 34),
    (35, 44),
    (45, 54),
    (55, 64),
    (65, 74),
    (75, 120),
)
AGE_BAND_LABELS = tuple(f"{lo}-{hi}" if hi < 120 else f"{lo}+" for lo, hi in AGE_BANDS)
EDUCATION_LEVELS = ("compulsory", "upper-secondary", "bachelor", "master")


@dataclass(frozen=True)
class MajorGroup:
    """A STYRK-08 major group with its public statistics (SSB AKU 2016, thousands)."""

    code: str
    name: str
    men_k: int
    women_k: int
    education: tuple[float, float, float, float]  # estimate, over EDUCATION_LEVELS
    title_declared: float  # share of LinkedIn members declaring a title (estimate)
    title_stale: float  # share of declared titles that are out of date (estimate)


MAJOR_GROUPS: dict[str, MajorGroup] = {
    g.code: g
    for g in (
        MajorGroup("1", "Managers", 130, 79, (0.05, 0.35, 0.35, 0.25), 0.80, 0.12),
        MajorGroup("2", "Professionals", 290, 424, (0.00, 0.05, 0.50, 0.45), 0.70, 0.12),
        MajorGroup("3", "Associate professionals", 264, 184, (0.05, 0.45, 0.40, 0.10), 0.55, 0.15),
        MajorGroup("4", "Clerical support", 62, 92, (0.10, 0.60, 0.25, 0.05), 0.40, 0.18),
        MajorGroup("5", "Service and sales", 173, 364, (0.20, 0.65, 0.13, 0.02), 0.12, 0.30),
        MajorGroup("6", "Agriculture and fishery", 38, 12, (0.25, 0.60, 0.13, 0.02), 0.05, 0.30),
        MajorGroup("7", "Craft and trades", 233, 13, (0.10, 0.82, 0.07, 0.01), 0.12, 0.35),
        MajorGroup("8", "Operators and drivers", 134, 19, (0.25, 0.70, 0.05, 0.00), 0.06, 0.35),
        MajorGroup("9", "Elementary occupations", 70, 65, (0.40, 0.50, 0.09, 0.01), 0.04, 0.35),
    )
}

AGE_PROFILES: dict[str, tuple[float, ...]] = {  # relative odds by AGE_BANDS (estimate)
    "young": (2.4, 1.2, 0.85, 0.8, 0.7, 0.8, 1.0),
    "even": (0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
    "graduate": (0.25, 1.0, 1.1, 1.1, 1.0, 0.9, 1.0),
    "older": (0.2, 0.6, 1.0, 1.25, 1.4, 1.6, 1.0),
}


@dataclass(frozen=True)
class Occupation:
    """One occupation of the taxonomy."""

    id: str
    name: str
    styrk: str  # STYRK-08 unit group (4 digits) or minor group
    size_k: float  # employed, thousands (see module docstring for sources)
    female: float  # share of women
    age: str = "even"
    interests: dict[str, float] = field(default_factory=dict)
    adjacent: tuple[str, ...] = ()

    @property
    def group(self) -> MajorGroup:
        """The STYRK-08 major group."""
        return MAJOR_GROUPS[self.styrk[0]]

    @property
    def typical_interests(self) -> tuple[str, ...]:
        """Interests an advertiser would associate with the occupation (lift >= 3)."""
        return tuple(k for k, v in sorted(self.interests.items(), key=lambda kv: -kv[1]) if v >= 3)


def _o(id_, name, styrk, size_k, female, age="even", interests=None, adjacent=()):
    return Occupation(id_, name, styrk, size_k, female, age, dict(interests or {}), adjacent)


# One row per occupation: id, name, STYRK-08 code, employed (thousands), share of
# women, age profile, interest lifts, adjacent occupations.
# fmt: off
OCCUPATIONS: tuple[Occupation, ...] = (
    # 1 Managers
    _o("general-manager", "Managing director", "1120", 45, 0.28, "older", {"business & finance": 4, "leadership": 6, "travel": 1.5}),
    _o("sales-marketing-manager", "Sales and marketing manager", "1221", 40, 0.38, "older", {"leadership": 4, "marketing & media": 5, "business & finance": 3}),
    _o("store-manager", "Store manager", "1420", 38, 0.50, "even", {"retail & shopping": 5, "leadership": 4, "fashion": 1.5}, ("shift-leader", "shop-assistant", "cashier", "sales-representative")),
    _o("it-manager", "IT manager", "1330", 20, 0.20, "older", {"technology": 5, "programming": 3, "leadership": 4}),
    _o("health-care-manager", "Health and care manager", "1342", 22, 0.80, "older", {"nursing & care": 5, "leadership": 4, "health & wellness": 2}, ("nurse",)),
    _o("construction-manager", "Construction manager", "1323", 30, 0.10, "older", {"construction": 6, "leadership": 3, "home improvement": 2}, ("carpenter", "engineer")),
    # 2 Professionals
    _o("primary-teacher", "Primary school teacher", "2341", 81, 0.75, "graduate", {"education & teaching": 8, "children's activities": 3, "books & literature": 1.5}, ("kindergarten-teacher", "secondary-teacher")),
    _o("secondary-teacher", "Secondary school teacher", "2330", 45, 0.55, "graduate", {"education & teaching": 7, "science": 2, "books & literature": 1.5}, ("primary-teacher",)),
    _o("nurse", "Nurse", "2223", 64, 0.88, "even", {"nursing & care": 10, "medicine": 4, "health & wellness": 2}, ("health-care-worker", "paramedic", "care-worker")),
    _o("doctor", "Medical doctor", "2211", 28, 0.50, "graduate", {"medicine": 12, "science": 2, "health & wellness": 1.5}),
    _o("software-developer", "Software developer", "2512", 60, 0.20, "graduate", {"programming": 12, "technology": 5, "gaming": 2, "science": 1.5}, ("it-technician", "engineer")),
    _o("engineer", "Engineer", "2142", 60, 0.25, "graduate", {"science": 3, "technology": 3, "energy & oil": 3, "construction": 2}, ("engineering-technician",)),
    _o("senior-case-officer", "Senior case officer", "2422", 74, 0.60, "graduate", {"politics & news": 3, "business & finance": 1.5}, ("office-clerk",)),
    _o("accountant-economist", "Accountant / economist", "2411", 40, 0.45, "graduate", {"business & finance": 7}, ("accounting-associate",)),
    _o("lawyer", "Lawyer", "2611", 20, 0.50, "graduate", {"politics & news": 3, "business & finance": 2}),
    _o("psychologist", "Psychologist", "2634", 10, 0.75, "graduate", {"health & wellness": 3, "science": 2, "books & literature": 1.5}),
    _o("kindergarten-teacher", "Kindergarten teacher", "2342", 35, 0.90, "graduate", {"children's activities": 7, "education & teaching": 4, "parenting": 1.5}, ("childcare-assistant",)),
    _o("university-lecturer", "University lecturer", "2310", 25, 0.45, "older", {"science": 6, "education & teaching": 3, "books & literature": 2}),
    _o("marketing-professional", "Marketing professional", "2431", 25, 0.55, "graduate", {"marketing & media": 8, "business & finance": 2, "photography": 1.5}),
    _o("architect", "Architect", "2161", 8, 0.45, "graduate", {"art & design": 5, "interior design": 3, "construction": 2}),
    _o("pharmacist", "Pharmacist", "2262", 5, 0.80, "graduate", {"medicine": 6, "health & wellness": 2}),
    # 3 Associate professionals
    _o("engineering-technician", "Engineering technician", "3113", 60, 0.15, "even", {"technology": 3, "electrical engineering": 4, "energy & oil": 2}, ("electrician", "industrial-mechanic")),
    _o("sales-representative", "Sales representative", "3322", 60, 0.30, "even", {"business & finance": 2, "cars": 1.5, "retail & shopping": 2}, ("shop-assistant",)),
    _o("accounting-associate", "Accounting associate", "3313", 40, 0.65, "even", {"business & finance": 5}, ("office-clerk", "payroll-clerk")),
    _o("police-officer", "Police officer", "3355", 15, 0.35, "even", {"fitness": 2, "politics & news": 1.5}),
    _o("it-technician", "IT support technician", "3512", 35, 0.20, "young", {"technology": 6, "gaming": 3, "programming": 3}, ("software-developer",)),
    _o("admin-secretary", "Administrative secretary", "3343", 30, 0.85, "even", {"business & finance": 1.5}, ("office-clerk", "receptionist")),
    _o("real-estate-agent", "Real estate agent", "3334", 8, 0.45, "even", {"real estate": 10, "interior design": 2, "business & finance": 2}),
    _o("ship-officer", "Ship officer", "3152", 10, 0.05, "even", {"boats & sea": 10, "energy & oil": 2}, ("fisher",)),
    _o("paramedic", "Paramedic", "3258", 5, 0.35, "even", {"medicine": 4, "fitness": 2, "nursing & care": 3}, ("nurse", "health-care-worker")),
    _o("lab-technician", "Laboratory technician", "3212", 10, 0.65, "even", {"science": 5, "medicine": 2}),
    _o("financial-advisor", "Financial advisor", "3311", 30, 0.45, "even", {"business & finance": 7, "real estate": 2}),
    _o("health-secretary", "Medical secretary", "3256", 15, 0.97, "even", {"health & wellness": 2, "medicine": 2}, ("admin-secretary",)),
    # 4 Clerical support
    _o("office-clerk", "Office clerk", "4110", 50, 0.70, "even", {"business & finance": 1.2}, ("admin-secretary", "receptionist")),
    _o("logistics-clerk", "Logistics clerk", "4321", 30, 0.30, "even", {"transport & logistics": 5}, ("warehouse-worker",)),
    _o("customer-service", "Customer service agent", "4222", 25, 0.65, "young", {"retail & shopping": 1.5}, ("shop-assistant", "receptionist")),
    _o("receptionist", "Receptionist", "4226", 10, 0.85, "young", {"hospitality & food service": 2, "travel": 1.5}, ("customer-service",)),
    _o("payroll-clerk", "Payroll clerk", "4313", 15, 0.80, "even", {"business & finance": 3}, ("accounting-associate",)),
    # 5 Service and sales
    _o("shop-assistant", "Shop assistant", "5223", 154, 0.60, "young", {"retail & shopping": 4, "fashion": 1.5}, ("cashier", "shift-leader")),
    _o("health-care-worker", "Health care worker", "5321", 96, 0.88, "even", {"nursing & care": 7, "health & wellness": 2}, ("care-worker",)),
    _o("childcare-assistant", "Childcare assistant", "5311", 89, 0.80, "young", {"children's activities": 6, "parenting": 2}, ("kindergarten-teacher",)),
    _o("care-worker", "Care worker", "5322", 58, 0.85, "even", {"nursing & care": 5, "health & wellness": 1.5}, ("health-care-worker",)),
    _o("cook", "Cook", "5120", 25, 0.35, "young", {"cooking": 8, "hospitality & food service": 4}, ("kitchen-helper", "baker")),
    _o("waiter", "Waiter", "5131", 20, 0.65, "young", {"hospitality & food service": 5, "cooking": 1.5, "music": 1.5}, ("cook",)),
    _o("hairdresser", "Hairdresser", "5141", 8, 0.85, "young", {"beauty": 8, "fashion": 4}),
    _o("security-guard", "Security guard", "5414", 10, 0.20, "even", {"fitness": 2}),
    _o("cashier", "Cashier", "5230", 20, 0.70, "young", {"retail & shopping": 3}, ("shop-assistant",)),
    _o("shift-leader", "Retail shift leader", "5222", 15, 0.55, "young", {"retail & shopping": 5, "leadership": 2}, ("shop-assistant", "store-manager")),
    _o("janitor", "Janitor", "5153", 10, 0.10, "older", {"home improvement": 3, "tools & DIY": 3}, ("cleaner",)),
    # 6 Agriculture and fishery
    _o("farmer", "Farmer", "6121", 30, 0.25, "older", {"agriculture": 12, "hunting & fishing": 2, "outdoor life": 1.5}, ("farm-labourer",)),
    _o("fisher", "Fisher", "6222", 10, 0.05, "even", {"boats & sea": 8, "hunting & fishing": 4}),
    _o("aquaculture-worker", "Aquaculture worker", "6221", 9, 0.15, "even", {"boats & sea": 5, "agriculture": 3}, ("fisher",)),
    # 7 Craft and trades
    _o("carpenter", "Carpenter", "7115", 58, 0.02, "even", {"construction": 6, "tools & DIY": 5, "home improvement": 3}, ("construction-worker", "painter")),
    _o("electrician", "Electrician", "7411", 35, 0.03, "even", {"electrical engineering": 14, "tools & DIY": 4, "construction": 3, "home improvement": 2, "energy & oil": 1.5}, ("engineering-technician", "industrial-mechanic")),
    _o("plumber", "Plumber", "7126", 12, 0.01, "even", {"construction": 4, "tools & DIY": 4, "home improvement": 3}, ("carpenter",)),
    _o("mechanic", "Vehicle mechanic", "7231", 25, 0.03, "young", {"cars": 8, "motorsport": 4, "tools & DIY": 3}, ("industrial-mechanic",)),
    _o("welder", "Welder / metalworker", "7212", 20, 0.04, "even", {"tools & DIY": 4, "energy & oil": 2}, ("industrial-mechanic",)),
    _o("painter", "Painter", "7131", 10, 0.12, "even", {"home improvement": 4, "interior design": 3, "construction": 2}, ("carpenter",)),
    _o("industrial-mechanic", "Industrial mechanic", "7233", 20, 0.04, "even", {"tools & DIY": 4, "energy & oil": 3, "technology": 1.5}, ("mechanic", "welder")),
    _o("baker", "Baker", "7512", 8, 0.45, "even", {"cooking": 6}, ("cook",)),
    _o("construction-worker", "Construction worker", "7112", 25, 0.02, "young", {"construction": 6, "tools & DIY": 3}, ("carpenter",)),
    # 8 Operators and drivers
    _o("truck-driver", "Truck driver", "8332", 35, 0.03, "older", {"transport & logistics": 5, "cars": 2}, ("delivery-driver", "bus-driver")),
    _o("bus-driver", "Bus driver", "8331", 15, 0.15, "older", {"transport & logistics": 3}, ("truck-driver", "taxi-driver")),
    _o("taxi-driver", "Taxi driver", "8322", 8, 0.08, "older", {"cars": 3, "transport & logistics": 2}, ("bus-driver",)),
    _o("machine-operator", "Process machine operator", "8100", 30, 0.20, "even", {"technology": 1.5, "energy & oil": 2}, ("industrial-mechanic",)),
    _o("delivery-driver", "Delivery driver", "8321", 20, 0.10, "young", {"transport & logistics": 3, "cars": 2}, ("truck-driver",)),
    _o("construction-machine-operator", "Construction machine operator", "8342", 15, 0.02, "even", {"construction": 5, "cars": 2}, ("truck-driver",)),
    # 9 Elementary occupations
    _o("cleaner", "Cleaner", "9112", 50, 0.65, "even", {"home improvement": 1.3}, ("janitor",)),
    _o("warehouse-worker", "Warehouse worker", "9333", 30, 0.20, "young", {"transport & logistics": 2}, ("logistics-clerk",)),
    _o("kitchen-helper", "Kitchen helper", "9412", 15, 0.50, "young", {"cooking": 3, "hospitality & food service": 3}, ("cook",)),
    _o("farm-labourer", "Farm labourer", "9211", 5, 0.30, "young", {"agriculture": 6, "outdoor life": 2}, ("farmer",)),
    _o("lumber-worker", "Lumber and forestry worker", "6210", 6, 0.06, "even", {"outdoor life": 4, "hunting & fishing": 3, "tools & DIY": 3}, ("carpenter",)),
)
# fmt: on

OCCUPATION_IDS: tuple[str, ...] = tuple(o.id for o in OCCUPATIONS)
_BY_ID = {o.id: i for i, o in enumerate(OCCUPATIONS)}


def occupation_index(occupation_id: str) -> int:
    """Index of an occupation id in :data:`OCCUPATIONS`."""
    return _BY_ID[occupation_id]


def get(occupation_id: str) -> Occupation:
    """The occupation with this id."""
    return OCCUPATIONS[_BY_ID[occupation_id]]


def sizes_by_gender() -> np.ndarray:
    """Employed people by occupation and gender, rescaled to the AKU group totals.

    Returns
    -------
    numpy.ndarray of float, shape (n_occupations, 2)
        Column 0 men, column 1 women, in thousands. Within each major group the
        occupations' men and women are rescaled separately so the group's men and
        women equal SSB AKU 2016.
    """
    raw = np.array([[o.size_k * (1 - o.female), o.size_k * o.female] for o in OCCUPATIONS])
    groups = np.array([o.styrk[0] for o in OCCUPATIONS])
    out = raw.copy()
    for code, g in MAJOR_GROUPS.items():
        m = groups == code
        out[m, 0] *= g.men_k / raw[m, 0].sum()
        out[m, 1] *= g.women_k / raw[m, 1].sum()
    return out


def adjacency_matrix() -> np.ndarray:
    """``A[i, j]`` is True when occupation j is adjacent to (trainable for) occupation i.

    Returns
    -------
    numpy.ndarray of bool, shape (n_occupations, n_occupations)
    """
    n = len(OCCUPATIONS)
    a = np.zeros((n, n), dtype=bool)
    for i, o in enumerate(OCCUPATIONS):
        for other in o.adjacent:
            a[i, _BY_ID[other]] = True
    return a
