"""What the built images are: sizes (printed), user, health check, labels, start command."""

from __future__ import annotations

from tests.docker.edge_stack import EdgeStack, api_base_image
from tests.docker.engine import image_config, record_image_size
from tests.docker.stacks import ApiStack
from tests.docker.standins import BASE_IMAGE

# Images both stacks share are printed once per run.
PRINTED: set[str] = set()


def test_print_image_sizes(stack: EdgeStack) -> None:
    base = api_base_image(stack.project / "apps" / "api" / "Dockerfile")
    record_image_size(stack.api_image, base=base)
    others = stack.compose("config", "--images").split()
    for image in [*others, base]:
        if image != stack.api_image and image not in PRINTED:
            record_image_size(image, base=BASE_IMAGE)
            PRINTED.add(image)
    if BASE_IMAGE not in PRINTED:
        record_image_size(BASE_IMAGE)
        PRINTED.add(BASE_IMAGE)


def test_api_image_runs_as_non_root_with_exec_form_command(
    stack: EdgeStack, api_stack: ApiStack
) -> None:
    config = image_config(stack.api_image)
    assert config["User"] == api_stack.user
    assert api_stack.uid != "0"
    assert config["Cmd"] == api_stack.command
    assert config["Entrypoint"] in (None, [])


def test_api_image_has_a_health_check_and_oci_labels(stack: EdgeStack, api_stack: ApiStack) -> None:
    config = image_config(stack.api_image)
    healthcheck = config["Healthcheck"]
    assert isinstance(healthcheck, dict)
    assert healthcheck["Test"][:2] == ["CMD", api_stack.runtime]
    labels = config["Labels"]
    assert isinstance(labels, dict)
    assert labels["org.opencontainers.image.version"] == "1.2.3"
    assert labels["org.opencontainers.image.revision"] == "0123456789abcdef"
    assert labels["org.opencontainers.image.source"].startswith("https://github.com/")
