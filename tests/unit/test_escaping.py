"""Each literal reads back, through its language's own parser, as exactly the answer."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from extensions import escaping

TEXTS = [
    "plain",
    "",
    'It\'s "quoted" \\ $(touch x) `id` ${PATH}',
    "*anchor: value # comment",
    "!tag &a |lit >fold 'single' %dir @at [a, {b}]",
    "Café — Zürich 東京 ✓ 🚀",
    "{{ 7*7 }} {% raw %}",
]


@pytest.mark.parametrize("text", [*TEXTS, "tab\there", "line\nbreak", "nel\x85ls\u2028ps\u2029"])
def test_yaml_string_reads_back(text: str) -> None:
    assert yaml.safe_load(f"key: {escaping.yaml_string(text)}\nnext: 1\n") == {
        "key": text,
        "next": 1,
    }


@pytest.mark.parametrize("text", [*TEXTS, "line\nbreak"])
def test_json_string_reads_back_and_stays_readable(text: str) -> None:
    literal = escaping.json_string(text)
    assert json.loads(literal) == text
    assert "\\u" not in literal


def test_dockerfile_string_escapes_what_docker_reads() -> None:
    assert escaping.dockerfile_string('a "b" $HOME \\ `c`') == '"a \\"b\\" \\$HOME \\\\ `c`"'


@pytest.mark.parametrize("text", ["ops@example.com", "a-b_c.d/e:f,g+h=i%j"])
def test_plain_env_values_stay_bare(text: str) -> None:
    assert escaping.dotenv_value(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "'ops*{x}|!$HOME&touch${IFS}x@example.com",
        "|{ops}~^=+?#$%&/!`touch${IFS}x`@example.com",
        'say "hi" #not-a-comment',
        "~tilde *glob ?",
        "",
    ],
)
def test_env_values_read_back_in_bash(text: str) -> None:
    script = f'set -a\nV={escaping.dotenv_value(text)}\nprintf %s "$V"'
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert (result.stdout, result.stderr) == (text, "")


@pytest.mark.parametrize("text", ["o'p`s", "it's a \\ backslash", "ends with \\"])
def test_env_values_bash_and_compose_read_differently_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="into an env file"):
        escaping.dotenv_value(text)


@pytest.mark.parametrize(
    "escape", [escaping.dockerfile_string, escaping.dotenv_value, escaping.comment_text]
)
def test_one_line_languages_refuse_a_line_break(escape: object) -> None:
    with pytest.raises(ValueError, match=r"a line break \(U\+000A\)"):
        escape("a\nb")  # type: ignore[operator]


def test_comment_text_keeps_the_text() -> None:
    assert escaping.comment_text("Café # $(x) \\") == "Café # $(x) \\"
