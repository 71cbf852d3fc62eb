"""The engine: the faces' only door to a backfill (plan, run, resume, cancel; progress events;
checks, estimates and recording sessions; runs, reports and diffs as read models over the store).

Submodules are imported by name (``from backfill_tui.engine.run import Engine``) so that
``--help`` loads none of them; this package's ``__init__`` stays empty of imports.
"""
