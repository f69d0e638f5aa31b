"""The matrix itself: it must exercise every choice copier.yml offers."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from tests.answers import (
    API_STACKS,
    BACKUP_TARGETS,
    ENVIRONMENT_SETS,
    MATRIX,
    QUESTIONS,
    WEB_FRONTENDS,
    combination_id,
)


def _chosen_values(question: str) -> set[str]:
    values: set[str] = set()
    for answers in MATRIX:
        value = answers.get(question)
        if isinstance(value, list):
            values.update(value)
        elif value is not None:
            values.add(str(value))
    return values


def test_every_choice_of_every_question_is_rendered() -> None:
    for name, question in QUESTIONS.items():
        choices = question.get("choices")
        if not choices:
            continue
        offered = {str(value) for value in choices.values()}
        missing = offered - _chosen_values(name)
        assert not missing, f"no matrix row answers {name} with {sorted(missing)}"


def test_every_boolean_question_is_rendered_both_ways() -> None:
    booleans = [name for name, question in QUESTIONS.items() if question.get("type") == "bool"]
    assert booleans, "copier.yml has no yes/no questions?"
    for name in booleans:
        assert {answers[name] for answers in MATRIX} == {True, False}, name


Getter = Callable[[dict[str, Any]], object]


def _backup(answers: dict[str, Any]) -> str:
    return str(answers.get("backup_target")) if answers["use_backups"] else "off"


SHAPE_DIMENSIONS: dict[str, tuple[Sequence[object], Getter]] = {
    "api_stack": (API_STACKS, lambda a: a["api_stack"]),
    "web_frontend": (WEB_FRONTENDS, lambda a: a["web_frontend"]),
    "environments": (ENVIRONMENT_SETS, lambda a: tuple(a["environments"])),
    "backup_target": (BACKUP_TARGETS, _backup),
}


def test_every_pair_of_the_shape_dimensions_is_rendered() -> None:
    for (name_a, (values_a, get_a)), (name_b, (values_b, get_b)) in itertools.combinations(
        SHAPE_DIMENSIONS.items(), 2
    ):
        seen = {(get_a(answers), get_b(answers)) for answers in MATRIX}
        for pair in itertools.product(values_a, values_b):
            assert pair in seen, f"no row with {name_a}={pair[0]} and {name_b}={pair[1]}"


def test_combination_ids_are_unique() -> None:
    ids = [combination_id(answers) for answers in MATRIX]
    assert len(ids) == len(set(ids))
