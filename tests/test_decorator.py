"""Tests for checkpointing._decorator."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import asyncio
import inspect
import pickle
import threading
import warnings
from pathlib import Path

import cloudpickle
import pytest

import checkpointing.store._local as store_module
from checkpointing import (
    ArgumentDigestError,
    CacheReadWarning,
    Checkpointed,
    CheckpointingWarning,
    CloudpickleSerializer,
    ConfigurationError,
    Explanation,
    Store,
    StoreError,
    StoreWriteWarning,
    checkpoint,
    defaults,
)


class CallLog(list):
    """
    Records the calls of a checkpointed body.

    A function that reads a list (through a global or a closure) makes the
    list's *value* part of its fingerprint, so appending would change the key.
    This hook gives the log one constant digest, keeping it out of the key.
    """

    def __checkpoint_digest__(self) -> str:
        return "CallLog"


MODULE_LOG = CallLog()


@checkpoint
def module_square(x):
    """Square x (module level, so it pickles by reference)."""
    MODULE_LOG.append(x)
    return x * x


def _entry_files(directory: Path, suffix: str = ".ckpt") -> list[Path]:
    return sorted(
        p for p in directory.rglob(f"*{suffix}") if ".quarantine" not in p.parts
    )


def _break_writes(monkeypatch):
    """Make every store write fail with an OSError (so save raises StoreError)."""

    def failing_replace(source, target):
        raise OSError("simulated write failure")

    monkeypatch.setattr(store_module, "_replace", failing_replace)


class TestHitsAndMisses:
    def test_second_call_hits(self, cache_dir):
        """The body runs once; the second call returns the stored value."""
        calls = CallLog()

        @checkpoint
        def double(x):
            calls.append(x)
            return 2 * x

        assert 6 == double(3)
        assert 6 == double(3)
        assert [3] == calls
        assert 1 == len(_entry_files(cache_dir))

    def test_other_arguments_miss(self):
        """A call with other arguments runs the body again."""
        calls = CallLog()

        @checkpoint
        def double(x):
            calls.append(x)
            return 2 * x

        double(1)
        double(2)
        double(1)
        assert [1, 2] == calls

    def test_positional_and_keyword_share_a_key(self):
        """f(1) and f(x=1) are the same call."""
        calls = CallLog()

        @checkpoint
        def f(x):
            calls.append(x)
            return x

        f(1)
        f(x=1)
        assert [1] == calls
        assert f.key(1) == f.key(x=1)

    def test_defaults_applied(self):
        """Omitting a defaulted argument equals passing its default."""
        calls = CallLog()

        @checkpoint
        def f(x, y=10):
            calls.append((x, y))
            return x + y

        assert 11 == f(1)
        assert 11 == f(1, 10)
        assert 11 == f(x=1, y=10)
        assert [(1, 10)] == calls

    def test_ignore(self):
        """Parameters in ignore= do not enter the key."""
        calls = CallLog()

        @checkpoint(ignore=["verbose"])
        def f(x, verbose=False):
            calls.append((x, verbose))
            return x

        f(1)
        f(1, verbose=True)
        assert [(1, False)] == calls
        assert f.key(1) == f.key(1, verbose=True)

    def test_ignore_single_string(self):
        """ignore="name" ignores that one parameter."""

        @checkpoint(ignore="verbose")
        def f(x, verbose=False):
            return x

        assert f.key(1) == f.key(1, verbose=True)

    def test_rerun_overwrites(self):
        """rerun() runs the body even on a hit and stores its new result."""
        calls = CallLog()

        @checkpoint
        def count(x):
            calls.append(x)
            return len(calls)

        assert 1 == count(0)
        assert 2 == count.rerun(0)
        assert 2 == count(0)
        assert [0, 0] == calls

    def test_clear_returns_count(self, cache_dir):
        """clear() deletes this function's entries and returns how many."""
        calls = CallLog()

        @checkpoint
        def f(x):
            calls.append(x)
            return x

        f(1)
        f(2)
        assert 2 == f.clear()
        assert [] == _entry_files(cache_dir)
        f(1)
        assert [1, 2, 1] == calls
        assert 1 == f.clear()
        assert 0 == f.clear()

    def test_clear_leaves_other_functions(self):
        """clear() only touches the function it is called on."""

        @checkpoint
        def f(x):
            return x

        @checkpoint
        def g(x):
            return x

        f(1)
        g(1)
        f.clear()
        assert g.is_cached(1)


