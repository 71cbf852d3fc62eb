"""``BACKFILL_SIM`` under ``backfill-tui demo``: the options it names replace the demo's own, the
demo's others stay (``BACKFILL_SIM=seed=7`` lost the demo's latency and rate limits: a fresh
tester's finding)."""

from __future__ import annotations

import pytest

from backfill_tui.cli.app import DEMO_SIM, demo_settings
from backfill_tui.engine.environment import Environment
from backfill_tui.simulator import SimulatorConfig

DEMO = SimulatorConfig.from_env_string(DEMO_SIM)


def _config(given: str | None) -> SimulatorConfig:
    environment = Environment.create(simulate=True, simulator_config=demo_settings(given), env={})
    assert environment.simulator is not None
    return environment.simulator.config


def test_no_backfill_sim_is_the_demos_own_pacing() -> None:
    assert demo_settings(None) == DEMO_SIM
    assert demo_settings("") == DEMO_SIM
    assert DEMO.latency == 1.0 and DEMO.rate_limit_every == 20 and DEMO.retry_after == 6


def test_an_option_given_is_added_and_the_demos_pacing_kept() -> None:
    config = _config("seed=7")
    assert config.seed == 7
    assert (config.latency, config.rate_limit_every, config.retry_after) == (1.0, 20, 6)


def test_an_option_the_demo_sets_is_replaced_by_the_one_given_the_others_kept() -> None:
    config = _config(" latency = 0.1 , faults=0.1")
    assert (config.latency, config.faults) == (0.1, 0.1)
    assert (config.rate_limit_every, config.retry_after) == (20, 6)
    assert not _config("rate_limit_every=0").rate_limit_every  # "never" is an override too


def test_merging_keeps_the_given_text_so_its_mistakes_are_still_said() -> None:
    assert SimulatorConfig.merged("a=1,b=2", "b=3,c=4") == "a=1,b=3,c=4"
    with pytest.raises(ValueError, match="'latency' is given twice"):
        SimulatorConfig.from_env_string(demo_settings("latency=0,latency=2"))
    with pytest.raises(ValueError, match="unknown simulator option 'sead'"):
        SimulatorConfig.from_env_string(demo_settings("sead=7"))
