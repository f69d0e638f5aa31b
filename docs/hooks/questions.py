"""MkDocs hook: writes the question reference, questions.md, from copier.yml at build time.

The page is made from the file copier itself reads, so it cannot drift from the questions.
Validators are described by the messages their functions in extensions/validation.py return,
read from the source (not imported: the docs build needs no template code to run).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

PAGE = "questions.md"
VALIDATION_MODULE = Path("extensions") / "validation.py"
# Question settings the page explains; any other setting a question has is listed as written.
EXPLAINED = {"type", "help", "default", "choices", "multiselect", "when", "validator", "secret"}
FILTER = re.compile(r"\|\s*([A-Za-z_]\w*)")

INTRO = """\
# The questions

Every question `copier copy` asks, in the order it asks them. This page is generated from
`copier.yml` each time the site is built, so it always matches the template.

Defaults written as `{{ ... }}` are Jinja expressions over the answers given before: copier
shows the rendered value as the proposed answer. Answer any question without a prompt with
`--data KEY=VALUE` (e.g. `copier copy --trust --data api_stack=fastapi ...`); change one later
with `copier update --trust --defaults --data KEY=VALUE`
([FAQ](faq.md#how-do-i-change-an-answer-later)).
Names, hosts, image names, ports and compose projects are derived from these answers, never
asked ([How it fits together](architecture.md#extensions-derived-values)); no question takes
a secret.
"""


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    root = Path(config.config_file_path).parent
    files.append(File.generated(config, PAGE, content=questions_page(root)))
    return files


def questions_page(root: Path) -> str:
    spec = yaml.safe_load((root / "copier.yml").read_text())
    questions = {key: value for key, value in spec.items() if not key.startswith("_")}
    messages = validator_messages((root / VALIDATION_MODULE).read_text())
    parts = [INTRO, summary_table(questions)]
    parts += [question_section(key, settings(value), messages) for key, value in questions.items()]
    return "\n".join(parts)


def settings(question: Any) -> dict[str, Any]:
    # copier accepts `key: value` as a question whose default is the value.
    return question if isinstance(question, dict) else {"default": question}


def summary_table(questions: dict[str, Any]) -> str:
    rows = ["| question | asks | default |", "|---|---|---|"]
    for key, question in questions.items():
        spec = settings(question)
        asks = str(spec.get("help", "")).replace("|", "\\|")
        rows.append(f"| [`{key}`](#{key}) | {asks} | {default_text(spec)} |")
    return "\n".join(rows) + "\n"


def question_section(key: str, spec: dict[str, Any], messages: dict[str, list[str]]) -> str:
    lines = [f"## `{key}` {{ #{key} }}", ""]
    if "help" in spec:
        lines += [str(spec["help"]), ""]
    lines.append(f"- **Type**: {type_text(spec)}")
    lines.append(f"- **Default**: {default_text(spec)}")
    if "when" in spec:
        lines.append(
            f"- **Asked only when** {code(spec['when'])} is true; otherwise skipped, and not "
            "recorded in `.copier-answers.yml`"
        )
    if spec.get("secret"):
        lines.append("- **Secret**: not recorded in `.copier-answers.yml`")
    if "choices" in spec:
        lines.append("- **Choices** (value: what the prompt shows):")
        lines += [f"    - {code(value)}: {label}" for label, value in choices(spec["choices"])]
    if "validator" in spec:
        lines += validator_lines(str(spec["validator"]), messages)
    lines += [
        f"- **{name}**: {code(value)}" for name, value in spec.items() if name not in EXPLAINED
    ]
    return "\n".join(lines) + "\n"


def type_text(spec: dict[str, Any]) -> str:
    kind = code(spec.get("type", "yaml"))
    return f"list of {kind}, several may be chosen" if spec.get("multiselect") else kind


def default_text(spec: dict[str, Any]) -> str:
    default = spec.get("default")
    if default is None:
        return "none"
    if isinstance(default, bool):
        return "yes" if default else "no"
    if isinstance(default, list):
        return ", ".join(code(item) for item in default)
    return code(default)


def choices(spec: Any) -> Iterator[tuple[str, Any]]:
    """(label, value) pairs from any of copier's forms: a mapping, pairs, or plain values."""
    if isinstance(spec, dict):
        yield from spec.items()
        return
    for choice in spec:
        if isinstance(choice, list) and len(choice) == 2:
            yield str(choice[0]), choice[1]
        else:
            yield str(choice), choice


def validator_lines(expression: str, messages: dict[str, list[str]]) -> list[str]:
    lines = [f"- **Validator**: {code(expression)}"]
    for name in FILTER.findall(expression):
        if refusals := messages.get(name):
            lines.append(f"    - refuses an answer, naming the problem (`{name}`):")
            lines += [f"        - {message}" for message in refusals]
    return lines


def validator_messages(source: str) -> dict[str, list[str]]:
    """Each module-level function's non-empty string results, placeholders shown as code."""
    found: dict[str, list[str]] = {}
    for function in ast.parse(source).body:
        if isinstance(function, ast.FunctionDef):
            returns = [node for node in ast.walk(function) if isinstance(node, ast.Return)]
            # ast.walk goes breadth-first: sort so the messages read in the order of the checks.
            returns.sort(key=lambda node: node.lineno)
            results = (message_text(node.value) for node in returns if node.value is not None)
            if texts := [text for text in results if text]:
                found[function.name] = texts
    return found


def message_text(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            code(ast.unparse(part.value))
            if isinstance(part, ast.FormattedValue)
            else message_text(part)
            for part in node.values
        )
    return ""


def code(value: Any) -> str:
    """An inline code span that holds any text, backticks included."""
    text = str(value)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"