class TestWithoutRunning:
    def test_key_is_cached_explain_do_not_run(self):
        """key(), is_cached() and explain() never run the body."""
        calls = CallLog()

        @checkpoint
        def f(x):
            calls.append(x)
            return x

        key = f.key(1)
        assert 32 == len(key)
        assert all(c in "0123456789abcdef" for c in key)
        assert not f.is_cached(1)
        assert "first call" == f.explain(1).cause
        assert [] == calls

    def test_after_a_call(self):
        """After a call, is_cached() is true and explain() reports a hit."""

        @checkpoint
        def f(x):
            return x

        f(1)
        assert f.is_cached(1)
        expected = Explanation("hit", "hit", (), f.key(1), f.key(1))
        assert expected == f.explain(1)

    def test_explain_names_changed_argument(self):
        """A miss next to a stored entry names the differing argument."""

        @checkpoint
        def f(x):
            return x

        f(1)
        explanation = f.explain(2)
        assert "arguments changed" == explanation.cause
        assert ["argument:x"] == [c.component for c in explanation.changes]
        assert ("1", "2") == (explanation.changes[0].old, explanation.changes[0].new)

    def test_key_differs_by_arguments(self):
        """Different arguments give different keys."""

        @checkpoint
        def f(x):
            return x

        assert f.key(1) != f.key(2)
        assert f.key(1) != f.key(1.0)

    def test_bad_arguments_raise_like_a_plain_call(self):
        """Arguments that do not fit the signature raise the function's own TypeError."""

        @checkpoint
        def f(x):
            return x

        with pytest.raises(TypeError, match="positional argument"):
            f(1, 2)
        with pytest.raises(TypeError):
            f.key(1, 2)


class TestAsync:
    def test_async_hits(self):
        """An async function is awaited once and then answered from the store."""
        calls = CallLog()

        @checkpoint
        async def fetch(x):
            calls.append(x)
            await asyncio.sleep(0)
            return x + 1

        assert 2 == asyncio.run(fetch(1))
        assert 2 == asyncio.run(fetch(1))
        assert 5 == asyncio.run(fetch.rerun(4))
        assert [1, 4] == calls

    def test_async_detected(self):
        """The wrapper of an async function still looks like a coroutine function."""

        @checkpoint
        async def fetch(x):
            return x

        assert asyncio.iscoroutinefunction(fetch)
        coroutine = fetch(1)
        assert inspect.iscoroutine(coroutine)
        asyncio.run(coroutine)


class Scaler:
    log = CallLog()

    def __init__(self, factor):
        self.factor = factor

    @checkpoint
    def scale(self, x):
        """Multiply x by the factor."""
        self.log.append((self.factor, x))
        return self.factor * x


class TestMethods:
    @pytest.fixture(autouse=True)
    def _fresh_log(self):
        Scaler.log.clear()

    def test_method_hits(self):
        """A checkpointed method is cached per instance state and arguments."""
        assert 6 == Scaler(2).scale(3)
        assert 6 == Scaler(2).scale(3)
        assert 9 == Scaler(3).scale(3)
        assert [(2, 3), (3, 3)] == Scaler.log

    def test_instance_state_is_part_of_the_key(self):
        """Equal state gives equal keys; other state gives other keys."""
        assert Scaler(2).scale.key(3) == Scaler(2).scale.key(3)
        assert Scaler(2).scale.key(3) != Scaler(5).scale.key(3)

    def test_bound_helpers(self):
        """Bound .key/.rerun/.is_cached/.explain pass the instance along."""
        scaler = Scaler(2)
        assert Scaler.scale.key(scaler, 3) == scaler.scale.key(3)
        scaler.scale(3)
        assert scaler.scale.is_cached(3)
        assert scaler.scale.explain(3).hit
        assert 6 == scaler.scale.rerun(3)
        assert [(2, 3), (2, 3)] == Scaler.log
        assert 1 == scaler.scale.clear()

    def test_class_access_returns_wrapper(self):
        """Looking the method up on the class gives the Checkpointed itself."""
        assert isinstance(Scaler.scale, Checkpointed)

    def test_bound_metadata(self):
        """A bound checkpointed method keeps name, signature and a bound __wrapped__."""
        scaler = Scaler(2)
        assert "scale" == scaler.scale.__name__
        assert "(x)" == str(inspect.signature(scaler.scale))
        assert scaler is scaler.scale.__wrapped__.__self__

    def test_bound_docstring(self):
        """A bound checkpointed method shows the method's docstring."""
        assert "Multiply x by the factor." == Scaler(2).scale.__doc__

    @pytest.mark.parametrize("checkpoint_outside", [True, False])
    def test_classmethod_in_either_order(self, checkpoint_outside):
        """@checkpoint above or below @classmethod: cached per class and arguments."""
        calls = []

        def body(cls, x):
            calls.append((cls.__name__, x))
            return cls.factor * x

        cached = checkpoint(ignore_code=["calls"])  # the log is not an input
        method = (
            cached(classmethod(body))
            if checkpoint_outside
            else classmethod(cached(body))
        )
        Base = type("Base", (), {"factor": 2, "times": method, "__module__": __name__})
        Derived = type("Derived", (Base,), {"factor": 5, "__module__": __name__})
        assert isinstance(Base.__dict__["times"], classmethod)
        assert 6 == Base.times(3)
        assert 6 == Base.times(3)
        assert 6 == Base().times(3)
        assert 15 == Derived.times(3)
        assert [("Base", 3), ("Derived", 3)] == calls

    @pytest.mark.parametrize("checkpoint_outside", [True, False])
    def test_staticmethod_in_either_order(self, checkpoint_outside):
        """@checkpoint above or below @staticmethod: a cached plain function."""
        calls = []

        def body(x):
            calls.append(x)
            return x + 1

        cached = checkpoint(ignore_code=["calls"])
        method = (
            cached(staticmethod(body))
            if checkpoint_outside
            else staticmethod(cached(body))
        )
        Holder = type("Holder", (), {"plus_one": method, "__module__": __name__})
        assert isinstance(Holder.__dict__["plus_one"], staticmethod)
        assert 2 == Holder.plus_one(1)
        assert 2 == Holder().plus_one(1)
        assert [1] == calls


