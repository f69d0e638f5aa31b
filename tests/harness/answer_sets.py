"""Which generated projects the runtime layer builds, starts and checks against the contract.

A stack joins the runtime layer by adding its name to RUNTIME_STACKS: every answer set is
then rendered for it, its make targets run, and tests/contract runs against its API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# "fastapi" joins once its stack renders.
RUNTIME_STACKS: tuple[str, ...] = ("nestjs", "fastapi")

# Answers shared by every runtime project: one environment keeps the render small; the
# features that only add infrastructure files stay off, they change nothing in the API.
COMMON_ANSWERS: dict[str, Any] = {
    "web_frontend": "none",
    "environments": ["staging", "production"],
    "use_monitoring": False,
    "use_backups": False,
    "use_iac": False,
}

# The two ends of what changes the API's behaviour: every toggle on, every toggle off.
# The web front end comes with every feature: its make targets then run in each stack's
# project, and tests/runtime/test_web_frontend.py starts it.
ANSWER_SETS: dict[str, dict[str, Any]] = {
    "all-features": {
        "use_auth": True,
        "use_cache": True,
        "use_sentry": True,
        "web_frontend": "nextjs",
    },
    "no-features": {"use_auth": False, "use_cache": False, "use_sentry": False},
}

# Make targets the workflows layer runs for an answer set, which the runtime layer then leaves
# out: act runs ci.yml's check job (`make install lint typecheck migrate test`) for each stack
# on the defaults with the front end (tests/workflows/test_ci_under_act.py), every feature
# on: the same API and front end as "all-features", plus infrastructure files that only add
# to what those targets check. Running them here too would do the same work twice.
RUN_BY_THE_WORKFLOWS_LAYER: dict[str, tuple[str, ...]] = {
    "all-features": ("lint", "typecheck", "test"),
}


@dataclass(frozen=True)
class RuntimeCase:
    """One generated project under test: a stack and a named answer set."""

    stack: str
    answer_set: str
    answers: dict[str, Any] = field(compare=False, hash=False)

    @property
    def id(self) -> str:
        return f"{self.stack}-{self.answer_set}"

    @property
    def use_auth(self) -> bool:
        return bool(self.answers["use_auth"])

    @property
    def has_web(self) -> bool:
        return bool(self.answers["web_frontend"] == "nextjs")

    def runs_here(self, target: str) -> bool:
        """Whether the runtime layer runs make `target` for this case (else act does)."""
        return target not in RUN_BY_THE_WORKFLOWS_LAYER.get(self.answer_set, ())


def runtime_cases() -> list[RuntimeCase]:
    cases = []
    for stack in RUNTIME_STACKS:
        for name, toggles in ANSWER_SETS.items():
            answers = {
                "project_name": f"Runtime {stack} {name}",
                "api_stack": stack,
                **COMMON_ANSWERS,
                **toggles,
            }
            cases.append(RuntimeCase(stack, name, answers))
    return cases


RUNTIME_CASES = runtime_cases()
