"""The commands a generated project's docs tell the reader to run, and whether they exist.

A runbook is read at the worst moment: a command it names that the project does not have
(a make target of another answer set, a script option that was renamed) costs minutes nobody
has. This module reads README.md and docs/**/*.md of a rendered project, extracts every
command from shell code blocks (```sh, bash, shell, console) and from inline code spans, and
checks the ones that start with `make` or `scripts/` against the project itself:

- `make [VAR=value ...] TARGET ... [VAR=value ...]`: every TARGET is a rule of the Makefile
  (of the `-C` folder when given) that does more than refuse; `VAR=value` words are
  assignments, not targets.
- `scripts/NAME ...` (also `./scripts/NAME`, `bash scripts/NAME`): the file exists and is
  executable (a library under scripts/lib/ only has to exist), and every long option
  (`--name`, `--name=value`) appears in the script's text, where its usage and option
  parsing live.
- `dc exec [-T] backup NAME ...`, the backup runbook's shorthand for a command in the backup
  container: NAME is one of the scripts infra/backup/Dockerfile copies from scripts/, and is
  checked as `scripts/NAME` (same file, same options).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SHELL_FENCES = {"sh", "bash", "shell", "console", "shell-session"}
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)")
INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
# <image tag>, <environment>: placeholders the reader replaces; one word, whatever they hold.
PLACEHOLDER = re.compile(r"<[A-Za-z][^<>\n]*>")
COMMAND_SUBSTITUTION = re.compile(r"\$\(([^()]*)\)")
HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")
PUNCTUATION = ";&|()<>"
REDIRECTIONS = {"<", ">", ">>", ">&", "<&", "&>", "&>>", "<<<", "<>", ">|"}
# Words that run the command after them (or are shell syntax before it).
PREFIXES = {"sudo", "bash", "sh", "exec", "time", "{", "}", "!", "then", "do", "else"}
# make options that take the next word as their value.
MAKE_OPTIONS_WITH_VALUE = {"-C", "-f", "-I", "-o", "-W", "--file", "--directory"}
RULE = re.compile(r"^([^\s:#=$][^:#=]*?)\s*::?(?!=)")
REFUSAL = re.compile(r"\bexit [1-9][0-9]*\s*$")


@dataclass(frozen=True)
class Command:
    where: str  # file:line
    words: tuple[str, ...]

    def __str__(self) -> str:
        return " ".join(self.words)


@dataclass
class Checked:
    commands: int = 0
    make_targets: int = 0
    scripts: int = 0
    options: int = 0


def markdown_files(project: Path) -> list[Path]:
    docs = sorted((project / "docs").rglob("*.md")) if (project / "docs").is_dir() else []
    readme = project / "README.md"
    return ([readme] if readme.is_file() else []) + docs


def command_texts(markdown: str) -> Iterator[tuple[int, str]]:
    """(line number, text) of each shell line of a code block and each inline code span."""
    prose: list[tuple[int, str]] = []
    fence: tuple[str, str] | None = None  # (fence marker, language) while inside a block
    heredoc_end: str | None = None
    pending = ""
    for number, line in enumerate(markdown.splitlines(), start=1):
        if fence is None:
            if match := FENCE.match(line):
                fence = (match.group(1), match.group(2).lower())
            else:
                prose.append((number, line))
            continue
        stripped = line.strip()
        marker, language = fence
        if stripped.startswith(marker[0] * len(marker)) and not stripped.strip(marker[0]):
            fence, heredoc_end, pending = None, None, ""
            prose.append((number, ""))
            continue
        prose.append((number, ""))
        if language not in SHELL_FENCES:
            continue
        if heredoc_end is not None:
            # A here-document's lines are data (an ssh config, SQL), not commands.
            if stripped == heredoc_end:
                heredoc_end = None
            continue
        if language in {"console", "shell-session"}:
            # Only prompt lines are commands; the rest is what they print.
            if not stripped.startswith(("$ ", "# ")):
                continue
            stripped = stripped[2:]
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        text, pending = pending + stripped, ""
        if heredoc := HEREDOC.search(text):
            heredoc_end = heredoc.group(2)
        yield number, text
    # Inline spans may wrap across lines of a paragraph: search the prose as one text.
    joined = "\n".join(line for _, line in prose)
    starts = [number for number, _ in prose]
    for match in INLINE_CODE.finditer(joined):
        line_index = joined.count("\n", 0, match.start())
        yield starts[line_index], match.group(2).replace("\n", " ")


def split_words(text: str) -> list[list[str]]:
    """The simple commands of a shell line, each as its words, with comments removed."""
    text = PLACEHOLDER.sub("PLACEHOLDER", text)
    inner: list[str] = []
    # Innermost first: `$(cat .deploy/ENV/current)` is a command of its own and one word.
    while match := COMMAND_SUBSTITUTION.search(text):
        inner.append(match.group(1))
        text = text[: match.start()] + "SUBSTITUTION" + text[match.end() :]
    lexer = shlex.shlex(text, posix=True, punctuation_chars=PUNCTUATION)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        tokens = list(lexer)
    except ValueError:
        # An unbalanced quote in a prose span: its words are still worth checking.
        tokens = text.split()
    commands: list[list[str]] = [[]]
    skip_next = False
    for token in tokens:
        if skip_next:
            skip_next = False
        elif token in REDIRECTIONS or token in {"<<", "<<-"}:
            skip_next = True  # the file (or here-document delimiter) after it
            if commands[-1] and commands[-1][-1].isdigit():
                commands[-1].pop()  # 2>&1: the descriptor number
        elif not token.strip(PUNCTUATION):
            # shlex joins a run of operator characters into one token: `()`, `);`, `&&`.
            commands.append([])
        else:
            commands[-1].append(token)
    for nested in inner:
        commands += split_words(nested)
    return [words for words in commands if words]


def strip_prefixes(words: list[str]) -> list[str]:
    """Drop `VAR=value` assignments, sudo, bash and shell keywords before the command."""
    index = 0
    while index < len(words):
        word = words[index]
        if re.match(r"^[A-Za-z_]\w*=", word) or word in PREFIXES:
            index += 1
        elif word.startswith("-") and index and words[index - 1] == "sudo":
            index += 1  # sudo -E
        else:
            break
    return words[index:]


def is_checked(words: list[str]) -> bool:
    first = words[0] if words else ""
    return first == "make" or first.startswith(("scripts/", "./scripts/")) or first == "dc"


def commands_of(project: Path) -> list[Command]:
    """Every make, scripts/ and `dc exec backup` command the project's Markdown names."""
    found: list[Command] = []
    for path in markdown_files(project):
        relative = path.relative_to(project)
        for number, text in command_texts(path.read_text()):
            for words in split_words(text):
                words = strip_prefixes(words)
                if is_checked(words):
                    found.append(Command(f"{relative}:{number}", tuple(words)))
    return found