class TestWrapperMetadata:
    def test_functools_wraps_attributes(self):
        """__wrapped__, __doc__, __name__, __qualname__ and __module__ are preserved."""

        def original(a, b=2, *, c):
            """Docstring of the original."""
            return a

        wrapper = checkpoint(original)
        assert original is wrapper.__wrapped__
        assert "Docstring of the original." == wrapper.__doc__
        assert "original" == wrapper.__name__
        assert original.__qualname__ == wrapper.__qualname__
        assert __name__ == wrapper.__module__

    def test_signature(self):
        """inspect.signature sees the original signature."""

        def original(a: int, b: str = "x", *args, c, **kwargs) -> str:
            return b

        assert inspect.signature(original) == inspect.signature(checkpoint(original))

    def test_with_and_without_parentheses(self):
        """@checkpoint and @checkpoint(...) both give a Checkpointed."""

        def f(x):
            return x

        assert isinstance(checkpoint(f), Checkpointed)
        assert isinstance(checkpoint(directory="d")(f), Checkpointed)

    def test_repr(self):
        """The repr names the function's store directory."""
        assert "<checkpointed tests.test_decorator.module_square>" == repr(
            module_square
        )


class TestPickling:
    def test_module_level_by_reference(self):
        """A module-level wrapper pickles by reference to the same object."""
        assert module_square is pickle.loads(pickle.dumps(module_square))

    def test_module_level_still_works(self):
        """The unpickled module-level wrapper runs and caches."""
        MODULE_LOG.clear()
        restored = pickle.loads(pickle.dumps(module_square))
        assert 9 == restored(3)
        assert 9 == module_square(3)
        assert [3] == MODULE_LOG

    def test_local_by_value_with_cloudpickle(self, tmp_path):
        """A local wrapper round-trips through cloudpickle with its options and key."""

        @checkpoint(directory=tmp_path / "own", ignore=["verbose"])
        def local(x, verbose=False):
            return x * 3

        assert 6 == local(2)
        restored = cloudpickle.loads(cloudpickle.dumps(local))
        assert isinstance(restored, Checkpointed)
        assert tmp_path / "own" == restored.directory
        assert local.key(2) == restored.key(2)
        assert restored.key(2) == restored.key(2, verbose=True)
        assert restored.is_cached(2)
        assert 6 == restored(2)

    @pytest.mark.parametrize("filename", ["<dynamic-code>", "<string>"])
    def test_key_independent_of_code_file_name(self, tmp_path, filename):
        """
        A function rebuilt with another ``co_filename`` keeps its key.

        cloudpickle >= 3.1.3 rebuilds by-value functions with
        ``co_filename="<dynamic-code>"``; the module's file (``__file__`` in the
        function's globals) is read instead, whatever cloudpickle is installed.
        """
        import types

        def local(x):
            return x * 3

        moved = types.FunctionType(
            local.__code__.replace(co_filename=filename),
            local.__globals__,
            local.__name__,
            local.__defaults__,
            local.__closure__,
        )
        moved.__qualname__ = local.__qualname__
        directory = tmp_path / "own"
        assert checkpoint(directory=directory)(local).key(2) == checkpoint(
            directory=directory
        )(moved).key(2)

    def test_moved_code_is_checked_against_the_module_file(self, tmp_path):
        """The module's file is used only if it compiles to the very same code."""
        import types

        def local(x):
            return x * 3

        def other(x):
            return x * 4

        # Code of `other` posing as `local` in a rebuilt function: the file's
        # `local` does not match it, so the key must differ (bytecode identity).
        moved = types.FunctionType(
            other.__code__.replace(
                co_filename="<dynamic-code>",
                co_name="local",
                co_qualname=local.__code__.co_qualname,
            ),
            local.__globals__,
            "local",
        )
        moved.__qualname__ = local.__qualname__
        directory = tmp_path / "own"
        # Silently: code without a file of its own (exec'd dataclass methods)
        # need not match its module's file; the bytecode identifies it exactly.
        moved_key = checkpoint(directory=directory)(moved).key(2)
        assert checkpoint(directory=directory)(local).key(2) != moved_key


