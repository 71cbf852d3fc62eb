"""What every subcommand shares: the one-line usage errors, ``--db`` and the default paths,
the ``--days`` and count arguments, and the hint pointing at the demo's own mirror.

A command module (``cli/run.py``, ``cli/export.py``, ...) defines ``register(subparsers)`` that
adds its parser with ``set_defaults(handler=...)``; ``cli.COMMANDS`` lists the modules.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from ..errors import (
    EXIT_BAD_INPUT,
    EXIT_INCOMPLETE,
    EXIT_OK,
    MirrorMissing,
    UsageError,
    folder_ending,
)
from ..terms import APP, MAX_COUNT, db_flag, default_db, did_you_mean, suggest
from ..textsafe import ascii_int, escaped, fold_commands

if TYPE_CHECKING:
    from ..engine.mirror import Mirror

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INCOMPLETE",
    "EXIT_OK",
    "Parser",
    "add_db_option",
    "add_summary_options",
    "count_arg",
    "days_arg",
    "db_arg",
    "db_path",
    "demo_mirror_hint",
    "error_line",
    "for_stderr",
    "max_items_arg",
    "missing_mirror_line",
    "open_mirror",
    "positive_arg",
    "run_id_arg",
    "url_arg",
]


#: Words a person types for the terminal app, which has no command of its own.
_APP_WORDS = frozenset({"app", "tui", "ui", "gui"})

_INVALID_CHOICE = re.compile(r"invalid choice: '(?P<word>[^']*)' \(choose from (?P<choices>.*)\)")


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2 (with a "did you mean" for a
    mistyped command or choice), and an option is taken only as spelled whole: argparse's
    abbreviations took ``--simulat`` as ``--simulate`` (a fresh tester's finding), and a
    prefix that means one option today would mean another once an option is added."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        """argparse's, but an unknown option gets a "did you mean" among the options of the
        command it was given to (``run --dyas 7``: ``did you mean '--days'?``)."""
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            parser = self._command_parser(parsed)
            options = [s for action in parser._actions for s in action.option_strings]
            hints = [
                did_you_mean(word.partition("=")[0], options)
                for word in extras
                if word.startswith("-")
            ]
            hint = next((h for h in hints if h), "")
            parser.error(
                f"unrecognized arguments: {' '.join(extras)};{hint}"
                if hint
                else f"unrecognized arguments: {' '.join(extras)}"
            )
        return parsed

    def _command_parser(self, parsed: argparse.Namespace) -> argparse.ArgumentParser:
        """The subcommand's parser ``parsed`` went through (this one when none was given)."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = action.choices.get(getattr(parsed, action.dest or "", None) or "")
                if isinstance(chosen, Parser):  # and on into its own subcommand, if any
                    return chosen._command_parser(parsed)
                if isinstance(chosen, argparse.ArgumentParser):
                    return chosen
        return self

    def error(self, message: str) -> NoReturn:
        found = _INVALID_CHOICE.search(message)
        if found:
            choices = re.findall(r"'([^']*)'", found["choices"])
            hint = did_you_mean(found["word"], choices)
            if hint:
                message = f"{message[: found.start()]}unknown '{found['word']}';{hint}"
            elif found["word"] in _APP_WORDS and "run" in choices:
                # `backfill-tui app` (or tui, ui): the terminal app is the command-less form
                message = (
                    f"{message[: found.start()]}unknown '{found['word']}'; the terminal app "
                    f"opens with no command: {self.prog} [--db PATH]"
                )
        if re.search(r"arguments are required: (.*, )?(RUN_ID|A|B)(,|$)", message):
            message += f"; `{APP} runs` lists the run ids"  # `resume` alone said nothing of it
        # "argument --db: --db is empty" (a type check that names its option) says it once
        # (also "argument --output/-o: --output is empty", "argument FILE: FILE is empty")
        message = re.sub(r"^argument ((?:--)?[\w-]+)(?:/-\w)?: \1 ", r"\1 ", message)
        sys.stderr.write(
            for_stderr(f"{self.prog}: error: {escaped(message)} (see {self.prog} --help)")
        )
        raise SystemExit(EXIT_BAD_INPUT)


def error_line(message: str) -> str:
    """The one line every command's error is printed as: ``backfill-tui: error: ...``, secrets
    redacted, and control characters (from a path, a run id, a provider's answer) escaped so
    the terminal neither acts on them nor breaks the line (:func:`~backfill_tui.textsafe.escaped`)."""
    from ..secrets_registry import redact

    return for_stderr(f"{APP}: error: {escaped(redact(message))}")


