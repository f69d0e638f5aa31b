"""Answer validators for copier.yml.

Each returns "" when the answer is fine, or one sentence naming the problem: copier shows a
non-empty validator result as the error and asks again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from . import naming

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
GITHUB_OWNER = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
EMAIL_LOCAL_PART = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$")

# Hetzner's cost-optimised CX line is sold in the EU locations only.
EU_LOCATIONS = frozenset({"fsn1", "nbg1", "hel1"})

# The slug, domain and GitHub owner are held to the patterns above (letters, digits, hyphens,
# dots): templates write them, and every name derived from them, without escaping. Free text
# (project name, description, e-mail) is escaped where it lands (escaping.py).

# Control characters by name, where a name says more than a code point.
_CONTROL_NAMES = {
    "\n": "a line break",
    "\r": "a carriage return",
    "\t": "a tab",
    "\u2028": "a line separator",
    "\u2029": "a paragraph separator",
}


def control_character_problem(value: str, what: str) -> str:
    """A control character (C0, DEL, C1) or a Unicode line or paragraph separator ends a line
    or a token in some file an answer lands in (a Makefile, an env file, YAML), whatever the
    quoting: no answer may hold one."""
    for position, char in enumerate(str(value), start=1):
        if unicodedata.category(char) in {"Cc", "Zl", "Zp"}:
            name = _CONTROL_NAMES.get(char, "the control character")
            return (
                f"The {what} contains {name} (U+{ord(char):04X}) at character {position}; "
                "an answer must be one line of printable text."
            )
    return ""


def project_name_problem(value: str) -> str:
    if problem := control_character_problem(value, "project name"):
        return problem
    if not str(value).strip():
        return "The project name must not be empty."
    if not naming.slugify(value):
        return "The project name needs at least one letter or digit to derive a slug from."
    return ""


def description_problem(value: str) -> str:
    return control_character_problem(value, "description")


def slug_problem(value: str) -> str:
    slug = str(value)
    if problem := control_character_problem(slug, "slug"):
        return problem
    if not slug:
        return "The slug must not be empty."
    if " " in slug:
        return f"The slug {slug!r} contains a space; use hyphens, e.g. {naming.slugify(slug)!r}."
    if slug != slug.lower():
        return f"The slug {slug!r} has upper-case letters; use {naming.slugify(slug)!r}."
    if len(slug) > naming.SLUG_MAX_LENGTH:
        return (
            f"The slug is {len(slug)} characters; at most {naming.SLUG_MAX_LENGTH} fit in "
            "container and database names."
        )
    if not SLUG_PATTERN.match(slug):
        return (
            f"The slug {slug!r} must start with a letter and hold only a-z, 0-9 and single "
            "hyphens between them."
        )
    return ""


def domain_problem(value: str) -> str:
    domain = str(value)
    if problem := control_character_problem(domain, "domain"):
        return problem
    if not domain:
        return "The domain must not be empty."
    if any(ch.isspace() for ch in domain):
        return f"The domain {domain!r} contains white space."
    if "://" in domain or "/" in domain:
        return f"The domain {domain!r} must be a bare DNS name, without scheme or path."
    if domain != domain.lower():
        return f"The domain {domain!r} must be lower case: {domain.lower()!r}."
    if "." not in domain.strip("."):
        return f"The domain {domain!r} has no dot; give a registered name such as example.com."
    if domain.endswith("."):
        return f"The domain {domain!r} must not end with a dot."
    if len(domain) > 253 - len("api.staging."):
        return "The domain is too long to prefix with api.staging. (DNS names stop at 253)."
    labels = domain.split(".")
    for label in labels:
        if not DNS_LABEL.match(label):
            return (
                f"The domain label {label!r} is not valid: 1-63 characters of a-z, 0-9 and "
                "hyphens, not starting or ending with a hyphen."
            )
    if labels[-1].isdigit():
        return f"The domain {domain!r} looks like an IP address; give a DNS name."
    return ""


def email_problem(value: str) -> str:
    email = str(value)
    if problem := control_character_problem(email, "e-mail address"):
        return problem
    if any(ch.isspace() for ch in email):
        return f"The e-mail address {email!r} contains white space."
    if email.count("@") != 1:
        return f"The e-mail address {email!r} must contain exactly one @."
    local, _, domain = email.partition("@")
    if not local or not EMAIL_LOCAL_PART.match(local):
        return f"The part before @ in {email!r} is empty or has characters e-mail does not allow."
    if "'" in local and "`" in local:
        # The address lands in env files (ALERT_EMAIL_TO), where no quoting of a value holding
        # both reads the same in bash and docker compose (escaping.dotenv_value).
        return (
            f"The part before @ in {email!r} holds both ' and `: legal in e-mail, but no env "
            "file line reads it the same in bash and docker compose; drop one of them."
        )
    if problem := domain_problem(domain):
        return f"The e-mail domain is not valid: {problem}"
    return ""


def github_owner_problem(value: str) -> str:
    owner = str(value)
    if problem := control_character_problem(owner, "GitHub owner"):
        return problem
    if not GITHUB_OWNER.match(owner):
        return (
            f"The GitHub owner {owner!r} is not a valid user or organisation name: up to 39 "
            "letters, digits and single hyphens, not starting or ending with a hyphen."
        )
    return ""


def environments_problem(value: Iterable[str] | None) -> str:
    chosen = list(value or [])
    unknown = sorted(set(chosen) - set(naming.SERVER_ENVIRONMENTS))
    if unknown:
        return f"Unknown environment(s) {', '.join(unknown)}; choose from staging, production."
    if not chosen:
        return "Choose at least one server environment (staging, production) to deploy to."
    return ""


def server_type_problem(server_type: str, location: str) -> str:
    if server_type.startswith("cx") and location not in EU_LOCATIONS:
        return (
            f"Server type {server_type} is sold only in {', '.join(sorted(EU_LOCATIONS))}; "
            f"pick a cpx or ccx type for {location}."
        )
    return ""