def make_targets(makefile: Path) -> dict[str, bool]:
    """Names a rule of the Makefile defines (`name:`, `a b:`; not `X := value`), each with
    whether it really does something: a rule whose whole recipe is one command ending in
    `exit N` only refuses (`backup restore:` in a project without backups says how to turn
    them on), and a runbook must not send the reader there."""
    targets: dict[str, bool] = {}
    lines = makefile.read_text().splitlines()
    for index, line in enumerate(lines):
        if not (match := RULE.match(line)):
            continue
        recipe = []
        for following in lines[index + 1 :]:
            if not following.startswith("\t"):
                break
            recipe.append(following)
        refuses = len(recipe) == 1 and "||" not in recipe[0] and bool(REFUSAL.search(recipe[0]))
        for name in match.group(1).split():
            if not name.startswith("."):
                targets[name] = not refuses
    return targets


def backup_image_scripts(project: Path) -> set[str]:
    """Names of the scripts the backup image copies from scripts/ (run there by `dc exec`)."""
    dockerfile = project / "infra" / "backup" / "Dockerfile"
    if not dockerfile.is_file():
        return set()
    names: set[str] = set()
    for line in dockerfile.read_text().splitlines():
        if line.startswith("COPY "):
            names.update(
                word.removeprefix("scripts/")
                for word in line.split()[1:-1]
                if word.startswith("scripts/") and "/" not in word.removeprefix("scripts/")
            )
    return names


