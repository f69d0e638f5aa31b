"""What `terraform validate` cannot check here (it needs the hcloud provider), read from the
parsed configuration instead (python-hcl2): declarations, pins, the token, the firewall, the
nodes, their private network and the load balancer in front of more than one.

Each check returns problems as sentences, empty when the configuration is sound. They take
parsed files, so a test can hand them a broken configuration and see it refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import hcl2

Parsed = dict[str, Any]
OPTIONS = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False)
VARIABLE_REFERENCE = re.compile(r"\bvar\.([A-Za-z_][A-Za-z0-9_-]*)")
ANYWHERE = {"0.0.0.0/0", "::/0"}
HCLOUD_SOURCE = "hetznercloud/hcloud"
# The shape of a Hetzner Cloud API token: 64 letters and digits.
TOKEN_LIKE = re.compile(r"\b[A-Za-z0-9]{64}\b")


def parse(text: str) -> Parsed:
    return dict(hcl2.loads(text, serialization_options=OPTIONS))


def parse_directory(directory: Path) -> dict[str, Parsed]:
    """Every .tf file of a module by name (tfvars and subfolders are not part of it)."""
    return {path.name: parse(path.read_text()) for path in sorted(directory.glob("*.tf"))}


def blocks(files: Mapping[str, Parsed], kind: str) -> list[tuple[str, Any]]:
    """(file name, body) of every top-level block of a kind (`variable`, `resource`, ...)."""
    return [(name, body) for name, parsed in files.items() for body in parsed.get(kind, [])]


def labelled(files: Mapping[str, Parsed], kind: str) -> dict[str, Any]:
    """Blocks with one label (variable "x", output "x"), by label."""
    found: dict[str, Any] = {}
    for _, body in blocks(files, kind):
        for label, content in body.items():
            found[label] = content
    return found


def resources(files: Mapping[str, Parsed], resource_type: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for _, body in blocks(files, "resource"):
        for type_name, named in body.items():
            if type_name == resource_type:
                found.update(named)
    return found


def referenced_variables(parsed: Parsed) -> set[str]:
    return set(VARIABLE_REFERENCE.findall(json.dumps(parsed)))


def version_problems(files: Mapping[str, Parsed]) -> list[str]:
    problems = []
    settings = [body for _, body in blocks(files, "terraform")]
    if not any(body.get("required_version") for body in settings):
        problems.append("no terraform.required_version")
    providers: dict[str, Any] = {}
    for body in settings:
        for requirement in body.get("required_providers", []):
            providers.update({k: v for k, v in requirement.items() if k != "__is_block__"})
    hcloud = providers.get("hcloud")
    if not isinstance(hcloud, dict) or hcloud.get("source") != HCLOUD_SOURCE:
        problems.append(f"required_providers has no hcloud = {{ source = {HCLOUD_SOURCE!r} }}")
    elif not re.fullmatch(r"(~>|=|>=)\s*\d+\.\d+(\.\d+)?", str(hcloud.get("version", ""))):
        problems.append(f"the hcloud provider is not pinned: version = {hcloud.get('version')!r}")
    return problems


def variable_problems(files: Mapping[str, Parsed], tfvars: Mapping[str, Parsed]) -> list[str]:
    """Every variable used is declared with a type and a description, every declared one is
    used, and the tfvars set only declared variables."""
    declared = labelled(files, "variable")
    problems = [
        f"variable {name!r} has no {attribute}"
        for name, body in declared.items()
        for attribute in ("type", "description")
        if not body.get(attribute)
    ]
    used: set[str] = set()
    for file_name, parsed in files.items():
        for name in sorted(referenced_variables(parsed) - set(declared)):
            problems.append(f"{file_name}: var.{name} is not declared")
        used |= referenced_variables(parsed)
    problems += [f"variable {name!r} is declared but never used" for name in declared.keys() - used]
    for file_name, values in tfvars.items():
        for name in sorted(values.keys() - declared.keys()):
            problems.append(f"{file_name} sets {name!r}, which no variable declares")
    return problems


def token_problems(files: Mapping[str, Parsed], texts: Mapping[str, str]) -> list[str]:
    """The API token reaches the provider from HCLOUD_TOKEN only."""
    problems = []
    for _, body in blocks(files, "provider"):
        for name, settings in body.items():
            if name == "hcloud" and "token" in settings:
                problems.append("provider hcloud sets token: it must come from HCLOUD_TOKEN")
    problems += [
        f"variable {name!r} looks like a place for the token"
        for name in labelled(files, "variable")
        if "token" in name.lower()
    ]
    problems += [
        f"{file_name}: something shaped like an API token: {match[:8]}..."
        for file_name, text in texts.items()
        for match in TOKEN_LIKE.findall(text)
    ]
    return problems


def firewall_problems(files: Mapping[str, Parsed]) -> list[str]:
    """SSH only from var.admin_cidrs; HTTP, HTTPS and ICMP from anywhere; nothing else in."""
    firewalls = resources(files, "hcloud_firewall")
    if len(firewalls) != 1:
        return [f"expected one hcloud_firewall, found {len(firewalls)}"]
    ((name, firewall),) = firewalls.items()
    local_values: dict[str, Any] = {}
    for _, body in blocks(files, "locals"):
        local_values.update(body)

    def sources(rule: Mapping[str, Any]) -> set[str] | str:
        value = rule.get("source_ips")
        if isinstance(value, str) and (local := re.fullmatch(r"\$\{local\.(\w+)\}", value)):
            value = local_values.get(local[1], value)
        return set(value) if isinstance(value, list) else str(value)

    problems = []
    opened: dict[str, set[str] | str] = {}
    for rule in firewall.get("rule", []):
        if rule.get("direction") != "in":
            continue
        protocol = rule.get("protocol")
        key = "icmp" if protocol == "icmp" else f"{protocol}/{rule.get('port')}"
        if key in opened:
            problems.append(f"{name}: two rules open {key}")
        opened[key] = sources(rule)
    if opened.get("tcp/22") != "${var.admin_cidrs}":
        problems.append(
            f"{name}: tcp/22 must be open to var.admin_cidrs only: {opened.get('tcp/22')}"
        )
    for key in ("tcp/80", "tcp/443", "icmp"):
        if opened.get(key) != ANYWHERE:
            problems.append(f"{name}: {key} must be open to anywhere: {opened.get(key)}")
    for key in sorted(opened.keys() - {"tcp/22", "tcp/80", "tcp/443", "icmp"}):
        problems.append(f"{name}: {key} is open, and nothing else on the server should be")
    return problems


# The first server's address before many nodes: state made then must move, never be replaced.
OLD_SERVER = "${hcloud_server.main}"
FIRST_MANAGER = '${hcloud_server.node["manager-1"]}'
NODES = "${local.nodes}"
CLUSTERED_COUNT = "${local.clustered ? 1 : 0}"


def server_problems(files: Mapping[str, Parsed]) -> list[str]:
    """One server resource, one instance per node, taking its settings from the variables;
    the server of a one-node project made before many nodes moves to the first manager."""
    servers = resources(files, "hcloud_server")
    if len(servers) != 1:
        return [f"expected one hcloud_server (an instance per node), found {len(servers)}"]
    ((name, server),) = servers.items()
    problems = []
    expected = {
        "for_each": NODES,
        "server_type": "${var.server_type}",
        "location": "${var.location}",
        "user_data": "${local.user_data[each.key]}",
        "backups": "${var.backups}",
        "delete_protection": "${var.protection}",
        "rebuild_protection": "${var.protection}",
    }
    for attribute, value in expected.items():
        if server.get(attribute) != value:
            problems.append(
                f"hcloud_server.{name}.{attribute} is {server.get(attribute)!r}, not {value}"
            )
    if not str(server.get("labels", "")).startswith("${merge(local.labels, "):
        problems.append(f"hcloud_server.{name} does not carry local.labels")
    if not any("hcloud_firewall." in str(ids) for ids in [server.get("firewall_ids")]):
        problems.append(f"hcloud_server.{name} is not behind the firewall")
    labels: dict[str, Any] = {}
    for _, body in blocks(files, "locals"):
        labels.update(body.get("labels", {}))
    if set(labels) != {"project", "environment", "managed-by"}:
        problems.append(f"labels are {sorted(labels)}, not project, environment, managed-by")
    moves = [(body.get("from"), body.get("to")) for _, body in blocks(files, "moved")]
    target = f'${{hcloud_server.{name}["manager-1"]}}'
    if (OLD_SERVER, target) not in moves or target != FIRST_MANAGER:
        problems.append(
            'no moved block from hcloud_server.main to hcloud_server.node["manager-1"]: a plan'
            " of a project made with one server would replace that server and its data"
        )
    return problems


def node_count_problems(files: Mapping[str, Parsed]) -> list[str]:
    """managers and workers: numbers, validated, defaulting to today's one server."""
    variables = labelled(files, "variable")
    problems = []
    for name, default in (("managers", 1), ("workers", 0)):
        body = variables.get(name)
        if body is None:
            problems.append(f"no variable {name!r}")
            continue
        if body.get("type") != "${number}" and body.get("type") != "number":
            problems.append(f"variable {name!r} is not a number: {body.get('type')!r}")
        if body.get("default") != default:
            problems.append(f"variable {name!r} defaults to {body.get('default')!r}, not {default}")
        if not any(
            f"var.{name}" in str(rule.get("condition")) for rule in body.get("validation", [])
        ):
            problems.append(f"variable {name!r} has no validation")
    return problems


