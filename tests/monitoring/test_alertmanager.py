"""Alertmanager's configuration, rendered from env values at container start, passes amtool
with every combination of configured receivers, and values survive any character."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.monitoring.alertmanager_config import SECRETS, render_alertmanager_config
from tests.monitoring.tools import problem, run_tool
from tests.report import record

SMTP = {
    "SMTP_SMARTHOST": "smtp.example.org:587",
    "SMTP_FROM": "alerts@example.org",
    "ALERT_EMAIL_TO": "ops@example.org",
}
SMTP_LOGIN = {"SMTP_USERNAME": "alerts", "SMTP_PASSWORD": 'p"a\\ss $HOME &x #y'}
WEBHOOK = {"ALERT_WEBHOOK_URL": 'https://hooks.example.org/alert?token=a&b="c"'}
HEARTBEAT = {"ALERT_HEARTBEAT_URL": "https://hc-ping.example.org/0b1c"}

SETTINGS = {
    "nothing configured": {},
    # As env/<environment>.env comes out of `make env`: an address, no mail server yet.
    "fresh env file": {"ALERT_EMAIL_TO": "ops@example.org", "SMTP_FROM": "alerts@example.org"},
    "mail without login": SMTP,
    "mail with login": SMTP | SMTP_LOGIN,
    "webhook only": WEBHOOK,
    "everything": SMTP | SMTP_LOGIN | WEBHOOK | HEARTBEAT,
}


@pytest.mark.parametrize("settings", SETTINGS.values(), ids=SETTINGS.keys())
def test_amtool_accepts_the_rendered_config(
    monitored_project: Path, tmp_path: Path, settings: dict[str, str]
) -> None:
    config = render_alertmanager_config(monitored_project, tmp_path / "am.yml", settings)
    assert not problem(run_tool("amtool", "check-config", str(config)))


def test_configured_receivers_get_exactly_the_values_given(
    monitored_project: Path, tmp_path: Path
) -> None:
    settings = SETTINGS["everything"]
    config = yaml.safe_load(
        render_alertmanager_config(monitored_project, tmp_path / "am.yml", settings).read_text()
    )
    assert config["global"]["smtp_auth_password"] == settings["SMTP_PASSWORD"]
    receivers = {receiver["name"]: receiver for receiver in config["receivers"]}
    assert receivers["team"]["email_configs"][0]["to"] == settings["ALERT_EMAIL_TO"]
    assert receivers["team"]["webhook_configs"][0]["url"] == settings["ALERT_WEBHOOK_URL"]
    assert receivers["heartbeat"]["webhook_configs"][0]["url"] == settings["ALERT_HEARTBEAT_URL"]
    record(
        f"monitoring: amtool check-config on {len(SETTINGS)} receiver settings "
        f"({monitored_project.name})"
    )


def test_unset_receivers_are_left_out(monitored_project: Path, tmp_path: Path) -> None:
    config = yaml.safe_load(
        render_alertmanager_config(monitored_project, tmp_path / "am.yml", {}).read_text()
    )
    assert "smtp_smarthost" not in config["global"]
    assert all(set(receiver) == {"name"} for receiver in config["receivers"])


def test_watchdog_goes_to_the_heartbeat_only(monitored_project: Path, tmp_path: Path) -> None:
    config = render_alertmanager_config(monitored_project, tmp_path / "am.yml", {})
    result = run_tool(
        "amtool", "config", "routes", "test", "--config.file", str(config), "alertname=Watchdog"
    )
    assert result.stdout.split() == ["heartbeat"], problem(result) or result.stdout
    result = run_tool(
        "amtool", "config", "routes", "test", "--config.file", str(config), "alertname=ApiDown"
    )
    assert result.stdout.split() == ["team"], problem(result) or result.stdout


def test_secrets_from_files_render_as_their_values(monitored_project: Path, tmp_path: Path) -> None:
    """On the server the secrets come as files (NAME_FILE): the same configuration as the
    values themselves, any character kept; an empty file is an unset value."""
    settings = SETTINGS["everything"]
    from_files = {k: v for k, v in settings.items() if k not in SECRETS}
    for name in SECRETS:
        path = tmp_path / name.lower()
        path.write_text(settings[name] + "\n")  # an editor's line end is not part of it
        from_files[f"{name}_FILE"] = str(path)
    expected = render_alertmanager_config(monitored_project, tmp_path / "values.yml", settings)
    rendered = render_alertmanager_config(monitored_project, tmp_path / "files.yml", from_files)
    assert rendered.read_text() == expected.read_text()
    for name in SECRETS:
        (tmp_path / name.lower()).write_text("")
    unset = render_alertmanager_config(monitored_project, tmp_path / "unset.yml", from_files)
    plain = {k: v for k, v in settings.items() if k not in SECRETS}
    nothing = render_alertmanager_config(monitored_project, tmp_path / "plain.yml", plain)
    assert unset.read_text() == nothing.read_text()


@pytest.mark.parametrize("case", ["both set", "missing file"])
def test_unusable_secret_file_is_refused(
    monitored_project: Path, tmp_path: Path, case: str
) -> None:
    path = tmp_path / "smtp_password"
    # With a user name, so the template reads the password.
    values = {"SMTP_USERNAME": "alerts", "SMTP_PASSWORD_FILE": str(path)}
    if case == "both set":
        path.write_text("secret")
        values["SMTP_PASSWORD"] = "secret"
        expected = "SMTP_PASSWORD and SMTP_PASSWORD_FILE are both set"
    else:
        expected = f"SMTP_PASSWORD_FILE: cannot read {path}"
    with pytest.raises(subprocess.CalledProcessError) as refused:
        render_alertmanager_config(monitored_project, tmp_path / "am.yml", SMTP | values)
    assert expected in refused.value.stderr.decode(), refused.value.stderr
