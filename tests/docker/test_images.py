"""What the built images are: sizes (printed), user, health check, labels, start command."""

from __future__ import annotations

from tests.docker.edge_stack import API_IMAGE, WEB_IMAGE, EdgeStack
from tests.docker.engine import image_config, record_image_size
from tests.docker.stacks import WEB_COMMAND, WEB_USER, ApiStack
from tests.docker.standins import BASE_IMAGE
from tests.docker.swarm import images_of_stack_file

# Images both stacks share are printed once per run.
PRINTED: set[str] = set()


def test_print_image_sizes(stack: EdgeStack) -> None:
    own = {stack.api_image: API_IMAGE.base_image(stack.project)}
    if stack.web_image:
        own[stack.web_image] = WEB_IMAGE.base_image(stack.project)
    for image, base in own.items():
        if image not in PRINTED:
            record_image_size(image, base=base)
            PRINTED.add(image)
    others = images_of_stack_file(stack.project / "compose.prod.yaml")
    for image in [*others, *own.values()]:
        if image not in own and image not in PRINTED:
            record_image_size(image, base=BASE_IMAGE)
            PRINTED.add(image)
    if BASE_IMAGE not in PRINTED:
        record_image_size(BASE_IMAGE)
        PRINTED.add(BASE_IMAGE)


def assert_runs_as_non_root_with_exec_form_command(
    image: str, user: str, command: list[str]
) -> None:
    config = image_config(image)
    assert config["User"] == user
    assert user.split(":")[0] != "0"
    assert config["Cmd"] == command
    assert config["Entrypoint"] in (None, [])


def assert_health_check_and_oci_labels(image: str, runtime: str) -> None:
    config = image_config(image)
    healthcheck = config["Healthcheck"]
    assert isinstance(healthcheck, dict)
    assert healthcheck["Test"][:2] == ["CMD", runtime]
    labels = config["Labels"]
    assert isinstance(labels, dict)
    assert labels["org.opencontainers.image.version"] == "1.2.3"
    assert labels["org.opencontainers.image.revision"] == "0123456789abcdef"
    assert labels["org.opencontainers.image.source"].startswith("https://github.com/")


def test_api_image_runs_as_non_root_with_exec_form_command(
    stack: EdgeStack, api_stack: ApiStack
) -> None:
    assert_runs_as_non_root_with_exec_form_command(
        stack.api_image, api_stack.user, api_stack.command
    )


def test_api_image_has_a_health_check_and_oci_labels(stack: EdgeStack, api_stack: ApiStack) -> None:
    assert_health_check_and_oci_labels(stack.api_image, api_stack.runtime)


def test_web_image_runs_as_non_root_with_exec_form_command(stack: EdgeStack) -> None:
    assert stack.web_image, "the docker layer's projects have a web front end"
    assert_runs_as_non_root_with_exec_form_command(stack.web_image, WEB_USER, WEB_COMMAND)


def test_web_image_has_a_health_check_and_oci_labels(stack: EdgeStack) -> None:
    assert stack.web_image, "the docker layer's projects have a web front end"
    assert_health_check_and_oci_labels(stack.web_image, "node")
