"""The connect screen's depth: one of a few choices (7, 30, 90 days), as one widget.

It was Textual's compact :class:`~textual.widgets.RadioSet` of three
:class:`~textual.widgets.RadioButton` widgets: four widgets styled, measured, laid out and
rendered on their own, with two component classes each, and their default CSS parsed, ~60k of
the ~975k Python calls to the app's first frame (issue 13). This widget draws the same line
from the same theme variables: ``▐●▌ 7 days`` the pressed choice, ``▐ ▌ 30 days`` another
(the dot only where pressed, ``widgets/toggles.py``), two cells between choices, the pressed
choice's mark in ``$text-success``, the others' in ``$panel-darken-2``.

It behaves as the RadioSet did: it takes focus as one widget (Tab stops once); the cursor
starts on the first choice, whichever is pressed; left/up and right/down move the cursor
(wrapping); enter or space presses the choice under the cursor; a click focuses the widget and
presses the choice clicked, which also moves the cursor there. While focused, the cursor's
label shows in the block cursor's colours; the label under the mouse is highlighted, except the
cursor's while the widget is blurred (the connect screen's rule for the RadioSet). Pressing the
pressed choice changes nothing. A change of choice posts :class:`DepthChoice.Changed`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.style import Style
from textual.widget import Widget

__all__ = ["DepthChoice"]

BUTTON = ("▐", "●", "▌")  # RadioButton's BUTTON_LEFT, BUTTON_INNER, BUTTON_RIGHT
GAP = 2  # cells after each choice: the RadioButtons' margin-right (the last one's too)


class DepthChoice(Widget, can_focus=True):
    """Choices ``(value, label)``, one pressed; ``value`` is the pressed choice's value."""

    ALLOW_SELECT = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,right", "next_choice", "Next option", show=False),
        Binding("enter,space", "press_choice", "Toggle", show=False),
        Binding("up,left", "previous_choice", "Previous option", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "choice--button",
        "choice--button-on",
        "choice--label",
        "choice--label-cursor",
        "choice--label-hover",
    }
    # Textual's compact RadioSet, its RadioButtons (ToggleButton's rules) and the connect
    # screen's ":blur" rule, rule for rule; a label's padding is the cell each side of it.
    DEFAULT_CSS = """
    DepthChoice {
        width: auto;
        height: 1;
        background: $surface;
        pointer: pointer;
        &:focus {
            background-tint: $foreground 5%;
        }
        & > .choice--button {
            color: $panel-darken-2;
            background: $panel;
        }
        & > .choice--button-on {
            color: $text-success;
            background: $panel;
        }
        & > .choice--label-hover {
            background: $block-hover-background;
        }
        &:focus > .choice--label-cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        &:ansi {
            & > .choice--button {
                background: $ansi-background;
                color: $ansi-foreground;
                text-style: dim;
            }
            & > .choice--button-on {
                color: $accent;
                background: $ansi-background;
                text-style: bold not dim;
            }
        }
    }
    """

    class Changed(Message):
        """The pressed choice changed; ``value`` is the new one's value."""

        def __init__(self, choice: DepthChoice, value: int) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> DepthChoice:
            return self.choice

    #: The index of the pressed choice, of the cursor, and of the choice under the mouse.
    pressed: reactive[int] = reactive(0, init=False)
    cursor: reactive[int] = reactive(0, init=False)
    hovered: reactive[int | None] = reactive[int | None](None, init=False)

    def __init__(
        self, choices: Sequence[tuple[int, str]], value: int, *, id: str | None = None
    ) -> None:
        """``choices`` in the order shown; ``value`` (one of their values) starts pressed.
        Raises ValueError when ``value`` is not one of them or ``choices`` is empty."""
        super().__init__(id=id)
        self._values = [choice for choice, _ in choices]
        self._labels = [Content(label) for _, label in choices]
        self.set_reactive(DepthChoice.pressed, self._values.index(value))

    @property
    def value(self) -> int:
        return self._values[self.pressed]

    @value.setter
    def value(self, value: int) -> None:
        """Press the choice of ``value`` (ValueError if none has it), as a click on it does."""
        self.press(self._values.index(value))

    def press(self, index: int) -> None:
        """Press choice ``index``: a change moves the cursor there and posts Changed."""
        if index != self.pressed:
            self.pressed = index
            self.cursor = index
            self.post_message(self.Changed(self, self._values[index]))

    def action_next_choice(self) -> None:
        self.cursor = (self.cursor + 1) % len(self._values)

    def action_previous_choice(self) -> None:
        self.cursor = (self.cursor - 1) % len(self._values)

    def action_press_choice(self) -> None:
        self.press(self.cursor)

    def watch_pressed(self) -> None:
        self.refresh()

    def watch_cursor(self) -> None:
        self.refresh()

    def watch_hovered(self) -> None:
        self.refresh()

    def _spans(self) -> list[tuple[int, int]]:
        """Each choice's cells, [start, end): its button, a space, its label, a space."""
        spans, x = [], 0
        for label in self._labels:
            width = len(BUTTON) + label.cell_length + 2
            spans.append((x, x + width))
            x += width + GAP
        return spans

    def _choice_at(self, x: int) -> int | None:
        return next((i for i, (a, b) in enumerate(self._spans()) if a <= x < b), None)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._spans()[-1][1] + GAP

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1

    def render(self) -> Content:
        """The choices as the RadioButtons drew them (``ToggleButton.render``)."""
        parts: list[Content] = []
        background = self.background_colors[1]
        for index, label in enumerate(self._labels):
            on = index == self.pressed
            button_style = self.get_visual_style("choice--button-on" if on else "choice--button")
            side = Style(foreground=button_style.background, background=background)
            classes = ["choice--label"]
            if index == self.hovered and (self.has_focus or index != self.cursor):
                classes.append("choice--label-hover")
            if index == self.cursor:
                classes.append("choice--label-cursor")
            label_style = self.get_visual_style(*classes)
            parts.append(
                Content.assemble(
                    (BUTTON[0], side),
                    # the dot only on the pressed choice: its colour alone was the state,
                    # lost on a monochrome terminal or a pasted screen (widgets/toggles.py)
                    (BUTTON[1] if on else " ", button_style),
                    (BUTTON[2], side),
                    label.pad(1, 1).stylize_before(label_style),
                    " " * GAP,
                )
            )
        return Content("").join(parts)

    async def _on_click(self, event: events.Click) -> None:
        """Focus, and press the choice clicked (a click between choices only focuses)."""
        self.focus()
        index = self._choice_at(event.x)
        if index is not None:
            self.press(index)

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        self.hovered = self._choice_at(event.x)

    def _on_leave(self, event: events.Leave) -> None:
        self.hovered = None
