"""The declared answer matrix: which combinations every layer renders and checks.

Full product of the four dimensions that change the shape of a project (stack, front end,
environments, backup target), so every pair of them is covered. The five yes/no features
take the bits of the row number, so the first 32 rows hold every one of their 32 on/off
patterns; rows with infrastructure as code cycle through every Hetzner server type.
"""

from __future__ import annotations

import itertools
from typing import Any

import yaml

from tests.paths import COPIER_YML

API_STACKS = ("nestjs", "fastapi")
WEB_FRONTENDS = ("none", "nextjs")
ENVIRONMENT_SETS = (("staging",), ("production",), ("staging", "production"))
# "off" stands for use_backups=false: the target question is then not asked.
BACKUP_TARGETS = ("local", "s3", "sftp", "off")
TOGGLES = ("use_auth", "use_cache", "use_monitoring", "use_sentry", "use_iac")

# Server types x locations that Hetzner sells together (cx only in the EU).
HETZNER = (
    ("fsn1", "cx23"),
    ("nbg1", "cx33"),
    ("hel1", "cx43"),
    ("fsn1", "cx53"),
    ("ash", "cpx22"),
    ("hil", "cpx32"),
    ("sin", "cpx42"),
    ("nbg1", "cpx52"),
    ("hel1", "cpx62"),
    ("ash", "ccx13"),
    ("sin", "ccx23"),
    ("hil", "ccx33"),
)


def _questions() -> dict[str, Any]:
    config = yaml.safe_load(COPIER_YML.read_text())
    return {key: value for key, value in config.items() if not key.startswith("_")}


QUESTIONS = _questions()


def combination_id(answers: dict[str, Any]) -> str:
    envs = "+".join(answers["environments"])
    backups = answers.get("backup_target", "nobackup") if answers["use_backups"] else "nobackup"
    flags = "".join(name[4] if answers[name] else "-" for name in TOGGLES)
    return f"{answers['api_stack']}-{answers['web_frontend']}-{envs}-{backups}-{flags}"


def _matrix() -> list[dict[str, Any]]:
    rows = []
    hetzner_choices = itertools.cycle(HETZNER)
    product = itertools.product(API_STACKS, WEB_FRONTENDS, ENVIRONMENT_SETS, BACKUP_TARGETS)
    for index, (stack, web, envs, backup) in enumerate(product):
        answers: dict[str, Any] = {
            "project_name": f"Matrix Project {index}",
            "github_owner": "Acme-Labs" if index % 2 else "acme",
            "domain": "example.org" if index % 3 else "shop.example.co.uk",
            "api_stack": stack,
            "web_frontend": web,
            "environments": list(envs),
            "use_backups": backup != "off",
        }
        if backup != "off":
            answers["backup_target"] = backup
        for bit, toggle in enumerate(TOGGLES):
            answers[toggle] = bool((index >> bit) & 1)
        if answers["use_iac"]:
            location, server_type = next(hetzner_choices)
            answers["hetzner_location"] = location
            answers["hetzner_server_type"] = server_type
        rows.append(answers)
    return rows


MATRIX = _matrix()
