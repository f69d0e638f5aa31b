"""The template's documentation site builds with every check on, and those checks can fail.

`mkdocs build --strict` must pass (mkdocs.yml raises broken links and anchors and pages left
out of the nav to warnings, which strict turns into errors). The questions page, written at
build time by docs/hooks/questions.py, must list every question of copier.yml with its help:
copier.yml is read here on its own, not through the hook. Copies of the docs with one fault
each show that the build refuses them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.paths import COPIER_YML, ROOT, VENV_BIN
from tests.report import record

MKDOCS_YML = ROOT / "mkdocs.yml"
DOCS = ROOT / "docs"
# Everything a build reads: the config, the pages, the changelog changelog.md includes, and
# what the questions hook reads.
BUILD_INPUTS = ("mkdocs.yml", "docs", "CHANGELOG.md", "copier.yml", "extensions")
# In the nav but not in docs/: written by the hook.
GENERATED_PAGES = {"questions.md"}
# page to change, text appended to it, what the build's output must name
FAULTS = {
    "broken link": ("index.md", "\n[gone](no-such-page.md)\n", "no-such-page.md"),
    "broken anchor": ("index.md", "\n[gone](testing.md#no-such-section)\n", "no-such-section"),
    "page left out of the nav": ("orphan.md", "# Orphan\n", "orphan.md"),
}


def build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "mkdocs"), "build", "--strict", "-f", str(config), "-d", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
        # Material's end-of-life notice, printed on every build, is not a build warning.
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    result = build(MKDOCS_YML, site)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    record(f"lint: docs site built with --strict ({len(list(site.rglob('*.html')))} pages)")
    return site


class ArticleText(HTMLParser):
    """The text of a page's <article>, the content without navigation."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article" or self.depth:
            self.depth += tag == "article"

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def article_text(html: str) -> str:
    parser = ArticleText()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


def test_the_site_builds_strict(site: Path) -> None:
    assert (site / "index.html").is_file()


def test_the_questions_page_lists_every_question_with_its_help(site: Path) -> None:
    spec = yaml.safe_load(COPIER_YML.read_text())
    questions: dict[str, Any] = {k: v for k, v in spec.items() if not k.startswith("_")}
    html = (site / "questions" / "index.html").read_text()
    text = article_text(html)
    problems = []
    for key, question in questions.items():
        if f'id="{key}"' not in html:
            problems.append(f"{key}: no section")
        if " ".join(str(question["help"]).split()) not in text:
            problems.append(f"{key}: help text missing")
        choices = question.get("choices", {})
        values = choices.values() if isinstance(choices, dict) else choices
        problems += [f"{key}: choice {v!r} missing" for v in values if str(v) not in text]
    assert not problems, "\n".join(problems)
    record(f"lint: questions page lists all {len(questions)} questions of copier.yml")


class ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml for its nav, ignoring the tags only mkdocs resolves."""


ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda *_: None)
ConfigLoader.add_constructor("!relative", lambda *_: None)


def nav_pages(entries: list[Any]) -> Iterator[str]:
    for entry in entries:
        targets = entry.values() if isinstance(entry, dict) else [entry]
        for target in targets:
            if isinstance(target, list):
                yield from nav_pages(target)
            elif "://" not in target:
                yield target


def test_every_page_is_in_the_nav() -> None:
    # A page missing from the nav is only an INFO line to mkdocs by default: check it here too.
    config = yaml.load(MKDOCS_YML.read_text(), Loader=ConfigLoader)
    in_nav = set(nav_pages(config["nav"]))
    on_disk = {
        page.relative_to(DOCS).as_posix()
        for page in DOCS.rglob("*.md")
        if "hooks" not in page.relative_to(DOCS).parts
    }
    assert not on_disk - in_nav, f"pages not in the nav of mkdocs.yml: {sorted(on_disk - in_nav)}"
    assert not in_nav - on_disk - GENERATED_PAGES, f"nav names no page: {in_nav - on_disk}"


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_in_the_docs_fails_the_build(fault: str, tmp_path: Path) -> None:
    page, addition, named = FAULTS[fault]
    copy = tmp_path / "repo"
    for name in BUILD_INPUTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            copy.mkdir(exist_ok=True)
            shutil.copy2(source, copy / name)
    target = copy / "docs" / page
    target.write_text((target.read_text() if target.exists() else "") + addition)

    result = build(copy / "mkdocs.yml", tmp_path / "site")

    assert result.returncode != 0, f"a {fault} passed the strict build"
    # The failure must be this fault, not a copy missing something the build reads.
    assert named in result.stderr, result.stderr
