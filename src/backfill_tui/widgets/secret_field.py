"""Fields shown in clear (a workspace, a source, the Clerk org) cleared of a credential put in
them: refused with "(not shown)", the token or the DSN's password stayed on screen beside the
notice, in view of whoever watched a demo or a shared screen (a fresh tester's finding).

A screen keeps one :class:`SecretGuard` for its clear fields and calls :meth:`SecretGuard.clear`
where a field's value is done with: pasted (a change of more than one character at once, see
:meth:`SecretGuard.pasted`), entered, left, or refused by a "Not ready". Not key by key: a token
typed (or sent by tmux) a key at a time was cleared at its sixteenth character, and the rest of
it landed in the emptied field.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.widgets import Input

from ..secrets_registry import holds_credential, userinfo

__all__ = ["ClearField", "SecretGuard", "secret_in"]

URL_WITH_PASSWORD = "a connection string with its password"


def secret_in(text: str) -> str | None:
    """What credential ``text`` holds, in a notice's words: a token (a registered value or a
    token's shape, ``secrets_registry.holds_credential``), or a URL with a password in it (a
    DSN typed in the wrong field); None for none."""
    if holds_credential(text):
        return "what looks like a token"
    if ":" in (userinfo(text.strip()) or ""):
        return URL_WITH_PASSWORD
    return None


@dataclass(frozen=True)
class ClearField:
    """A field cleared of what it held: its notice says so."""

    name: str  # as a notice names it: "the workspace"
    advice: str  # what goes there instead
    url_advice: str = ""  # that, for a connection string (else ``advice``)


class SecretGuard:
    """The clear fields of one screen, by id, and the text each held before its last change."""

    def __init__(self, fields: dict[str, ClearField]) -> None:
        self._fields = fields
        self._seen: dict[str, str] = {}

    def pasted(self, event: Input.Changed) -> bool:
        """Whether ``event`` put more than one character in at once (a paste, a value set)."""
        key = event.input.id or ""
        before, self._seen[key] = self._seen.get(key, ""), event.value
        return len(event.value) - len(before) > 1

    def clear(self, field: Input) -> str | None:
        """Empty ``field`` when it holds a credential and say so in one line (the credential not
        in it); None, and the field as it was, otherwise."""
        what = secret_in(field.value)
        if what is None:
            return None
        about = self._fields[field.id or ""]
        field.value = ""
        self._seen[field.id or ""] = ""
        advice = (
            about.url_advice if what == URL_WITH_PASSWORD and about.url_advice else about.advice
        )
        return f"{about.name} held {what} (not shown); the field was cleared: {advice}"
