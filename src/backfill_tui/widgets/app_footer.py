"""The app's footer: a stable order of keys, and only as many as the terminal's width holds.

Textual's :class:`~textual.widgets.Footer` lists the focused widget's keys first, so the order
moves as focus moves, and it cuts the line off when the keys do not fit ("f4▏^p paletten" at
80 columns). This footer orders keys by where they are bound: the screen's own keys first (in
their declared order), then the focused widget's, then the app's (F1 help, the screens' F-keys,
quit). When the line is too long it drops, in turn: the F-key of the screen already shown, the
other screens' F-keys from F6 down, and then the screen's last keys; F1 (help, which lists
every key) and the command palette stay. Every key dropped stays bound and is in F1 and ctrl+p.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from textual.app import ComposeResult
from textual.binding import Binding
from textual.compose import compose
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.screen import Screen

__all__ = ["AppFooter", "fit_keys"]

#: App keys that switch screens, dropped first (last in this tuple first) when space runs out.
SCREEN_KEYS = ("f2", "f3", "f4", "f5", "f6")
PALETTE_WIDTH = 12  # "▏^p palette" and its margin


def _width(key_display: str, description: str) -> int:
    return len(key_display) + 1 + len(description) + 1  # compact: "^s Start" and a gap


def fit_keys(
    items: list[tuple[str, str, str, int]], width: int, current_key: str | None
) -> set[str]:
    """Which keys to show: ``items`` are (key, key display, description, rank) in order.

    Rank 0 is the screen's, 1 a focused widget's, 2 the app's. Returns the keys that fit in
    ``width`` cells after dropping in the order the module docstring gives.
    """
    shown = [key for key, *_ in items]
    size = {key: _width(display, text) for key, display, text, _ in items}
    rank = {key: r for key, _, _, r in items}

    def total() -> int:
        return sum(size[k] for k in shown) + PALETTE_WIDTH

    drop_order: list[str] = []
    if current_key in shown:
        drop_order.append(current_key)
    drop_order += [k for k in reversed(SCREEN_KEYS) if k in shown and k != current_key]
    drop_order += [k for k in reversed(shown) if rank[k] == 1]
    drop_order += [k for k in reversed(shown) if rank[k] == 2 and k not in drop_order]
    drop_order += [k for k in reversed(shown) if rank[k] == 0][:-1]  # keep the first
    dropped: list[str] = []
    for key in drop_order:
        if total() <= width:
            break
        if key != "f1":
            shown.remove(key)
            dropped.append(key)
    for key in reversed(dropped):  # a shorter key dropped early may fit again
        if total() + size[key] <= width:
            shown.append(key)
    return set(shown)


class AppFooter(Footer):
    """A compact :class:`Footer` with a focus-independent order that fits the terminal."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._fitted_width = 0
        self._shown_keys: tuple[object, ...] | None = None
        self._recomposing = False
        self._recompose_again = False

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Recompose only when the keys shown would change (Textual's ``Footer`` recomposes on
        every ``refresh_bindings``, and a recompose lays the whole screen out again: a stall of
        30-60 ms while a run's progress redraws; ``bench/ui_latency.py``). A change is noted at
        once, so the signals that follow before the recompose do not queue more.

        It is called as the bindings change (``_subscribe_at_once``), and keys that are only
        enabled or disabled are restyled then; a recompose comes next, not after the screen's
        next refresh (as Textual's does). The keys change in the frame that shows what changed
        them (a search's answer taking the focus, the detail opening), not in a frame of their
        own a tick or two later, which kept a search key busy ~30 ms longer
        (bench/app_scale.py "search emoji")."""
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        signature = self._keys_signature()
        if signature != self._shown_keys:
            self._shown_keys = signature
            if not self._restyled_in_place():
                self.call_next(self.recompose)

    def on_mount(self) -> None:
        # Textual's Footer (its on_mount runs after this one) subscribes to have
        # bindings_changed called after the messages queued before the signal; subscribed
        # at once, a key enabled or disabled is restyled before the frame being made.
        self.call_next(self._subscribe_at_once)

    def _subscribe_at_once(self) -> None:
        signal = self.screen.bindings_updated_signal
        signal.unsubscribe(self)
        signal.subscribe(self, self.bindings_changed, immediate=True)

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

    def compose(self) -> ComposeResult:
        # Textual's Footer composes no key until the first bindings signal, then mounts them
        # all in a pass of their own. On the screen being shown (the app's first screen) the
        # keys are composed with the footer, so they arrive with the screen's first layout and
        # the signal that follows changes nothing or only what changed (``bindings_changed``):
        # ~20 ms less of the app's start at 120x36 (issue 13). Screens built ahead wait for
        # the signal, as Textual's footer does.
        if not self._bindings_ready and not self.screen.is_current:
            return
        self.set_reactive(Footer._bindings_ready, True)
        plan = self._plan()
        self._fitted_width = self.app.size.width
        self._shown_keys = self._keys_signature()
        self.styles.grid_size_columns = sum(1 for key in plan if not key.classes)
        # A key starts with the footer's ``-compact`` class: its ``compact`` (True unless
        # bound otherwise) adds it as it mounts, which restyled every key a second time before
        # the first frame (issue 13). Already there, that is no change and no restyle.
        compact = ("-compact",) if self.compact else ()
        for key in plan:
            widget = FooterKey(
                key.key,
                key.display,
                key.description,
                key.action,
                classes=" ".join((*key.classes, *compact)),
                disabled=key.disabled,
                tooltip=key.tooltip,
            )
            yield widget if key.classes else widget.data_bind(compact=Footer.compact)

    def _restyled_in_place(self) -> bool:
        """When the keys to show are those shown, in the same order, some now enabled or
        disabled (the search box taking the focus disables "/"): each changed key restyled
        where it stands, no key widget built, and True. Mounting them again laid the whole
        screen out (bench/app_scale.py "search", "detail")."""
        old = list(self.query_children(FooterKey))
        plan = self._plan()
        if [_identity(k, state=False) for k in old] != [key.identity for key in plan]:
            return False
        for shown, (*_, disabled, tooltip, _classes) in zip(old, plan, strict=True):
            if shown._disabled != disabled:
                shown._disabled = disabled
                shown.set_class(disabled, "-disabled")
            if str(shown.tooltip or "") != tooltip:
                shown.tooltip = tooltip or None
        return True

    async def recompose(self) -> None:
        """Mount and remove only the keys that came or went: Textual's recompose mounts every
        key again (each restyled twice as it binds ``compact``), which was the largest part of
        opening or closing the observation detail, whose "esc Close" comes and goes
        (``bench/app_scale.py`` "detail"). When no key stays, or those that stay are in another
        order, all are mounted again, as Textual does.

        One runs at a time: a resize asks for one after the refresh (from the app's queue) and
        a change of bindings from the footer's own, and two run interleaved each mounted the
        keys it found missing, so keys repeated and overflowed the line ("f5 Runs f2 C▏^p
        paletteu" at 80x24 after a visit at 50x15; a fresh tester's finding, on 5426b4c too).
        One asked for while another runs makes it plan again when it ends."""
        if self._recomposing:
            self._recompose_again = True
            return
        self._recomposing = True
        try:
            self._recompose_again = True
            while self._recompose_again:
                self._recompose_again = False
                await self._recompose_once()
        finally:
            self._recomposing = False

    async def _recompose_once(self) -> None:
        if not self.is_attached or self._pruning or self._restyled_in_place():
            return
        old = list(self.query_children(FooterKey))
        new = [w for w in compose(self) if isinstance(w, FooterKey)]  # all it composes
        old_ids, new_ids = [_identity(k) for k in old], [_identity(k) for k in new]
        kept = [i for i in new_ids if i in old_ids]
        in_order = [i for i in old_ids if i in new_ids] == kept
        async with self.batch():
            if not kept or not in_order or len(set(old_ids)) != len(old_ids):
                await self.query_children("*").exclude(".-textual-system").remove()
                await self.mount_all(new)
                return
            gone = [k for k, i in zip(old, old_ids, strict=True) if i not in new_ids]
            if gone:
                await self.remove_children(gone)
            staying: dict[tuple[object, ...], FooterKey] = dict(zip(old_ids, old, strict=True))
            previous: FooterKey | None = None
            for widget, ident in zip(new, new_ids, strict=True):
                if ident not in staying:
                    if previous is None:
                        await self.mount(widget, before=0)
                    else:
                        await self.mount(widget, after=previous)
                previous = staying.get(ident, widget)

    def _plan(self) -> list[_PlannedKey]:
        """The keys to show, in order (see the module docstring), as :meth:`compose` builds
        them and :meth:`recompose` compares them with those shown."""
        rows = self._ordered()
        items = [
            (b.key, self.app.get_key_display(b), b.description, rank) for b, _, _, rank in rows
        ]
        keep = fit_keys(items, self.app.size.width, self._current_key())
        plan = [
            _PlannedKey(
                b.key,
                self.app.get_key_display(b),
                b.description,
                b.action,
                not enabled,
                str(tooltip or ""),
                (),
            )
            for b, enabled, tooltip, _ in rows
            if b.key in keep
        ]
        palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and palette is not None:
            _node, binding, enabled, _tooltip = palette
            plan.append(
                _PlannedKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    not enabled,
                    binding.tooltip or binding.description,
                    ("-command-palette",),
                )
            )
        return plan

    def on_resize(self, event: Resize) -> None:
        if self._bindings_ready and self.app.size.width != self._fitted_width:
            self.call_after_refresh(self.recompose)


class _PlannedKey(NamedTuple):
    """A footer key to show (``AppFooter._plan``), before any widget is built for it."""

    key: str
    display: str
    description: str
    action: str
    disabled: bool
    tooltip: str
    classes: tuple[str, ...]

    @property
    def identity(self) -> tuple[object, ...]:
        """As :func:`_identity` with ``state=False`` says of the key's widget."""
        return (self.key, self.display, self.description, self.action, *self.classes)


def _identity(key: FooterKey, *, state: bool = True) -> tuple[object, ...]:
    """What a footer key shows and does: two keys alike in this are interchangeable (its
    ``-compact`` class follows the footer's, set once it is mounted). ``state=False`` leaves
    out what can change in place: whether it is enabled, and its tooltip."""
    classes = set(key.classes) - {"-compact"}
    if not state:
        return (
            key.key,
            key.key_display,
            key.description,
            key.action,
            *sorted(classes - {"-disabled"}),
        )
    return (
        key.key,
        key.key_display,
        key.description,
        key.action,
        key._disabled,
        str(key.tooltip or ""),
        tuple(sorted(classes)),
    )