def for_stderr(line: str) -> str:
    """``line`` as written to stderr, ending in a newline: on a terminal (or where
    ``TTY_COMPATIBLE=1`` says stderr is one, as Rich reads it) folded between words to its width
    (``COLUMNS``, else the terminal's), the later lines indented 2, a word longer than a line
    kept whole, a command it suggests never cut (:func:`~backfill_tui.textsafe.fold_commands`);
    elsewhere (a log, a pipe a script reads) one line. The terminal's own wrap broke
    words in two at 50 columns ("wh" / "at was stored", a fresh tester's finding)."""
    try:
        terminal = sys.stderr.isatty() or os.environ.get("TTY_COMPATIBLE") == "1"
    except (AttributeError, ValueError):  # no stderr, or a closed one
        terminal = False
    if not terminal:
        return f"{line}\n"
    width = max(20, shutil.get_terminal_size().columns)
    return f"{line}\n" if len(line) <= width else "\n".join(fold_commands(line, width)) + "\n"


def db_arg(text: str) -> Path:
    """``--db``'s value as a path; an empty one (``--db ''``) is refused, not read as ``.``,
    and so is one ending in a slash (:func:`_file_path`)."""
    return _file_path("--db", text, "mirror.db")


def file_arg(option: str, example: str) -> Callable[[str], Path]:
    """An argument type for ``option``'s FILE: an empty one (``--record ''``) is refused as
    empty, not read as ``.`` (which was then refused as a folder), and so is one ending in a
    slash (:func:`_file_path`; ``example``: a file name to suggest in the folder)."""
    return lambda text: _file_path(option, text, example)


def _file_path(option: str, text: str, example: str) -> Path:
    """``text`` as a file's path, or ``argparse.ArgumentTypeError`` for an empty one, a token
    (``outputs.token_path_problem``) or a folder by its spelling (``errors.folder_ending``)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"{option} is empty; give a file path")
    from ..engine.outputs import token_path_problem

    if problem := token_path_problem(text, option):  # first: the lines below repeat the text
        raise argparse.ArgumentTypeError(problem)
    ending = folder_ending(text)
    if ending == "/":
        raise argparse.ArgumentTypeError(
            f"{option} {escaped(text)} ends in a slash, so it names a folder; give a file "
            f"path in it, such as {escaped(text.rstrip('/' + os.sep))}/{example}"
        )
    if ending is not None:
        raise argparse.ArgumentTypeError(
            f"{option} {escaped(text)} ends in {ending!r}, so it names a folder; give a file "
            f"path, such as {escaped(os.path.join(os.path.normpath(text), example))}"
        )
    return Path(text)


def url_arg(text: str) -> str:
    """``--url``'s value (the event API's base URL); an empty one (``--url ''``, an unset
    variable in a script) is refused: left as it was, it meant Inngest Cloud's production
    endpoint (a fresh tester's finding). Its form is checked by ``export.event_endpoint.endpoint``."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "--url is empty; leave it out for Inngest Cloud (https://inn.gs) or give a dev "
            "server's URL such as http://127.0.0.1:8288"
        )
    return text