def network_problems(files: Mapping[str, Parsed]) -> list[str]:
    """One private network and subnet; every node attached at its fixed address."""
    problems = []
    networks = resources(files, "hcloud_network")
    subnets = resources(files, "hcloud_network_subnet")
    if len(networks) != 1 or len(subnets) != 1:
        return [f"expected one hcloud_network and one subnet: {len(networks)}, {len(subnets)}"]
    ((network_name, _),) = networks.items()
    ((subnet_name, subnet),) = subnets.items()
    if subnet.get("network_id") != f"${{hcloud_network.{network_name}.id}}":
        problems.append(f"hcloud_network_subnet.{subnet_name} is not in the network")
    attachments = resources(files, "hcloud_server_network")
    inline = [
        name for name, server in resources(files, "hcloud_server").items() if "network" in server
    ]
    if inline:
        problems.append(
            f"hcloud_server.{inline[0]} has a network block: attach with hcloud_server_network"
        )
    if len(attachments) != 1:
        return [*problems, f"expected one hcloud_server_network, found {len(attachments)}"]
    ((name, attachment),) = attachments.items()
    servers = resources(files, "hcloud_server")
    expected = {
        "for_each": NODES,
        "server_id": f"${{hcloud_server.{next(iter(servers), '?')}[each.key].id}}",
        "subnet_id": f"${{hcloud_network_subnet.{subnet_name}.id}}",
        "ip": "${each.value.private_ip}",
    }
    for attribute, value in expected.items():
        if attachment.get(attribute) != value:
            problems.append(
                f"hcloud_server_network.{name}.{attribute} is {attachment.get(attribute)!r},"
                f" not {value}: every node on the subnet at its fixed address"
            )
    return problems


