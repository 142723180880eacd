"""The ad creative: a small public type shared by the scenario schema and the ad sets.

It lives in its own module so that the public types (:mod:`sim.campaign`) do not import
the scenario loader. Field metadata (``doc``, ``unit``, ``choices``, ``min``, ``max``) is
what the scenario loader validates and documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Creative:
    """The ad's creative as the platform's classifier and people perceive it."""

    image: str = field(
        default="neutral",
        metadata={
            "doc": "who or what the image shows",
            "unit": "",
            "choices": ("neutral", "man", "woman", "male-stereotyped", "female-stereotyped"),
        },
    )
    message: str = field(
        default="job-ad",
        metadata={
            "doc": "'job-ad' (a vacancy), 'career-change' (invites people from other trades) or "
            "'employer-brand' (the employer, no vacancy: builds awareness, few clicks)",
            "unit": "",
            "choices": ("job-ad", "career-change", "employer-brand"),
        },
    )
    appeal: float = field(
        default=1.0,
        metadata={
            "doc": "multiplier on click probability for the creative's general quality (estimate)",
            "unit": "factor",
            "min": 0.1,
            "max": 3.0,
        },
    )
