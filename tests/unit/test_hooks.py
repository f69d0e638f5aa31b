"""The Jinja side: filters and the context hook, loaded the way copier loads them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from copier import run_copy
from copier_template_extensions import TemplateExtensionLoader
from jinja2 import Environment, FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment
from plumbum import local

from tests.paths import ROOT
from tests.template_repo import git

HOOKS = "extensions/hooks.py"


@pytest.fixture
def env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(ROOT)),
        extensions=[
            TemplateExtensionLoader,
            f"{HOOKS}:ShipshapeFilters",
            f"{HOOKS}:DerivedContext",
        ],
    )


def render(env: Environment, source: str, **context: Any) -> str:
    # copier's context always carries _copier_conf; the hook only runs when it is there.
    return env.from_string(source).render(_copier_conf={}, **context)


def test_filters_are_registered(env: Environment) -> None:
    assert render(env, "{{ 'Acme Shop' | slugify }}") == "acme-shop"
    assert render(env, "{{ 'staging' | env_host('api', 'acme.io') }}") == "api.staging.acme.io"
    assert render(env, "{{ 'api' | image_name('Acme', 'shop') }}") == "ghcr.io/acme/shop-api"


def test_validator_filters_return_empty_or_the_problem(env: Environment) -> None:
    assert render(env, "{{ 'example.com' | domain_problem }}") == ""
    assert "no dot" in render(env, "{{ 'localhost' | domain_problem }}")
    assert "sold only" in render(env, "{{ 'cx23' | server_type_problem('hil') }}")


def test_context_hook_adds_derived_values(env: Environment) -> None:
    output = render(
        env,
        "{{ derived.hosts.production.api }} {{ derived.compose_projects.staging }}",
        project_slug="shop",
        domain="acme.io",
        environments=["staging", "production"],
    )
    assert output == "api.acme.io shop-staging"


def test_each_template_checkout_uses_its_own_extension_code(tmp_path: Path) -> None:
    # An update renders an old and a new version of the template in one process: each must
    # run its own naming code, not whichever version Python imported first.
    outputs = []
    for version, prefix in (("old", "api"), ("new", "gateway")):
        checkout = tmp_path / version
        shutil.copytree(ROOT / "extensions", checkout / "extensions")
        naming = checkout / "extensions" / "naming.py"
        source = naming.read_text().replace('f"{service}.', f'f"{prefix}-{{service}}.')
        naming.write_text(source)
        env = Environment(
            loader=FileSystemLoader(str(checkout)),
            extensions=[TemplateExtensionLoader, f"{HOOKS}:DerivedContext"],
        )
        context = {"domain": "acme.io", "environments": ["production"]}
        outputs.append(render(env, "{{ derived.hosts.production.api }}", **context))
    assert outputs == ["api-api.acme.io", "gateway-api.acme.io"]


def cache_counting_compiles(env: Environment) -> list[str]:
    """Add CompiledTemplateCache to `env`; the list fills with every source Jinja compiles."""
    compiled: list[str] = []
    compile_fresh = env.from_string

    def counting(source: Any, globals: Any = None, template_class: Any = None) -> Any:
        compiled.append(source)
        return compile_fresh(source, globals, template_class)

    env.from_string = counting  # type: ignore[method-assign]
    env.add_extension(f"{HOOKS}:CompiledTemplateCache")
    return compiled


def test_compiled_templates_are_reused_but_render_each_context() -> None:
    env = Environment(loader=FileSystemLoader(str(ROOT)), extensions=[TemplateExtensionLoader])
    compiled = cache_counting_compiles(env)
    source = "{% if stack == 'nestjs' %}api{% endif %}"
    outputs = [env.from_string(source).render(stack=stack) for stack in ("nestjs", "fastapi")]
    assert outputs == ["api", ""]
    assert compiled == [source], "the second use must not compile again"


def test_derived_values_follow_the_answers_of_each_render(env: Environment) -> None:
    # Derived once per set of answers: a render with other answers never sees stale values.
    source = "{{ derived.slug }} {{ derived.api_variables | length }} {{ derived.environments }}"
    outputs = [
        render(env, source, project_slug="shop", environments=["staging"]),
        render(env, source, project_slug="shop", environments=["staging"], use_auth=False),
        render(env, source, project_slug="mall", environments=["staging"]),
        render(env, source, project_slug="shop", environments=("staging", "production")),
        render(env, source, project_slug="shop", environments=["staging"]),
    ]
    assert outputs == [
        "shop 22 ['local', 'staging']",
        "shop 19 ['local', 'staging']",
        "mall 22 ['local', 'staging']",
        "shop 22 ['local', 'staging', 'production']",
        "shop 22 ['local', 'staging']",
    ]


def copier_environment(**options: Any) -> SandboxedEnvironment:
    """An environment as copier builds it from copier.yml's _envops, with the cache."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(ROOT)),
        extensions=[TemplateExtensionLoader],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        **options,
    )
    return env


