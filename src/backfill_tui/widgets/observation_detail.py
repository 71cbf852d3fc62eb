"""The detail pane of one observation: title, body, references, metadata, actor, and whether
production's significance gate (40) would keep it.

Provider text is shown literally, the body included: control characters removed, and every line
built as :class:`Content` (never parsed as markup, Markdown or HTML), its line breaks and
indentation kept. A body rendered as Markdown lost what a provider wrote: HTML such as
``<script>`` or ``<details><summary>`` vanished, ``<john@users.noreply.github.com>`` became a
link, a leading ``+`` a bullet, a stack frame's indentation went. It is one widget: Textual's
``Markdown`` widget mounted a widget per block after the pane was shown, a second layout of the
whole screen for every observation opened (bench/app_scale.py "detail").
"""

from __future__ import annotations

import json
import re
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Label, Static

from ..engine.observations import THRESHOLD, ObservationDetail, kept_by_production
from ..textsafe import clean

__all__ = ["ObservationPane", "significance_text"]

_NO_BODY = Content.styled("(no body)", "italic")


def significance_text(score: float | None) -> str:
    if not isinstance(score, int | float):  # none stored, or no number (a hand edit)
        return "significance unknown: production's gate would drop it"
    value = int(score)
    if kept_by_production(score):
        return f"significance {value}: production keeps it (gate {THRESHOLD})"
    return f"significance {value}: production's significance gate ({THRESHOLD}) would drop it"


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(str(k)): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    return value


def fold_source_id(source_id: str, width: int) -> str:
    """``source_id`` in lines of at most ``width`` cells, broken only after a ``:`` or ``/``
    (a part longer than a line is cut where it must). Textual wraps at spaces only, so an id
    too long for the detail pane at 80 columns was cut inside a provider's id (a fresh
    tester's finding: ``dpl_Gw4M0YTIfWsqP4ESTxM`` / ``e4380NS3D``)."""
    if width < 1 or len(source_id) <= width:
        return source_id
    lines: list[str] = []
    line = ""
    for part in (p for p in re.split(r"(?<=[:/])", source_id) if p):
        if line and len(line) + len(part) > width:
            lines.append(line)
            line = ""
        line += part
        while len(line) > width:
            lines.append(line[:width])
            line = line[width:]
    lines.append(line)
    return "\n".join(lines)


class ObservationPane(VerticalScroll):
    """Shows one observation; :meth:`show` swaps it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.observation: ObservationDetail | None = None

    def on_mount(self) -> None:
        # Its scrollbar is always shown (observations.tcss): made and shown now, while the pane
        # is hidden, rather than by the layout that first shows the pane, which then laid the
        # whole screen out a second time (bench/app_scale.py "detail").
        self.show_vertical_scrollbar = True
        self.vertical_scrollbar.display = True

    def compose(self) -> ComposeResult:
        yield Label("", id="detail-title")
        yield Label("", id="detail-meta")
        yield Label("", id="detail-significance")
        yield Static("", id="detail-body")
        yield Label(Content("References"), classes="detail-heading")
        yield Label("", id="detail-references")
        yield Label(Content("Metadata"), classes="detail-heading")
        yield Label("", id="detail-metadata")

    def show(self, observation: ObservationDetail) -> None:
        self.observation = observation
        self.query_one("#detail-title", Label).update(Content(clean(observation.title)))
        self._show_meta()
        kept = kept_by_production(observation.significance)
        significance = self.query_one("#detail-significance", Label)
        significance.update(Content(significance_text(observation.significance)))
        significance.set_class(kept, "-kept")
        significance.set_class(not kept, "-dropped")
        body = clean(observation.content)
        self.query_one("#detail-body", Static).update(Content(body) if body else _NO_BODY)
        refs = [
            " ".join(clean(str(ref.get(k))) for k in ("type", "id", "label", "url") if ref.get(k))
            for ref in observation.references
        ]
        self.query_one("#detail-references", Label).update(
            Content("\n".join(refs) if refs else "none")
        )
        metadata = json.dumps(_clean_json(observation.metadata), indent=2, ensure_ascii=False)
        self.query_one("#detail-metadata", Label).update(Content(metadata))
        self.scroll_home(animate=False)

    def _show_meta(self) -> None:
        """Source, type, time, actor and the sourceId, folded to the pane's width. The label is
        updated only when its text changes: an update lays the screen out again, and opening
        the pane (its width known only after its first layout) then cost every detail key a
        second layout (bench/app_scale.py "detail", 65-75 -> 105 ms at 250k)."""
        observation = self.observation
        if observation is None:
            return
        actor = observation.actor or {}
        who = clean(str(actor.get("name") or actor.get("email") or "unknown actor"))
        label = self.query_one("#detail-meta", Label)
        # Not laid out yet (the pane was hidden): the last width it had, or, the first time,
        # taken to fit (as most sourceIds do at every size); on_resize folds it if not.
        width = label.content_region.width or self._meta_width
        source_id = clean(observation.source_id)
        shown = (
            f"sourceId {source_id}"
            if not width or len(source_id) + 9 <= width
            else f"sourceId\n{fold_source_id(source_id, width)}"
        )
        meta = (
            f"{clean(observation.source)} · {clean(observation.observation_type)} · "
            f"{observation.occurred_at} · by {who}\n{shown}"
        )
        self._meta_width = width
        if meta != self._meta_shown:
            self._meta_shown = meta
            label.update(Content(meta))

    _meta_width = 0
    _meta_shown = ""

    def on_resize(self) -> None:
        if self.observation is not None:
            width = self.query_one("#detail-meta", Label).content_region.width
            if width and width != self._meta_width:
                self._show_meta()
