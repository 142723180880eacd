"""Record (or check) the golden run summaries that guard refactors.

Every bundled scenario x four strategies x two seeds on a small population. A refactor
that only moves code keeps these byte-identical; a change that means to alter the
numbers regenerates them with ``python tests/golden/record.py`` and says so in its
commit message.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
GOLDEN = HERE / "runs.json"
SCENARIOS = (
    "electrician-bergen",
    "employer-branding-then-hire",
    "nurse-nordland",
    "store-manager-oslo",
    "tiny",
    "truck-driver-norway",
)
STRATEGIES = ("broad", "interest", "job-title", "bandit")
SEEDS = (11, 12)
POPULATION = 4000


def cases() -> list[tuple[str, str, int]]:
    """Every (scenario, strategy, seed) that has a golden summary."""
    return [(sc, st, seed) for sc in SCENARIOS for st in STRATEGIES for seed in SEEDS]


def summary(scenario_name: str, strategy: str, seed: int) -> dict:
    """The run's JSON object (without wall time), as the CLI would write it."""
    import strategies
    from sim.model import run
    from sim.scenario import load_scenario

    scenario = load_scenario(scenario_name, overrides={"population.size": POPULATION})
    result = run(scenario, strategies.make(strategy), seed=seed)
    return json.loads(json.dumps(result.to_dict(), sort_keys=True))


def key(scenario_name: str, strategy: str, seed: int) -> str:
    return f"{scenario_name}|{strategy}|{seed}"


def main() -> None:
    out = {key(*c): summary(*c) for c in cases()}
    GOLDEN.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(out)} golden runs to {GOLDEN}", file=sys.stderr)


if __name__ == "__main__":
    main()
