"""One parse of each Textual stylesheet per test process, not one per app instance.

Textual parses every widget's ``DEFAULT_CSS`` and the app's CSS again for each new ``App`` (and
again on each ``Stylesheet.reparse``, which starts from an empty stylesheet): its parse cache
lives in the ``Stylesheet`` instance. A suite that starts ~200 apps pays that each time. This
plugin keeps the parsed rules for the whole process, keyed by everything the parse reads (the
CSS text, where it was read from, default or not, tie breaker, scope and the theme's variables),
so the rules an app gets are the very ones a fresh parse would make. Parse errors are not kept:
invalid CSS still raises in every test that loads it.

Textual treats parsed rules as read-only (its own per-stylesheet cache hands the same list out on
every parse); nothing of ours is replaced.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.css.model import RuleSet
from textual.css.stylesheet import Stylesheet

_RULES: dict[tuple[object, ...], list[RuleSet]] = {}


@pytest.fixture(autouse=True, scope="session")
def css_parsed_once() -> Iterator[None]:
    real = Stylesheet._parse_rules

    def parse_rules(
        self: Stylesheet,
        css: str,
        read_from: Any,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        variables = tuple(sorted(self._variables.items()))
        key = (css, read_from, is_default_rules, tie_breaker, scope, variables)
        rules = _RULES.get(key)
        if rules is None:
            rules = real(self, css, read_from, is_default_rules, tie_breaker, scope)
            _RULES[key] = rules
        return rules

    Stylesheet._parse_rules = parse_rules  # type: ignore[method-assign]
    try:
        yield
    finally:
        Stylesheet._parse_rules = real  # type: ignore[method-assign]