class TestOnError:
    """The store fails because its directory would lie below a regular file."""

    @pytest.fixture
    def blocked(self, tmp_path):
        (tmp_path / "file").write_text("not a directory")
        return tmp_path / "file" / "cache"

    def test_warn(self, blocked):
        """on_error="warn": one StoreWriteWarning, and the value is returned."""

        @checkpoint(directory=blocked, on_error="warn")
        def f(x):
            return x + 1

        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            assert 2 == f(1)
        assert [StoreWriteWarning] == [w.category for w in record]

    def test_raise(self, blocked):
        """on_error="raise": the StoreError propagates."""

        @checkpoint(directory=blocked, on_error="raise")
        def f(x):
            return x + 1

        with pytest.raises(StoreError, match="cannot write entry"):
            f(1)

    def test_ignore(self, blocked):
        """on_error="ignore": no warning, no error, the value is returned."""

        @checkpoint(directory=blocked, on_error="ignore")
        def f(x):
            return x + 1

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert 2 == f(1)

    def test_warn_on_write_failure(self, monkeypatch, cache_dir):
        """A failing write warns StoreWriteWarning at the caller and returns the value."""
        _break_writes(monkeypatch)

        @checkpoint
        def f(x):
            return x + 1

        with pytest.warns(StoreWriteWarning, match="simulated write failure") as record:
            assert 2 == f(1)
        assert __file__ == record[0].filename
        assert not f.is_cached(1)

    def test_async_warning_points_at_caller(self, monkeypatch):
        """A StoreWriteWarning of an awaited call points at the awaiting line."""
        _break_writes(monkeypatch)

        @checkpoint
        async def f(x):
            return x + 1

        async def caller():
            return await f(1)

        with pytest.warns(StoreWriteWarning) as record:
            assert 2 == asyncio.run(caller())
        assert __file__ == record[0].filename

    def test_method_warning_points_at_caller(self, monkeypatch):
        """A StoreWriteWarning of a method call points at the calling line."""
        _break_writes(monkeypatch)
        with pytest.warns(StoreWriteWarning) as record:
            assert 6 == Scaler(2).scale(3)
        assert __file__ == record[0].filename

    def test_raise_on_write_failure(self, monkeypatch):
        """on_error="raise" lets a write failure's StoreError propagate."""
        _break_writes(monkeypatch)

        @checkpoint(on_error="raise")
        def f(x):
            return x + 1

        with pytest.raises(StoreError, match="simulated write failure"):
            f(1)

    def test_ignore_on_write_failure(self, monkeypatch):
        """on_error="ignore" swallows a write failure silently."""
        _break_writes(monkeypatch)

        @checkpoint(on_error="ignore")
        def f(x):
            return x + 1

        assert 2 == f(1)

    def test_defaults_policy_honoured(self, monkeypatch):
        """defaults['checkpoint.on_error'] applies when the decorator sets none."""
        _break_writes(monkeypatch)

        @checkpoint
        def f(x):
            return x + 1

        defaults["checkpoint.on_error"] = "raise"
        with pytest.raises(StoreError):
            f(1)
        defaults["checkpoint.on_error"] = "ignore"
        assert 2 == f(1)

    def test_undigestable_argument_warns_and_runs(self):
        """An argument without a digest warns and runs uncached under "warn"."""
        calls = CallLog()

        @checkpoint
        def f(lock):
            calls.append(1)
            return 7

        with pytest.warns(CheckpointingWarning, match="cannot build the key"):
            assert 7 == f(threading.Lock())
        assert [1] == calls

    def test_undigestable_argument_raises(self):
        """Under "raise" an undigestable argument raises ArgumentDigestError."""

        @checkpoint(on_error="raise")
        def f(lock):
            return 7

        with pytest.raises(ArgumentDigestError) as info:
            f(threading.Lock())
        assert "lock" == info.value.parameter

    def test_ignored_undigestable_argument(self):
        """Ignoring an undigestable parameter makes the call cacheable."""

        @checkpoint(ignore=["lock"])
        def f(x, lock):
            return x

        assert 1 == f(1, threading.Lock())
        assert f.is_cached(1, threading.Lock())


