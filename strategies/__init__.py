"""Targeting strategies: the contract, the registry and the built-ins."""

from strategies.base import Strategy
from strategies.registry import list_strategies, make, register

register("broad-v1", "strategies.broad:Broad", "location only on the social platforms")
register(
    "demographic-v1",
    "strategies.demographic:Demographic",
    "the occupation's typical age band and majority sex, where policy allows",
)
register(
    "interest-v1",
    "strategies.interest:Interest",
    "interests typical of the occupation from the platform's catalogue",
)
register(
    "job-title-v1",
    "strategies.job_title:JobTitle",
    "declared job titles on LinkedIn-like platforms and job-board profiles",
)
register("lookalike-v1", "strategies.lookalike:Lookalike")
register("retargeting-v1", "strategies.retargeting:Retargeting")
register("platform-optimized-v1", "strategies.platform_optimized:PlatformOptimized")
register("multichannel-v1", "strategies.multichannel:Multichannel")
register("bandit-v1", "strategies.bandit:Bandit")
register("dayparting-v1", "strategies.dayparting:Dayparting")
register("exclusion-v1", "strategies.exclusion:Exclusion")
register("adjacent-skills-v1", "strategies.adjacent_skills:AdjacentSkills")
register("branding-then-hire-v1", "strategies.branding:BrandingThenHire")

__all__ = ["Strategy", "list_strategies", "make", "register"]
