"""JSON logs, one object a line on stdout, with the field names of the HTTP contract.

structlog renders every line, including those of libraries that use the standard `logging`
module (uvicorn, SQLAlchemy, alembic), so stdout never carries a non-JSON line.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

from app.tracing import log_trace_ids, tracing_enabled

REDACTED = "[Redacted]"
# Compared in lower case: header names and body fields that carry credentials.
SECRET_KEYS = frozenset(
    {"authorization", "cookie", "set-cookie", "password", "refreshtoken", "accesstoken"}
)
# The contract names levels like pino does: "warn", not Python's "warning".
LEVEL_NAMES = {"warning": "warn", "critical": "error", "exception": "error"}
STDLIB_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING}


def _redact(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            key: REDACTED if str(key).lower() in SECRET_KEYS else _redact(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_redact(item) for item in value]
    return value


def redact_secrets(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in event.items():
        event[key] = REDACTED if key.lower() in SECRET_KEYS else _redact(value)
    return event


def contract_level_names(
    _: Any, __: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    level = str(event.get("level", "info")).lower()
    event["level"] = LEVEL_NAMES.get(level, level)
    return event


def drop_terminal_colours(
    _: Any, __: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    event.pop("color_message", None)  # uvicorn's ANSI-coloured copy of the message
    return event


def configure_logging(level: str) -> None:
    """Route structlog and the standard library through one JSON renderer on stdout."""
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        # trace_id and span_id where tracing is on (app/tracing.py); no lookup of a span that
        # cannot exist where it is off.
        *([log_trace_ids()] if tracing_enabled() else []),
        structlog.stdlib.add_log_level,
        contract_level_names,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
        structlog.processors.EventRenamer("msg"),
    ]
    renderer: list[structlog.typing.Processor] = [
        structlog.processors.format_exc_info,
        redact_secrets,
        structlog.processors.JSONRenderer(),
    ]
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), drop_terminal_colours],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(STDLIB_LEVELS.get(level, logging.ERROR))
    # uvicorn installs its own handlers; let its records reach the JSON handler instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True

    structlog.configure(
        processors=[
            *shared,
            *renderer,
        ],
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        wrapper_class=structlog.make_filtering_bound_logger(
            STDLIB_LEVELS.get(level, logging.ERROR)
        ),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(name)
    return logger