class TestDamagedEntries:
    def test_corrupt_entry_recomputed_and_quarantined(self, cache_dir):
        """A flipped byte warns CacheReadWarning, recomputes, and moves the file aside."""
        calls = CallLog()

        @checkpoint
        def f(x):
            calls.append(x)
            return {"value": x}

        f(3)
        (entry,) = _entry_files(cache_dir)
        data = bytearray(entry.read_bytes())
        data[-1] ^= 0xFF
        entry.write_bytes(bytes(data))
        with pytest.warns(CacheReadWarning, match="checksum mismatch") as record:
            assert {"value": 3} == f(3)
        assert __file__ == record[0].filename
        assert [3, 3] == calls
        quarantined = list((cache_dir / ".quarantine").iterdir())
        assert any(p.name.endswith(entry.name) for p in quarantined)
        assert {"value": 3} == f(3)
        assert [3, 3] == calls

    def test_corrupt_entry_silent_under_ignore(self, cache_dir):
        """on_error="ignore" recomputes a damaged entry without warning."""

        @checkpoint(on_error="ignore")
        def f(x):
            return x

        f(1)
        (entry,) = _entry_files(cache_dir)
        entry.write_bytes(b"garbage")
        assert 1 == f(1)

    def test_unloadable_payload(self, cache_dir):
        """A verified entry whose pickle cannot be loaded is recomputed with a warning."""

        @checkpoint
        def f(x):
            return x

        f(1)
        manifest = Store(cache_dir).manifests(
            next(iter(Store(cache_dir).function_ids()))
        )[0]
        Store(cache_dir).save(manifest, b"not a pickle", {})
        with pytest.warns(CacheReadWarning, match="cannot unpickle"):
            assert 1 == f(1)
        assert 1 == f(1)


class TestResults:
    def test_unpicklable_result(self, cache_dir):
        """A result that cannot be pickled warns StoreWriteWarning and is returned."""

        @checkpoint
        def f():
            return threading.Lock()

        with pytest.warns(StoreWriteWarning, match="cannot pickle"):
            assert isinstance(f(), type(threading.Lock()))
        assert not f.is_cached()
        assert [] == _entry_files(cache_dir)

    def test_lambda_result(self):
        """cloudpickle stores a lambda result, and the stored lambda works."""
        calls = CallLog()

        @checkpoint
        def make_adder(n):
            calls.append(n)
            return lambda x: x + n

        assert 5 == make_adder(2)(3)
        assert 5 == make_adder(2)(3)
        assert [2] == calls

    def test_user_exception_propagates_and_nothing_is_stored(self, cache_dir):
        """An exception of the function propagates unchanged and stores nothing."""
        error = KeyError("boom")

        @checkpoint
        def f(x):
            raise error

        with pytest.raises(KeyError) as info:
            f(1)
        assert error is info.value
        assert not f.is_cached(1)
        assert [] == _entry_files(cache_dir)

    def test_custom_serializer(self, cache_dir):
        """serializer= is used for the value and recorded in the manifest."""
        serializer = CloudpickleSerializer(protocol=2)

        @checkpoint(serializer=serializer)
        def f(x):
            return [x]

        assert [1] == f(1)
        (entry,) = _entry_files(cache_dir)
        payload = entry.read_bytes()[40:]
        assert payload.startswith(b"\x80\x02")
        assert [1] == f(1)


