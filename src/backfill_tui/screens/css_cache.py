"""The first frame's parsed CSS, kept between starts of the terminal app (issue 13).

Textual parses, in every process, each stylesheet the first screen uses: the app's and the
connect screen's ``.tcss`` and the default CSS of every widget class on it (Button's alone is
7 kB), ~43 ms of CPU of a first frame of ~370 ms; Textual's parse cache lives in the
``Stylesheet`` instance, so it starts empty each time. :class:`CachedStylesheet` answers a parse
from a file of the rules parsed before the last start's first frame (a pickle, ~8 ms to load),
and parses as Textual does what the file lacks; after the first frame, if anything was missing,
the file is written again with what this start parsed up to then (later parses, the other
screens', are not kept: they happen while the app is idle).

A rule set is kept under everything its parse reads: the CSS text itself, where it came from,
default or not, tie breaker, scope, and the theme's variables, as ``tests/css_parse_cache.py``
keys them; so a changed file, widget or theme parses anew and the rules are the ones a parse
makes. The file is named for the Python and Textual versions; one that cannot be read (any
error) is ignored and written again. Parse errors are never kept: invalid CSS raises each time.
The file is the user's own (their cache folder), like the bytecode Python itself caches there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

import platformdirs
from textual import __version__ as textual_version
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet
from textual.css.types import CSSLocation

from ..terms import APP

log = logging.getLogger(__name__)

__all__ = ["CachedStylesheet", "default_css_cache"]

Key = tuple[object, ...]


def default_css_cache() -> Path:
    """``<user cache folder>/backfill-tui/css-py3.11-textual8.2.8.pickle`` (platformdirs)."""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return platformdirs.user_cache_path(APP) / f"css-py{python}-textual{textual_version}.pickle"


class CachedStylesheet(Stylesheet):
    """Textual's :class:`Stylesheet`, its parses answered from ``path`` when it holds them."""

    def __init__(self, path: Path, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self.path = path
        self._kept: dict[Key, list[RuleSet]] = _load(path)
        #: What this start parsed or took from the file, under its key; and how many it parsed.
        self._used: dict[Key, list[RuleSet]] = {}
        self.parsed = 0

    def _parse_rules(
        self,
        css: str,
        read_from: CSSLocation,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        key: Key = (
            css,
            read_from,
            is_default_rules,
            tie_breaker,
            scope,
            tuple(sorted(self._variables.items())),
        )
        rules = self._used.get(key) or self._kept.get(key)
        if rules is None:
            rules = super()._parse_rules(css, read_from, is_default_rules, tie_breaker, scope)
            self.parsed += 1
        if not any(rule.errors for rule in rules):  # invalid CSS is parsed, and said, each time
            self._used[key] = rules
        return rules

    def save(self) -> None:
        """Write what this start used so far, if the file lacked any of it (never raises: a
        cache that cannot be written only costs the next start its parse)."""
        if all(key in self._kept for key in self._used):
            return
        written = ""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "wb", dir=self.path.parent, prefix=".css-", delete=False
            ) as out:
                written = out.name
                pickle.dump(self._used, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(written, self.path)  # whole or not at all, for a start reading it
        except Exception as exc:
            log.warning("could not keep the parsed CSS in %s: %s", self.path, exc)
            if written:
                with contextlib.suppress(OSError):
                    os.unlink(written)
        else:
            self._kept = dict(self._used)


def _load(path: Path) -> dict[Key, list[RuleSet]]:
    try:
        with path.open("rb") as file:
            kept: Any = pickle.load(file)
    except FileNotFoundError:
        return {}
    except Exception as exc:  # another version's, cut short, not a pickle: parse anew
        log.info("ignoring the parsed-CSS cache %s: %s", path, exc)
        return {}
    return kept if isinstance(kept, dict) else {}