def load_balancer_problems(files: Mapping[str, Parsed]) -> list[str]:
    """A load balancer only above one node, reaching the managers privately on 80 and 443,
    each with a health check and the PROXY protocol."""
    problems = []
    kinds = (
        "hcloud_load_balancer",
        "hcloud_load_balancer_network",
        "hcloud_load_balancer_target",
        "hcloud_load_balancer_service",
    )
    for kind in kinds:
        found = resources(files, kind)
        if not found:
            problems.append(f"no {kind}")
        for name, body in found.items():
            condition = str(body.get("count", body.get("for_each", "")))
            if not condition.startswith("${local.clustered ?"):
                problems.append(
                    f"{kind}.{name} is not conditional on local.clustered (one node has none):"
                    f" {condition!r}"
                )
    for name, target in resources(files, "hcloud_load_balancer_target").items():
        if target.get("use_private_ip") is not True:
            problems.append(f"hcloud_load_balancer_target.{name} does not use private addresses")
        if "swarm-role=manager" not in str(target.get("label_selector")):
            problems.append(f"hcloud_load_balancer_target.{name} does not select the managers")
    services = resources(files, "hcloud_load_balancer_service")
    ports = {
        port
        for body in services.values()
        for port in re.findall(r'"(\d+)"', str(body.get("for_each", body.get("listen_port"))))
    }
    if services and ports != {"80", "443"}:
        problems.append(f"the load balancer serves ports {sorted(ports)}, not 80 and 443")
    for name, body in services.items():
        if body.get("protocol") != "tcp":
            problems.append(
                f"hcloud_load_balancer_service.{name} is not plain TCP (TLS ends at Traefik)"
            )
        if body.get("proxyprotocol") is not True:
            problems.append(
                f"hcloud_load_balancer_service.{name} hides clients' addresses (no PROXY protocol)"
            )
        if not body.get("health_check"):
            problems.append(f"hcloud_load_balancer_service.{name} has no health check")
    return problems


def output_problems(files: Mapping[str, Parsed]) -> list[str]:
    outputs = labelled(files, "output")
    problems = [
        f"output {name!r} has no description"
        for name, body in outputs.items()
        if not body.get("description")
    ]
    for wanted in ("ipv4_address", "ipv6_address", "dns_records", "nodes"):
        if wanted not in outputs:
            problems.append(f"no output {wanted!r}")
    # DNS names the load balancer above one node, else the server.
    local_values: dict[str, Any] = {}
    for _, body in blocks(files, "locals"):
        local_values.update(body)
    for family in ("ipv4", "ipv6"):
        entry = str(local_values.get(f"entry_{family}", ""))
        if not re.fullmatch(
            rf"\$\{{local\.clustered \? hcloud_load_balancer\.\w+\[0\]\.{family} : "
            rf"hcloud_server\.\w+\[local\.first_manager\]\.{family}_address\}}",
            entry,
        ):
            problems.append(
                f"local.entry_{family} is {entry!r}: the load balancer's address above one"
                " node, else the first manager's"
            )
        for name in (f"{family}_address", "dns_records"):
            if f"local.entry_{family}" not in str(outputs.get(name, {}).get("value")):
                problems.append(f"output {name!r} does not name local.entry_{family}")
    return problems


def configuration_problems(directory: Path) -> list[str]:
    """Every structural check over one generated infra/terraform/."""
    files = parse_directory(directory)
    texts = {path.name: path.read_text() for path in directory.rglob("*.tf*")}
    tfvars = {
        f"environments/{path.name}": parse(path.read_text())
        for path in sorted((directory / "environments").glob("*.tfvars"))
    }
    return [
        *version_problems(files),
        *variable_problems(files, tfvars),
        *token_problems(files, texts),
        *firewall_problems(files),
        *server_problems(files),
        *node_count_problems(files),
        *network_problems(files),
        *load_balancer_problems(files),
        *output_problems(files),
    ]
