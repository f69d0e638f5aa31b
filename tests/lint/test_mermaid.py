"""The pictures of every generated project's docs: Mermaid that GitHub can draw, and true.

Every ```mermaid block of every Markdown file of every rendered answer set is parsed by
mermaid itself (each distinct diagram once); the container diagrams are also held to the
compose files they draw (tests/lint/compose_diagram.py).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.conftest import RenderedProject
from tests.lint.compose_diagram import compose_services, diagram_problems, parse_flowchart
from tests.lint.mermaid_parser import mermaid_blocks, parse
from tests.rendering import project_files
from tests.report import record

# The pictures each project must have: (document, diagram type mermaid reports, condition).
EXPECTED = (
    ("docs/containers-and-edge.md", "flowchart-v2", lambda answers: True),
    ("docs/runbooks/deploy-and-rollback.md", "sequence", lambda answers: True),
    (
        "docs/runbooks/backup-and-restore.md",
        "flowchart-v2",
        lambda answers: answers["use_backups"],
    ),
)


def markdown_diagrams(project: Path) -> dict[str, list[str]]:
    """Diagrams by Markdown file (relative path) of one project."""
    found = {}
    for relative in project_files(project):
        if relative.suffix != ".md":
            continue
        text = (project / relative).read_text()
        blocks = mermaid_blocks(text)
        # A fence the extraction misses (indented, say) would go unchecked: refuse it.
        assert text.count("```mermaid") == len(blocks), f"{relative}: a mermaid fence not read"
        if blocks:
            found[str(relative)] = blocks
    return found


def test_every_diagram_parses(rendered_matrix: list[RenderedProject]) -> None:
    labels: dict[str, list[str]] = {}
    problems = []
    for project in rendered_matrix:
        diagrams = markdown_diagrams(project.path)
        for document, _, wanted in EXPECTED:
            if wanted(project.answers) and document not in diagrams:
                problems.append(f"{project.id}: {document} has no diagram")
        for document, blocks in diagrams.items():
            for index, block in enumerate(blocks, start=1):
                labels.setdefault(block, []).append(f"{project.id}/{document} #{index}")
    assert labels, "no project has a diagram"
    distinct = list(labels)
    results = parse(distinct)
    types = Counter(result.diagram_type for result in results if result.diagram_type)
    record(
        f"lint: mermaid parsed {len(distinct)} distinct diagrams of "
        f"{sum(len(where) for where in labels.values())} rendered "
        f"({', '.join(f'{count} {kind}' for kind, count in sorted(types.items()))})"
    )
    for block, result in zip(distinct, results, strict=True):
        if result.error:
            where = ", ".join(labels[block][:3])
            problems.append(f"{where}: {result.error}\n{block}")
    # Each document's first picture is the kind promised (a flowchart of containers, ...).
    for project in rendered_matrix:
        diagrams = markdown_diagrams(project.path)
        for document, kind, wanted in EXPECTED:
            if wanted(project.answers) and document in diagrams:
                first = results[distinct.index(diagrams[document][0])]
                if first.diagram_type != kind:
                    problems.append(f"{project.id}/{document}: {first.diagram_type}, not {kind}")
    assert not problems, "\n\n".join(problems)


def test_the_parser_refuses_a_broken_diagram() -> None:
    good = "flowchart LR\n  api -->|backend| postgres[(postgres)]"
    broken_flowchart = "flowchart LR\n  api[x(y)] --> postgres"
    broken_sequence = "sequenceDiagram\n  deploy->>: pull"
    results = parse([good, broken_flowchart, broken_sequence, "not a diagram"])
    assert results[0].error is None
    assert results[0].diagram_type == "flowchart-v2"
    assert all(result.error for result in results[1:]), results


def test_container_diagrams_draw_the_compose_files(rendered_matrix: list[RenderedProject]) -> None:
    problems = []
    edges = 0
    for project in rendered_matrix:
        document = project.path / "docs" / "containers-and-edge.md"
        charts = [parse_flowchart(block) for block in mermaid_blocks(document.read_text())]
        edges += sum(len(chart.edges) for chart in charts)
        services = compose_services(project.path)
        problems += [f"{project.id}: {problem}" for problem in diagram_problems(charts, services)]
    record(f"lint: container diagrams of {len(rendered_matrix)} projects, {edges} arrows checked")
    assert not problems, "\n".join(problems)


COMPOSE = """\
services:
  api: {networks: [edge, backend]}
  postgres: {networks: [backend], volumes: ["postgres-data:/var/lib/postgresql/data"]}
  traefik: {networks: [edge], volumes: ["./infra/traefik:/etc/traefik:ro"]}
"""


def test_a_diagram_that_drifts_from_compose_is_refused(tmp_path: Path) -> None:
    (tmp_path / "compose.prod.yaml").write_text(COMPOSE)
    services = compose_services(tmp_path)
    assert services["postgres"].volumes == {"postgres-data"}
    assert services["traefik"].volumes == set()
    good = parse_flowchart(
        "flowchart LR\n  client([client])\n  client --> traefik\n"
        '  traefik -->|"edge: Host"| api\n  api -->|backend| postgres\n  class client outside'
    )
    assert diagram_problems([good], services) == []
    drifted = parse_flowchart(
        "flowchart LR\n  traefik -->|backend| api\n  api --> cache\n  api ==> postgres ==> x"
    )
    assert diagram_problems([drifted], services) == [
        "line not understood: api ==> postgres ==> x",
        "node cache is no compose service and not in class outside",
        "traefik -> api: labelled 'backend', but the networks they share are ['edge']",
        "compose services missing from the pictures: ['postgres']",
    ]