def run_id_arg(text: str) -> str:
    """A RUN_ID argument; an empty one (``report ''``) is refused rather than looked up."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"RUN_ID is empty; give a run id; `{APP} runs` lists them")
    return text


def add_db_option(parser: argparse.ArgumentParser, dest: str = "db") -> None:
    """``--db PATH``, stored as ``dest`` only when given (the program's own, before a command,
    is ``db_before``: ``cli._main`` tells the two apart)."""
    parser.add_argument(
        "--db",
        dest=dest,
        type=db_arg,
        action=GivenOnce,
        default=argparse.SUPPRESS,  # keep a top-level `backfill-tui --db PATH run ...`
        metavar="PATH",
        help=f"the mirror file (default: {default_db()})",
    )


class GivenOnce(argparse.Action):
    """An option whose second, different value is refused (exit 2, one line) rather than
    silently winning, as argparse's last-one-wins would: ``runs --db A --db B`` read B and
    said nothing of A (a tester's finding). The same value twice is accepted."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        earlier = getattr(namespace, self.dest, None)
        if earlier is not None and earlier != values:
            parser.error(f"{option_string} is given twice ({earlier}, then {values}); give it once")
        setattr(namespace, self.dest, values)


def add_apply_options(parser: argparse.ArgumentParser, doing: str) -> None:
    """``--apply`` (``doing``: what it really does, "write" rows or "send" events) and
    ``--dry-run``, the default said aloud, one or the other: a dry-run flag is the first thing a
    user tries, and it was refused as an unknown argument (a tester's finding); given with
    ``--apply``, argparse refuses the pair (exit 2)."""
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--apply", action="store_true", help=f"really {doing} (default: a dry run)")
    mode.add_argument(
        "--dry-run", action="store_true", help="only say what --apply would do (the default)"
    )


def add_summary_options(parser: argparse.ArgumentParser) -> None:
    """``--json`` and ``--quiet``, as every command that drives a run takes them."""
    parser.add_argument(
        "--json", action="store_true", help="print the run summary as JSON on stdout"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress display on stderr")


def db_path(args: argparse.Namespace) -> Path:
    return args.db if getattr(args, "db", None) else default_db()


def open_mirror(args: argparse.Namespace, *, readonly: bool = False, create: bool = True) -> Mirror:
    """The mirror a command's ``--db`` (or the default) names; see :meth:`Mirror.open`.

    Reading (``readonly``) and ``create=False`` never make a file: a missing mirror is one line
    saying so and how to name the right one (exit 2).
    """
    from ..engine.mirror import Mirror

    path = db_path(args)
    try:
        mirror = Mirror.open(path, readonly=readonly, create=create)
    except MirrorMissing as exc:
        given = bool(getattr(args, "db", None))
        raise MirrorMissing(path, missing_mirror_line(path, given=given, state=exc.state)) from exc
    # said as it happens, before a run's progress: a run killed later had upgraded the file
    # without a word (a fresh tester's finding); cli.main says any other as the command ends
    upgrades_said()
    return mirror


def upgrades_said(*, quiet: bool = False) -> None:
    """A line on stderr for each older mirror this process upgraded as it opened it and has
    not said yet (``engine.mirror.upgrade_notes``, which forgets them); ``quiet``: forget them
    unsaid. Nothing is imported while the store is not loaded: ``--help`` and a bad argument
    load none of it."""
    if "backfill_tui.store.mirror" not in sys.modules:
        return
    from ..engine.mirror import upgrade_notes

    for line in upgrade_notes():
        if not quiet:
            with suppress(OSError, ValueError):  # stderr closed: nothing to tell
                sys.stderr.write(for_stderr(line))  # folded between words on a terminal


def missing_mirror_line(path: Path, *, given: bool, state: str = "does not exist") -> str:
    """The line saying there is no mirror, with how to mend it: the default path or ``--db``
    (a blank SQLite file, ``MirrorMissing.NO_TABLES``: a run into it, or another ``--db``)."""
    if state == MirrorMissing.NO_TABLES:
        where = f"at {path}" if given else f"yet at the default path {path}"
        other = "another --db" if given else "--db PATH"
        return (
            f"no mirror {where} ({state.removeprefix('is ')}); `{APP} run` into it makes one, "
            f"or give {other}"
        )
    if given:
        return (
            f"no mirror at {path} (it {state}); check the path, or leave out --db for the "
            "default mirror "
            f"({default_db()})"
        )
    demo = default_db().with_name("demo.db")
    hint = (
        f"; runs made by `{APP} demo` are in {demo}: add{db_flag(demo)}" if demo.is_file() else ""
    )
    return (
        f"no mirror yet at the default path {path}; `{APP} run` makes one, or give --db PATH{hint}"
    )


def days_arg(text: str) -> int:
    """``--days``: 7, 30 or 90 (``engine.run.validate_depth``), else argparse's one line, the
    same for any value refused ("--days 30.0 is not offered; choose 7, 30 (recommended) or
    90"): ``31`` and ``30.0`` were refused in two wordings (a fresh tester's finding)."""
    from ..engine.run import validate_depth

    try:
        return validate_depth(ascii_int(text))
    except (ValueError, UsageError):
        # validate_depth's own words, for what was typed (Parser.error drops "argument --days:")
        wrong = f"--days {text.strip()[:40]} is not offered" if text.strip() else "--days is empty"
        raise argparse.ArgumentTypeError(f"{wrong}; choose 7, 30 (recommended) or 90") from None


def _whole(text: str) -> int:
    try:
        value = ascii_int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text[:40]}' is not a whole number") from None
    if value > MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{text[:40]} is too large; the most is {MAX_COUNT:,}")
    return value


def max_items_arg(text: str) -> int:
    """``--max-items``: a whole number a stream may store that many items of, by the rule
    every run's cap meets (``engine.plan.validate_max_items``: 1 to :data:`MAX_COUNT`), which a
    recording's header meets too; else argparse's one line ("--max-items 2000000000 is too
    large; the most is 1,000,000,000")."""
    from ..engine.plan import validate_max_items

    try:
        value = ascii_int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text[:40]}' is not a whole number") from None
    try:
        return validate_max_items(value)
    except UsageError as exc:  # its line names --max-items (Parser.error says it once)
        raise argparse.ArgumentTypeError(str(exc)) from None


def positive_arg(text: str) -> int:
    """A count from 1 to :data:`MAX_COUNT` (``runs --limit``)."""
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def count_arg(text: str) -> int:
    """A count from 0 to :data:`MAX_COUNT` (``diff --limit``): a whole number, never negative."""
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; give 0 or more")
    return value


def demo_mirror_hint(args: argparse.Namespace, run_ref: str | None = None) -> str:
    """Where `backfill-tui demo` keeps its runs, when the default mirror was read and the demo
    one exists (``run_ref``: say so only if that run is there). ``""`` when nothing to say."""
    if getattr(args, "db", None):
        return ""
    from ..engine.runs import find_run
    from ..terms import default_demo_db

    demo = default_demo_db()
    if not demo.is_file():
        return ""
    if run_ref is None:
        return f"runs made by `{APP} demo` are in {demo}: add{db_flag(demo)}"
    found = find_run(demo, run_ref)
    if found is None:
        return ""
    return f"run {found} was made by `{APP} demo`: `{suggest(f'resume {found}', demo)}`"
