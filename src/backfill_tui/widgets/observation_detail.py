"""The detail pane of one observation: title, body as Markdown, references, metadata, actor,
and whether production's significance gate (40) would keep it.

Provider text is shown literally: control characters removed, and every line built as
:class:`Content` (never parsed as markup); the body is rendered as Markdown by Rich, in one
widget. Textual's ``Markdown`` widget mounts a widget per block, after the pane is shown: a
second layout of the whole screen for every observation opened, and with the footer's, most of
a detail's 225 ms at 120x36 (bench/app_scale.py "detail").
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.markdown import Markdown
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Label, Static

from ..engine.observations import THRESHOLD, ObservationDetail, kept_by_production
from ..textsafe import clean

__all__ = ["ObservationPane", "keep_line_breaks", "significance_text"]

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def keep_line_breaks(markdown: str) -> str:
    """``markdown`` with every single newline kept as a line break (Markdown would join the
    lines into one paragraph: a Sentry stack trace or a commit message's lines would run
    together). Lines inside fenced code blocks are left as they are."""
    lines = markdown.split("\n")
    out: list[str] = []
    fence: str | None = None
    for index, line in enumerate(lines):
        found = _FENCE.match(line)
        if found:
            marker = found.group(1)[0] * 3
            fence = None if fence is not None and marker == fence else (fence or marker)
            out.append(line)
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if fence is None and line.strip() and following.strip() and not line.endswith("  "):
            line += "  "  # a Markdown hard break
        out.append(line)
    return "\n".join(out)


def significance_text(score: float | None) -> str:
    if score is None:
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
        actor = observation.actor or {}
        who = clean(str(actor.get("name") or actor.get("email") or "unknown actor"))
        meta = (
            f"{clean(observation.source)} · {clean(observation.observation_type)} · "
            f"{observation.occurred_at} · by {who}\n"
            f"sourceId {clean(observation.source_id)}"
        )
        self.query_one("#detail-meta", Label).update(Content(meta))
        kept = kept_by_production(observation.significance)
        significance = self.query_one("#detail-significance", Label)
        significance.update(Content(significance_text(observation.significance)))
        significance.set_class(kept, "-kept")
        significance.set_class(not kept, "-dropped")
        body = keep_line_breaks(clean(observation.content)) or "_(no body)_"
        self.query_one("#detail-body", Static).update(Markdown(body, hyperlinks=False))
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
