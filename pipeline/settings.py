"""Numeric settings read from environment variables, validated: a bad value is one ConfigError line."""

from __future__ import annotations

import os
import re

from .errors import ConfigError

_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_SIZE = re.compile(r"(\d+)\s*([KMGT]?)(?:I?B)?", re.IGNORECASE)


def env_float(name: str, default: float, *, minimum: float = 0.0, maximum: float | None = None) -> float:
    """`$name` as a number greater than `minimum` (and at most `maximum`), or `default` when unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not (value > minimum and (maximum is None or value <= maximum)):  # also rejects nan
        bound = f" and at most {maximum:g}" if maximum is not None else ""
        raise ConfigError(f"{name}={raw!r}: expected a number greater than {minimum:g}{bound}")
    return value


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int) -> int:
    """`$name` as a whole number from `minimum` to `maximum`, or `default` when unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not minimum <= int(raw) <= maximum:
        raise ConfigError(f"{name}={raw!r}: expected a whole number from {minimum} to {maximum}")
    return int(raw)


def env_size(name: str, default: int) -> int:
    """`$name` as a positive number of bytes (`2G`, `500M`, `4096`; binary units), or `default`."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    m = _SIZE.fullmatch(raw)
    if m is None or int(m.group(1)) == 0:
        raise ConfigError(f"{name}={raw!r}: expected a size in bytes such as 2G, 500M or 4096")
    return int(m.group(1)) * _UNITS[m.group(2).upper()]
