"""The app's footer: a stable order of keys, and only as many as the terminal's width holds.

Textual's :class:`~textual.widgets.Footer` lists the focused widget's keys first, so the order
moves as focus moves, and it cuts the line off when the keys do not fit ("f4▏^p paletten" at
80 columns). This footer orders keys by where they are bound: the screen's own keys first (in
their declared order), then the focused widget's, then the app's (F1 help, the screens' F-keys,
quit), less the F-key of the screen it is on (offered on itself, "f3 Dashboard" on the
dashboard read as a way elsewhere: a fresh tester's finding). When the line is too long it
drops, in turn: the other screens' F-keys from F6 down, and then the screen's last keys (where "Obs." for
"Observations" keeps every screen's F-key on a screen whose ``FOOTER_SHORT_WORDS`` asks for
it, the dashboard's, it is said so instead: :func:`shortened`); F1 (help, which lists
every key), ctrl+q (quit: a tester found it gone from F2 and F4 at 50 columns, there on F3)
and the command palette stay. Every key dropped stays bound and is in F1 and ctrl+p.

It is one widget that draws its keys as Textual's compact footer draws them (the same theme
variables and component classes, so it looks the same cell for cell), not a container of a
widget a key: each key widget was styled, measured, laid out and rendered on its own, ~11 of
the connect screen's 55 widgets and about a fifth of the app's own cost to its first frame
(issue 13). A click runs a key as clicking Textual's key does, the key under the mouse is
highlighted and shows its tooltip, and a change of keys repaints one line, with no layout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.color import Color
    from textual.screen import Screen

__all__ = ["AppFooter", "ShownKey", "fit_keys"]

#: App keys that switch screens, dropped first (last in this tuple first) when space runs out.
SCREEN_KEYS = ("f2", "f3", "f4", "f5", "f6")
PALETTE_WIDTH = 12  # "▏^p palette" and its margin
#: Keys never dropped: help and quit.
ALWAYS_SHOWN = ("f1", "ctrl+q")
#: Shorter words for screens' keys, taken only where they keep every other screen's key in
#: the line: the dashboard at 80 columns dropped F6 for "c Cancel" or "r Retry" (2 cells).
SHORT = {"Observations": "Obs."}


def shortened(
    items: list[tuple[str, str, str, int]], width: int, current_key: str | None
) -> list[tuple[str, str, str, int]]:
    """``items`` with :data:`SHORT`'s words for the screens' keys where the long ones cost a
    screen's key and the short ones keep them all (F1 lists every key in full); else as
    given."""
    screens = {key for key, *_ in items if key in SCREEN_KEYS and key != current_key}
    if screens <= fit_keys(items, width, current_key):
        return items
    short = [(k, d, SHORT.get(t, t) if k in SCREEN_KEYS else t, r) for k, d, t, r in items]
    return short if screens <= fit_keys(short, width, current_key) else items


def _width(key_display: str, description: str) -> int:
    return len(key_display) + 1 + len(description) + 1  # compact: "^s Start" and a gap


def _drawn_width(key_display: str, description: str) -> int:
    """Cells of a key as drawn: "^s Start" (a key with no description is only "^s")."""
    return cell_len(key_display) + (1 + cell_len(description) if description else 0)


def fit_keys(
    items: list[tuple[str, str, str, int]], width: int, current_key: str | None
) -> set[str]:
    """Which keys to show: ``items`` are (key, key display, description, rank) in order.

    Rank 0 is the screen's, 1 a focused widget's, 2 the app's. Returns the keys that fit in
    ``width`` cells after dropping in the order the module docstring gives.
    """
    # The screen's own key is never offered on it: "f3 Dashboard" on the dashboard at 120
    # columns read as a way elsewhere (a fresh tester's finding); F1 still lists it.
    shown = [key for key, *_ in items if key != current_key]
    size = {key: _width(display, text) for key, display, text, _ in items}
    rank = {key: r for key, _, _, r in items}

    def total() -> int:
        return sum(size[k] for k in shown) + PALETTE_WIDTH

    drop_order = [k for k in reversed(SCREEN_KEYS) if k in shown]
    drop_order += [k for k in reversed(shown) if rank[k] == 1]
    drop_order += [k for k in reversed(shown) if rank[k] == 2 and k not in drop_order]
    drop_order += [k for k in reversed(shown) if rank[k] == 0][:-1]  # keep the first
    dropped: list[str] = []
    for key in drop_order:
        if total() <= width:
            break
        if key not in ALWAYS_SHOWN:
            shown.remove(key)
            dropped.append(key)
    for key in reversed(dropped):  # a shorter key dropped early may fit again
        if total() + size[key] <= width:
            shown.append(key)
    return set(shown)


class ShownKey(NamedTuple):
    """A key the footer shows: where it is drawn (``x`` and ``width`` in cells from the
    footer's left edge) and what pressing or clicking it does."""

    key: str
    display: str
    description: str
    action: str
    disabled: bool
    tooltip: str
    palette: bool  # the command palette's key, drawn at the right edge
    x: int
    width: int


class AppFooter(Widget, can_focus=False):
    """A compact footer with a focus-independent order that fits the terminal, in one widget."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "footer-key--key",
        "footer-key--description",
        "app-footer--item",
        "app-footer--hover",
        "app-footer--separator",
    }
    # Textual's Footer and FooterKey (compact) rules, on one widget: the key's own background
    # (item), under the mouse (hover), and the palette key's left border (separator).
    DEFAULT_CSS = """
    AppFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .footer-key--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .app-footer--item { background: $footer-item-background; }
        .app-footer--hover { background: $block-hover-background; }
        .app-footer--separator { color: $foreground 20%; }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        #: The keys as last drawn (``render_line``), left to right, the palette's last.
        self.shown: tuple[ShownKey, ...] = ()
        self._shown_keys: tuple[object, ...] | None = None
        self._hover: str | None = None  # the key under the mouse

    def on_mount(self) -> None:
        # Called as the bindings change (immediate), not after the screen's next refresh (as
        # Textual's footer is): the keys change in the frame that shows what changed them (a
        # search's answer taking the focus, the detail opening), not a tick or two later.
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed, immediate=True)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Repaint when the keys to show changed (a key came, went, or was enabled or
        disabled): one line, no layout, as the footer is one line whatever it shows."""
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        signature = self._keys_signature()
        if signature != self._shown_keys:
            self._shown_keys = signature
            self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.refresh()

    def _keys_signature(self) -> tuple[object, ...]:
        rows = self._ordered()
        active = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        return (
            self.app.size.width,
            self._current_key(),
            tuple((b.key, b.description, enabled, tooltip) for b, enabled, tooltip, _ in rows),
            None if active is None else (active[2], active[3]),
        )

    def _ordered(self) -> list[tuple[Binding, bool, str, int]]:
        screen, app = self.screen, self.app
        seen_actions: set[str] = set()
        rows: list[tuple[Binding, bool, str, int]] = []
        for node, binding, enabled, tooltip in screen.active_bindings.values():
            if not binding.show or binding.action in seen_actions:
                continue
            if binding.key == app.COMMAND_PALETTE_BINDING:
                continue
            seen_actions.add(binding.action)
            rank = 0 if node is screen else 2 if node is app else 1
            rows.append((binding, enabled, tooltip, rank))

        def declared(row: tuple[Binding, bool, str, int]) -> tuple[int, int]:
            node = screen if row[3] == 0 else app if row[3] == 2 else None
            order = list(node._bindings.key_to_bindings) if node is not None else []
            key = row[0].key
            return row[3], order.index(key) if key in order else len(order)

        rows.sort(key=declared)  # the declared order, whichever widget has focus
        return rows

    def _current_key(self) -> str | None:
        """The F-key of the mode this footer's screen belongs to (not the app's current mode:
        a screen being left is signalled after the app switched)."""
        stacks = getattr(self.app, "_screen_stacks", {})
        modes = [mode for mode, stack in stacks.items() if self.screen in stack]
        mode = modes[0] if modes else getattr(self.app, "current_mode", None)
        keys = dict(
            zip(
                ("connect", "dashboard", "observations", "runs", "export"), SCREEN_KEYS, strict=True
            )
        )
        return keys.get(mode or "")

    def _plan(self) -> list[ShownKey]:
        """The keys to show, in order (see the module docstring), placed as Textual's compact
        footer places them: each key "^s Start" and a cell of margin; the palette's key at the
        right edge, "▏^p palette" and its margin (:data:`PALETTE_WIDTH` cells)."""
        rows = self._ordered()
        display = self.app.get_key_display
        items = [(b.key, display(b), b.description, rank) for b, _, _, rank in rows]
        if getattr(self.screen, "FOOTER_SHORT_WORDS", False):  # the screens that ask for it
            items = shortened(items, self.app.size.width, self._current_key())
        keep = fit_keys(items, self.app.size.width, self._current_key())
        words = {key: text for key, _, text, _ in items}
        plan: list[ShownKey] = []
        x = 0
        for binding, enabled, tooltip, _ in rows:
            if binding.key not in keep:
                continue
            width = _drawn_width(display(binding), words[binding.key])
            plan.append(
                ShownKey(
                    binding.key,
                    display(binding),
                    words[binding.key],
                    binding.action,
                    not enabled,
                    str(tooltip or ""),
                    False,
                    x,
                    width,
                )
            )
            x += width + 1
        palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if self.app.ENABLE_COMMAND_PALETTE and palette is not None:
            _node, binding, enabled, _tooltip = palette
            width = 1 + _drawn_width(display(binding), binding.description)  # the border, too
            plan.append(
                ShownKey(
                    binding.key,
                    display(binding),
                    binding.description,
                    binding.action,
                    not enabled,
                    binding.tooltip or binding.description,
                    True,
                    self.size.width - width - 1,
                    width,
                )
            )
        return plan

    def render_line(self, y: int) -> Strip:
        """The line of keys, drawn as Textual's compact footer draws its FooterKey widgets:
        each key's parts in the colours its rules give (the theme's footer variables), and
        between keys the footer's background alone (no text colour, as a container's blank)."""
        width = self.size.width
        footer_bg = self.background_colors[1]
        blank = Style(bgcolor=footer_bg.rich_color)
        if y:
            return Strip.blank(width, blank)
        plan = self._plan()
        self.shown = tuple(plan)
        self._shown_keys = self._keys_signature()
        segments: list[Segment] = []
        used = 0
        for key in plan:
            start = key.x + 1 if key.palette else key.x  # the palette's border comes first
            if key.palette and used > key.x:  # drawn over the keys that run under it
                segments = list(Strip(segments).crop(0, key.x))
                used = key.x
            if start - (1 if key.palette else 0) > used:
                segments.append(Segment(" " * (start - (1 if key.palette else 0) - used), blank))
            if key.palette:
                separator = self.get_component_styles("app-footer--separator").color
                edge_bg = self._under(key, footer_bg)
                edge = Style(color=(footer_bg + separator).rich_color, bgcolor=edge_bg.rich_color)
                segments.append(Segment("▏", edge))  # "border-left: vkey $foreground 20%"
            segments.extend(self._key_segments(key, footer_bg))
            used = key.x + key.width
        if used < width:
            segments.append(Segment(" " * (width - used), blank))
        return Strip(segments).crop(0, width).simplify()

    def _under(self, key: ShownKey, footer_bg: Color) -> Color:
        """A key's background: the footer's, under the key's own (or the hover's)."""
        layer = "app-footer--hover" if key.key == self._hover else "app-footer--item"
        return footer_bg + self.get_component_styles(layer).background

    def _key_segments(self, key: ShownKey, footer_bg: Color) -> list[Segment]:
        """``^s Start`` as FooterKey (compact) draws it: bold key, its description, dimmed
        when disabled."""
        item_bg = self._under(key, footer_bg)
        # The key's own style under its parts' (FooterKey's ``stylize_before(rich_style)``).
        under = self.rich_style + Style(bgcolor=item_bg.rich_color)
        if key.disabled:
            under += Style(dim=True)
        parts: list[Segment] = []
        for component, text in (
            ("footer-key--key", key.display),
            ("footer-key--description", f" {key.description}" if key.description else ""),
        ):
            styles = self.get_component_styles(component)
            color = styles.color if styles.has_rule("color") else self.styles.color
            bgcolor = (item_bg + styles.background).rich_color
            if text:
                style = under + Style(color=color.rich_color, bgcolor=bgcolor) + styles.text_style
                parts.append(Segment(text, style))
        return parts

    def _key_at(self, x: int) -> ShownKey | None:
        for key in self.shown:
            if key.x <= x < key.x + key.width:
                return key
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._hover_on(self._key_at(event.x))

    def on_leave(self, event: events.Leave) -> None:
        self._hover_on(None)

    def _hover_on(self, key: ShownKey | None) -> None:
        name = None if key is None else key.key
        if name == self._hover:
            return
        self._hover = name
        self.styles.pointer = "default" if key is None else "pointer"
        self.tooltip = (key.tooltip or None) if key is not None else None
        self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """As clicking Textual's footer key does: the key pressed, or a bell when disabled."""
        key = self._key_at(event.x)
        if key is None:
            return
        if key.disabled:
            self.app.bell()
        else:
            self.app.simulate_key(key.key)
