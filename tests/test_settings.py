"""Tests for checkpointing._settings."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from checkpointing import ConfigurationError, defaults
from checkpointing._settings import (
    DIRECTORY_ENV,
    check_ignore,
    check_on_error,
    check_pickle_protocol,
    resolve_directory,
    resolve_on_error,
    resolve_pickle_protocol,
)

BUILTIN = {
    "cache.filesystem.directory": ".checkpointing",
    "checkpoint.on_error": "warn",
    "cache.pickle_protocol": 5,
    "checkpoint.lock_timeout": 3600.0,
}


class TestDefaults:
    def test_builtin_values(self):
        """defaults starts with the older package's keys and values."""
        assert BUILTIN == dict(defaults)

    def test_set_known_keys(self):
        """Known keys accept valid values."""
        defaults["checkpoint.on_error"] = "raise"
        defaults["cache.pickle_protocol"] = 4
        defaults["cache.filesystem.directory"] = Path("elsewhere")
        assert "raise" == defaults["checkpoint.on_error"]
        assert 4 == defaults["cache.pickle_protocol"]
        assert Path("elsewhere") == defaults["cache.filesystem.directory"]

    def test_unknown_key_refused(self):
        """An unknown key raises ConfigurationError listing the known ones."""
        with pytest.raises(ConfigurationError, match=r"known keys: cache\.filesystem"):
            defaults["cache.directory"] = "x"
        assert BUILTIN == dict(defaults)

    @pytest.mark.parametrize(
        ("key", "value"),
        [
            ("checkpoint.on_error", "loud"),
            ("cache.pickle_protocol", 1),
            ("cache.pickle_protocol", pickle.HIGHEST_PROTOCOL + 1),
            ("cache.pickle_protocol", True),
            ("cache.pickle_protocol", "5"),
            ("cache.filesystem.directory", ""),
            ("cache.filesystem.directory", 3),
        ],
    )
    def test_bad_values_refused(self, key, value):
        """Invalid values raise ConfigurationError and leave defaults unchanged."""
        with pytest.raises(ConfigurationError):
            defaults[key] = value
        assert BUILTIN == dict(defaults)

    def test_update_validates(self):
        """update() validates every item."""
        with pytest.raises(ConfigurationError):
            defaults.update({"checkpoint.on_error": "ignore", "bogus": 1})
        defaults.update(**{"checkpoint.on_error": "ignore"})
        assert "ignore" == defaults["checkpoint.on_error"]

    def test_setdefault_validates(self):
        """setdefault() refuses unknown keys and returns existing values."""
        with pytest.raises(ConfigurationError):
            defaults.setdefault("bogus", 1)
        assert "warn" == defaults.setdefault("checkpoint.on_error", "raise")

    def test_in_place_union_validates(self):
        """``defaults |= {...}`` refuses unknown keys like item assignment does."""
        alias = defaults
        with pytest.raises(ConfigurationError):
            alias |= {"bogus": 1}

    def test_reset(self):
        """reset() restores the built-in values."""
        defaults["checkpoint.on_error"] = "ignore"
        defaults.reset()
        assert BUILTIN == dict(defaults)


class TestChecks:
    @pytest.mark.parametrize("value", ["warn", "raise", "ignore"])
    def test_on_error_valid(self, value):
        """The three policies are accepted as they are."""
        assert value == check_on_error(value)

    @pytest.mark.parametrize("value", ["Warn", "", None, 1])
    def test_on_error_invalid(self, value):
        """Anything else raises ConfigurationError naming the option."""
        with pytest.raises(ConfigurationError, match="on_error must be one of"):
            check_on_error(value)

    @pytest.mark.parametrize("value", range(2, pickle.HIGHEST_PROTOCOL + 1))
    def test_pickle_protocol_valid(self, value):
        """Protocols 2 to HIGHEST_PROTOCOL are accepted."""
        assert value == check_pickle_protocol(value)

    @pytest.mark.parametrize(
        "value", [0, 1, pickle.HIGHEST_PROTOCOL + 1, False, 2.0, "4"]
    )
    def test_pickle_protocol_invalid(self, value):
        """Other protocols, bools and non-ints raise ConfigurationError."""
        with pytest.raises(ConfigurationError):
            check_pickle_protocol(value)

    def test_ignore_string_is_one_name(self):
        """A single string in ignore= is one parameter name, not its characters."""
        assert frozenset({"verbose"}) == check_ignore(
            "verbose", ["x", "verbose"], "m.f"
        )

    def test_ignore_unknown_name(self):
        """An ignore= name that is not a parameter raises ConfigurationError."""
        with pytest.raises(
            ConfigurationError, match=r"\['nope'\] are not parameters of m.f"
        ):
            check_ignore(["x", "nope"], ["x", "y"], "m.f")


class TestResolve:
    def test_directory_explicit_first(self, monkeypatch):
        """An explicit directory beats the environment and defaults."""
        monkeypatch.setenv(DIRECTORY_ENV, "from-env")
        defaults["cache.filesystem.directory"] = "from-defaults"
        assert "explicit" == resolve_directory("explicit")
        assert "explicit" == resolve_directory(Path("explicit"))

    def test_directory_environment_second(self, monkeypatch):
        """CHECKPOINTING_DIR beats defaults."""
        monkeypatch.setenv(DIRECTORY_ENV, "from-env")
        defaults["cache.filesystem.directory"] = "from-defaults"
        assert "from-env" == resolve_directory(None)

    def test_directory_defaults_third(self, monkeypatch):
        """Without an explicit value or a (non-empty) variable, defaults decide."""
        monkeypatch.setenv(DIRECTORY_ENV, "")
        defaults["cache.filesystem.directory"] = "from-defaults"
        assert "from-defaults" == resolve_directory(None)

    def test_directory_builtin(self, monkeypatch):
        """The built-in directory is ./.checkpointing."""
        monkeypatch.delenv(DIRECTORY_ENV)
        assert ".checkpointing" == resolve_directory(None)

    def test_on_error(self):
        """An explicit policy beats defaults['checkpoint.on_error']."""
        defaults["checkpoint.on_error"] = "ignore"
        assert "raise" == resolve_on_error("raise")
        assert "ignore" == resolve_on_error(None)

    def test_pickle_protocol(self):
        """An explicit protocol beats defaults['cache.pickle_protocol']."""
        defaults["cache.pickle_protocol"] = 3
        assert 4 == resolve_pickle_protocol(4)
        assert 3 == resolve_pickle_protocol(None)