PLAIN_TEXT = ["", "src", "package.json", ".copier-answers.yml", "a{b}c", "50%", "#1", "a & <b>"]
NOT_PLAIN_TEXT = ["{{ x }}", "{% if x %}y{% endif %}", "{# note #}z", "line\n", "a\r\nb", "{%"]


@pytest.mark.parametrize("options", [{}, {"autoescape": True}], ids=["copier", "autoescape"])
def test_plain_text_renders_as_jinja_would_without_compiling(options: dict[str, Any]) -> None:
    reference = copier_environment(**options)
    env = copier_environment(**options)
    compiled = cache_counting_compiles(env)
    for source in PLAIN_TEXT + NOT_PLAIN_TEXT:
        context = {"x": "X"}
        try:
            expected = reference.from_string(source).render(context)
        except Exception as error:  # a syntax error must stay one
            with pytest.raises(type(error)):
                env.from_string(source)
            continue
        template = env.from_string(source)
        assert template.render(context) == expected, source
        assert "".join(template.generate(context)) == expected, source
    escaping = bool(options.get("autoescape"))
    plain_compiled = [source for source in compiled if source in PLAIN_TEXT]
    assert plain_compiled == (PLAIN_TEXT if escaping else []), "plain text compiled"
    assert [s for s in compiled if s in NOT_PLAIN_TEXT] == NOT_PLAIN_TEXT


def file_mode_template(path: Path, files: dict[str, int]) -> Path:
    """A committed template of `files` (name: mode) loading only FileModeSettingOnce."""
    shutil.copytree(ROOT / "extensions", path / "extensions")
    (path / "copier.yml").write_text(
        "_subdirectory: files\n_jinja_extensions:\n"
        "  - copier_template_extensions.TemplateExtensionLoader\n"
        f"  - {HOOKS}:FileModeSettingOnce\n"
    )
    (path / "files").mkdir()
    for name, mode in files.items():
        (path / "files" / name).write_text("#!/bin/sh\necho new\n")
        (path / "files" / name).chmod(mode)
    git(path, "init", "--quiet")
    git(path, "add", "--all")
    git(path, "commit", "--quiet", "--message", "template")
    return path


def git_config_lookups(trace: Path) -> int:
    """How many `git config ... core.fileMode` a GIT_TRACE file records."""
    lines = trace.read_text().splitlines()
    return len(
        [line for line in lines if "built-in: git config" in line and "core.fileMode" in line]
    )


def test_file_mode_setting_is_read_once_per_copy_and_still_honoured(tmp_path: Path) -> None:
    """A copy into a git repository with core.fileMode=false still records the executable
    bit in the index (copier's behaviour), with one `git config` to decide for all files."""
    names = [f"script-{index}" for index in range(5)]
    template = file_mode_template(tmp_path / "template", dict.fromkeys(names, 0o755))
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "--quiet")
    git(project, "config", "core.fileMode", "false")
    for name in names:
        (project / name).write_text("#!/bin/sh\necho old\n")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "project")

    trace = tmp_path / "git-trace"
    with local.env(GIT_TRACE=str(trace)):
        run_copy(str(template), str(project), defaults=True, overwrite=True, unsafe=True)

    staged = git(project, "ls-files", "--stage").splitlines()
    assert [line.split()[0] for line in staged] == ["100755"] * len(names)
    # One lookup decides; where it says false, copier's own method runs (and reads it again).
    assert git_config_lookups(trace) == 1 + len(names)


def test_file_mode_setting_skips_git_where_copier_would_do_nothing(tmp_path: Path) -> None:
    names = [f"file-{index}" for index in range(5)]
    template = file_mode_template(tmp_path / "template", dict.fromkeys(names, 0o644))
    trace = tmp_path / "git-trace"
    with local.env(GIT_TRACE=str(trace)):
        run_copy(str(template), str(tmp_path / "project"), defaults=True, unsafe=True)
    assert sorted(path.name for path in (tmp_path / "project").iterdir()) == names
    assert git_config_lookups(trace) == 1, "one lookup for the copy, not one per file"
