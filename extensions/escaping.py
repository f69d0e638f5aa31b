"""Write an answer as a literal of the language of the file it lands in.

Pure functions, registered as Jinja filters in hooks.py and applied where an answer is
interpolated: each returns a complete literal (quotes included) that the file's own parser
reads back as exactly the given text, so an answer is data wherever it lands, never syntax or
code. The validators already refuse control characters in every answer; a value no literal of
the language can hold on one line is refused here too, rather than written half-escaped.

Answers constrained to a safe alphabet by their validators (slug, domain, GitHub owner, and
every name derived from them) need none of this; see validation.py.
"""

from __future__ import annotations

import json
import re

from . import validation

# YAML's printable characters (YAML 1.2, c-printable) minus its line breaks (x85, x2028,
# x2029 and CR/LF, which fold inside a quoted scalar) and tab (kept out for readability).
_YAML_VERBATIM = re.compile(
    r"[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
# Read the same, unquoted, by bash (`set -a; . FILE`) and docker compose (compose-go's
# dotenv): no quote, blank, $, `, \, #, ~, glob or shell operator.
_DOTENV_BARE = re.compile(r"[A-Za-z0-9@%+=:,./_-]*")


def _refuse_control_characters(value: str, language: str) -> None:
    if problem := validation.control_character_problem(value, "value"):
        raise ValueError(f"Cannot write this answer into {language}: {problem}")


def yaml_string(value: object) -> str:
    """A YAML double-quoted scalar: YAML's specials (`: `, `#`, a leading `*&!|>'"%@` ...)
    are plain characters inside it, and `\\` and `"` are escaped."""
    out = []
    for char in str(value):
        if char in '\\"':
            out.append("\\" + char)
        elif _YAML_VERBATIM.fullmatch(char):
            out.append(char)
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def json_string(value: object) -> str:
    """A JSON string (also a TypeScript/JavaScript string literal). Unlike Jinja's `tojson`,
    which escapes <, >, & and ' for HTML, the text stays readable in the file."""
    return json.dumps(str(value), ensure_ascii=False)


def dockerfile_string(value: object) -> str:
    """A double-quoted Dockerfile word (LABEL, ENV): a backslash escapes `"`, `$` and itself;
    an unescaped $ would expand a build variable. A Dockerfile word has no escape for a line
    break, so one is refused."""
    text = str(value)
    _refuse_control_characters(text, "a Dockerfile")
    return '"' + re.sub(r'([\\"$])', r"\\\1", text) + '"'


def dotenv_value(value: object) -> str:
    """The value of a `KEY=VALUE` line of an env file, read as exactly `value` by both of its
    readers: docker compose (--env-file, env_file) and bash sourcing it (`set -a; . FILE`).

    Plain values stay bare, so common ones (ops@example.com) read as before. Others are
    single-quoted: literal to both, but compose reads \\' as ' and cannot end a value with \\.
    A value holding ' is double-quoted with " and $ escaped; there the two readers part on a
    backslash or a backquote (bash drops the escaping backslash, compose keeps it, and an
    unescaped backquote runs a command in bash), so such a value is refused: no line of an env
    file reads the same in both. (python-dotenv reads only the local .env, where no answer
    lands, and expands ${...} even in single quotes.)
    """
    text = str(value)
    _refuse_control_characters(text, "an env file")
    if _DOTENV_BARE.fullmatch(text):
        return text
    if "'" not in text and not text.endswith("\\"):
        return f"'{text}'"
    if "'" in text and not any(char in text for char in "\\`"):
        return '"' + re.sub(r'(["$])', r"\\\1", text) + '"'
    raise ValueError(
        f"Cannot write {text!r} into an env file: with a single quote and a backslash or a "
        "backquote, bash and docker compose read any line of it differently."
    )


def comment_text(value: object) -> str:
    """Text for a `#` comment line (Makefile, env file, shell, YAML): a comment ends at the
    line break, so the text must not hold one, or what follows it becomes code."""
    text = str(value)
    _refuse_control_characters(text, "a comment")
    return text
