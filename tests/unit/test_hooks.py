"""The Jinja side: filters and the context hook, loaded the way copier loads them."""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import shutil
from pathlib import Path
from typing import Any

import copier
import jinja2
import pytest
from copier import run_copy
from copier._main import Worker
from copier_template_extensions import TemplateExtensionLoader
from jinja2 import Environment, FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment
from plumbum import local

from extensions import hooks
from extensions.naming import api_variables
from tests.paths import ROOT
from tests.template_repo import git

HOOKS = "extensions/hooks.py"


def environment_with(*extension_classes: str) -> Environment:
    """A Jinja environment loading classes of extensions/hooks.py as copier.yml names them."""
    return Environment(
        loader=FileSystemLoader(str(ROOT)),
        extensions=[TemplateExtensionLoader, *(f"{HOOKS}:{name}" for name in extension_classes)],
    )


@pytest.fixture
def env() -> Environment:
    return environment_with("ShipshapeFilters", "DerivedContext")


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
    every, without_auth = len(api_variables({})), len(api_variables({"use_auth": False}))
    assert without_auth < every
    assert outputs == [
        f"shop {every} ['local', 'staging']",
        f"shop {without_auth} ['local', 'staging']",
        f"mall {every} ['local', 'staging']",
        f"shop {every} ['local', 'staging', 'production']",
        f"shop {every} ['local', 'staging']",
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


# What the wrappers in extensions/hooks.py rely on, pinned per version they are applied to
# (hooks.TESTED_VERSIONS): sha256 of the source of each function. In copier: every function
# that calls Jinja's `from_string` (the cache hands them shared templates, which they must
# only render) or touches `_sync_git_index_executable_bit` (wrapped: a no-op unless the
# destination's core.fileMode is false). In Jinja: what a plain-text template is built and
# rendered with. A new version of either, or a changed function, fails here: read the new
# source, check the wrapper still holds, then pin its hashes and add the version to hooks.
COPIER_MARKERS = ("from_string(", "_sync_git_index_executable_bit")
JINJA_FUNCTIONS = (
    "Environment.from_string",
    "Environment.preprocess",
    "Template.from_module_dict",
    "Template._from_namespace",
    "Template.render",
    "Template.generate",
    "Template.new_context",
)
PINNED_SOURCES: dict[tuple[str, str], dict[str, str]] = {
    ("copier", "9.19.1"): {
        "copier._main:Worker._render_file": (
            "92128c6077de6cf63616dc0408a01155ed67b7846674ccbcef60923805669c68"
        ),
        "copier._main:Worker._render_string": (
            "57cbc37fe59f8866f4027cf3f2c0e4d14026fa5adf4f738ea5a8072fa5230806"
        ),
        "copier._main:Worker._sync_git_index_executable_bit": (
            "0d2d329dd469b819bb9e3809470963913415b7c9172e384d8c09953af05c73f3"
        ),
        "copier._main:Worker.answers_relpath": (
            "03c23c7481659b7808a2b0bb01b67f4461a07dce98061e88717f51a61fd2b051"
        ),
        "copier._user_data:Question.render_value": (
            "8c43d7b6a862a82a894fd451027461c18ac61c372aaf370f5b06cbd1b65f02d5"
        ),
    },
    ("jinja2", "3.1.6"): {
        "jinja2:Environment.from_string": (
            "4bbae3bdb34507f2f5f947fd4178c38699a06ac963ed5e645b4919e05ca6d0fc"
        ),
        "jinja2:Environment.preprocess": (
            "1d5160165c7ba7bdf60a89c8c464c26607a60be9a7d304336b88ca6097d4d75f"
        ),
        "jinja2:Template._from_namespace": (
            "fdce36aa99d87a24317aca8a434ad63f1682324f6009087d39730d7be94f31ed"
        ),
        "jinja2:Template.from_module_dict": (
            "1c58448e92e24a7d8dfffd494530d0d18ac103b8dfab0a88e24a8f7d70a83375"
        ),
        "jinja2:Template.generate": (
            "6bde5fbd6be1904f33f02bef9b729185be0b876eb5f5f4890586e33096160b07"
        ),
        "jinja2:Template.new_context": (
            "8f514d6607c7ec7a082a38a60fad5d45e9c75025c87830becf121ca63a14bb48"
        ),
        "jinja2:Template.render": (
            "c33dd2c3a2936cc0f745fbd81bc1948965412fb9522bf03605bba3e04806a1a5"
        ),
    },
}


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


def copier_functions_relied_on() -> dict[str, str]:
    """Every function in copier's package whose source has one of COPIER_MARKERS."""
    found = {}
    package = Path(copier.__file__).parent
    for path in sorted(package.rglob("*.py")):
        text = path.read_text()
        module = path.relative_to(package).with_suffix("").as_posix().replace("/", ".")

        def visit(node: ast.AST, prefix: str, text: str = text, module: str = module) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                    name = f"{prefix}{child.name}"
                    if not isinstance(child, ast.ClassDef):
                        source = ast.get_source_segment(text, child) or ""
                        if any(marker in source for marker in COPIER_MARKERS):
                            found[f"copier.{module}:{name}"] = source_hash(source)
                    visit(child, f"{name}.")

        visit(ast.parse(text), "")
    return found


def jinja_functions_relied_on() -> dict[str, str]:
    found = {}
    for name in JINJA_FUNCTIONS:
        owner, attribute = name.split(".")
        function = inspect.getattr_static(getattr(jinja2, owner), attribute)
        function = getattr(function, "__func__", function)  # classmethods
        found[f"jinja2:{name}"] = source_hash(inspect.getsource(function))
    return found


RELIED_ON = {"copier": copier_functions_relied_on, "jinja2": jinja_functions_relied_on}


@pytest.mark.parametrize("distribution", sorted(hooks.TESTED_VERSIONS))
def test_wrappers_apply_to_versions_whose_sources_are_pinned(distribution: str) -> None:
    running = importlib.import_module(distribution).__version__
    assert running in hooks.TESTED_VERSIONS[distribution], (
        f"{distribution} {running} is not in extensions/hooks.py's TESTED_VERSIONS, so its "
        "copier/Jinja wrappers are off: read the sources this test names for that version, "
        "then add it there and pin them in PINNED_SOURCES"
    )
    pinned_versions = {version for name, version in PINNED_SOURCES if name == distribution}
    assert pinned_versions == set(hooks.TESTED_VERSIONS[distribution]), (
        "every version the wrappers apply to needs its sources pinned here"
    )
    assert RELIED_ON[distribution]() == PINNED_SOURCES[(distribution, running)], (
        f"what extensions/hooks.py wraps or relies on changed in {distribution} {running}: "
        "read the changed functions and check the wrapper still holds before pinning them"
    )


def copier_as_shipped(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Copier's file-mode method as it ships, whatever an earlier copy in this process did."""
    shipped = Worker._sync_git_index_executable_bit
    shipped = getattr(shipped, "__wrapped__", shipped)
    monkeypatch.setattr(Worker, "_sync_git_index_executable_bit", shipped)
    return shipped


def environment_with_wrappers() -> Environment:
    """A Jinja environment loading the two wrapper extensions as copier.yml does."""
    return environment_with("CompiledTemplateCache", "FileModeSettingOnce")


@pytest.mark.parametrize(
    ("distribution", "version"), [("copier", "9.20.0"), ("copier", "9.19.0"), ("jinja2", "3.1.7")]
)
def test_wrappers_stay_off_with_an_untested_version(
    monkeypatch: pytest.MonkeyPatch, distribution: str, version: str
) -> None:
    shipped = copier_as_shipped(monkeypatch)
    monkeypatch.setattr(importlib.import_module(distribution), "__version__", version)

    env = environment_with_wrappers()

    assert "from_string" not in vars(env), "Jinja's from_string replaced"
    # The file-mode wrapper depends on copier only.
    patched = Worker._sync_git_index_executable_bit is not shipped
    assert patched == (distribution != "copier"), "copier's method wrapped or not, wrongly"


def test_wrappers_apply_with_the_tested_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = copier_as_shipped(monkeypatch)
    env = environment_with_wrappers()
    assert "from_string" in vars(env)
    assert Worker._sync_git_index_executable_bit is not shipped