class TestConfiguration:
    @pytest.mark.parametrize(
        "options",
        [
            {"on_error": "loud"},
            {"cache_pickle_protocol": 1},
            {"cache_pickle_protocol": 99},
            {"ignore": ["nope"]},
            {"serializer": object()},
            {"serializer": CloudpickleSerializer(), "cache_pickle_protocol": 4},
            {"version": ""},
            {"version": 2},
            {"depends_on": "data.csv"},
        ],
    )
    def test_bad_options(self, options):
        """Invalid options raise ConfigurationError (a ValueError) at decoration."""

        def f(x):
            return x

        with pytest.raises(ConfigurationError) as info:
            checkpoint(**options)(f)
        assert isinstance(info.value, ValueError)

    def test_not_callable(self):
        """Decorating a non-callable raises ConfigurationError."""
        with pytest.raises(ConfigurationError, match="needs a function"):
            checkpoint(42)  # type: ignore[call-overload]

    def test_unknown_defaults_key(self):
        """defaults refuses keys the library does not know."""
        with pytest.raises(ConfigurationError, match="unknown checkpointing default"):
            defaults["checkpoint.directory"] = "x"

    def test_defaults_directory(self, tmp_path, monkeypatch):
        """defaults['cache.filesystem.directory'] is used when no variable is set."""
        monkeypatch.delenv("CHECKPOINTING_DIR")
        defaults["cache.filesystem.directory"] = str(tmp_path / "from-defaults")

        @checkpoint
        def f(x):
            return x

        f(1)
        assert 1 == len(_entry_files(tmp_path / "from-defaults"))

    def test_defaults_pickle_protocol(self, cache_dir):
        """defaults['cache.pickle_protocol'] selects the stored pickle protocol."""
        defaults["cache.pickle_protocol"] = 2

        @checkpoint
        def f(x):
            return [x]

        f(1)
        (entry,) = _entry_files(cache_dir)
        assert entry.read_bytes()[40:].startswith(b"\x80\x02")

    def test_directory_resolved_at_call_time(self, tmp_path, monkeypatch):
        """CHECKPOINTING_DIR is read at each call, not at decoration."""
        calls = CallLog()

        @checkpoint
        def f(x):
            calls.append(x)
            return x

        monkeypatch.setenv("CHECKPOINTING_DIR", str(tmp_path / "a"))
        f(1)
        assert tmp_path / "a" == f.directory
        monkeypatch.setenv("CHECKPOINTING_DIR", str(tmp_path / "b"))
        assert tmp_path / "b" == f.directory
        f(1)
        assert [1, 1] == calls
        assert 1 == len(_entry_files(tmp_path / "a"))
        assert 1 == len(_entry_files(tmp_path / "b"))

    def test_explicit_directory_beats_environment(self, tmp_path):
        """directory= wins over CHECKPOINTING_DIR."""

        @checkpoint(directory=tmp_path / "explicit")
        def f(x):
            return x

        f(1)
        assert 1 == len(_entry_files(tmp_path / "explicit"))


class TestEscapeHatches:
    def test_depends_on_file(self, tmp_path, checkpoint_dir):
        """A file in depends_on= is digested every call: new bytes rerun, same bytes hit."""
        data = tmp_path / "factor.txt"
        data.write_text("2")
        calls = CallLog()

        @checkpoint(depends_on=[data])
        def f(x):
            calls.append(x)
            return x * int(data.read_text())

        assert 6 == f(3)
        data.write_text("2")  # rewritten, same bytes
        assert 6 == f(3)
        data.write_text("5")
        assert 15 == f(3)
        assert [3, 3] == calls
        data.write_text("7")
        assert [f"file:{data}"] == [c.component for c in f.explain(3).changes]

    def test_ignore_code_global(self, checkpoint_dir):
        """A global named in ignore_code= may change without a rerun."""
        calls = CallLog()
        settings = {"verbose": False}

        @checkpoint(ignore_code=["settings"])
        def f(x):
            calls.append(x)
            return x + 1 if settings["verbose"] or True else 0

        f(1)
        settings["verbose"] = True
        f(1)
        assert [1] == calls

    def test_version_pins_code(self, checkpoint_dir):
        """With version=, a different function body under the same version hits."""

        def make(body_result, version):
            @checkpoint(version=version)
            def pinned(x):
                return body_result

            return pinned

        assert "old" == make("old", "1")(1)
        assert "old" == make("new", "1")(1)  # pinned: the stored result is kept
        assert "new" == make("new", "2")(1)