class Checker:
    """Checks the commands of one project; `problems` says what is wrong, and where."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.problems: list[str] = []
        self.checked = Checked()
        self._targets: dict[Path, dict[str, bool]] = {}
        self._in_backup_image = backup_image_scripts(project)

    def check(self, commands: list[Command]) -> None:
        for command in commands:
            words = list(command.words)
            if words[0] == "make":
                self._check_make(command, words[1:])
            elif words[0] == "dc":
                self._check_backup_exec(command, words[1:])
            else:
                self._check_script(command, words[0].removeprefix("./"), words[1:])

    def _problem(self, command: Command, what: str) -> None:
        self.problems.append(f"{command.where}: `{command}`: {what}")

    def _check_make(self, command: Command, arguments: list[str]) -> None:
        folder, targets, index = self.project, [], 0
        while index < len(arguments):
            word = arguments[index]
            if word in MAKE_OPTIONS_WITH_VALUE:
                if word in {"-C", "--directory"} and index + 1 < len(arguments):
                    folder = folder / arguments[index + 1]
                index += 2
                continue
            if word.startswith("--directory="):
                folder = folder / word.split("=", 1)[1]
            elif not word.startswith("-") and "=" not in word:
                targets.append(word)
            index += 1
        self.checked.commands += 1
        makefile = folder / "Makefile"
        if not makefile.is_file():
            self._problem(command, f"no Makefile in {folder.relative_to(self.project) or '.'}")
            return
        if makefile not in self._targets:
            self._targets[makefile] = make_targets(makefile)
        for target in targets:
            if "$" in target or "SUBSTITUTION" in target:
                continue  # chosen at run time: nothing to check
            self.checked.make_targets += 1
            where = makefile.relative_to(self.project)
            if target not in self._targets[makefile]:
                self._problem(command, f"`{target}` is not a target of {where}")
            elif not self._targets[makefile][target]:
                self._problem(command, f"`{target}` only refuses in {where} (one `exit` line)")

    def _check_backup_exec(self, command: Command, arguments: list[str]) -> None:
        # dc exec [-T] backup NAME ...: only NAMEs the image copies from scripts/ are ours.
        words = [word for word in arguments if word != "-T"]
        if len(words) < 3 or words[:2] != ["exec", "backup"]:
            return
        if words[2] in self._in_backup_image:
            self._check_script(command, f"scripts/{words[2]}", words[3:])

    def _check_script(self, command: Command, name: str, arguments: list[str]) -> None:
        self.checked.commands += 1
        self.checked.scripts += 1
        path = self.project / name
        if not path.is_file():
            self._problem(command, f"{name} does not exist in this project")
            return
        if name.startswith("scripts/lib/"):
            return  # a library the scripts source, named as a file to read: it need not run
        if not os.access(path, os.X_OK):
            self._problem(command, f"{name} is not executable")
        text = path.read_text()
        for word in arguments:
            if word == "--":
                break  # what follows goes to another program
            if not word.startswith("--"):
                continue
            option = word.split("=", 1)[0]
            self.checked.options += 1
            if not re.search(re.escape(option) + r"(?![\w-])", text):
                self._problem(command, f"{name} knows no option {option}")


def check_project(project: Path) -> Checker:
    checker = Checker(project)
    checker.check(commands_of(project))
    return checker
