"""The allocator settings for large communities: made once, only when large, never against the user's."""

from __future__ import annotations

import platform

import pytest

from sim import allocator


@pytest.fixture
def calls(monkeypatch) -> list[tuple[int, int]]:
    """A fake glibc ``mallopt`` recording its calls; the process starts with no settings made."""
    made: list[tuple[int, int]] = []

    def mallopt(param: int, value: int) -> int:
        made.append((param, value))
        return 1

    monkeypatch.setattr(allocator, "_glibc_mallopt", lambda: mallopt)
    monkeypatch.setitem(allocator._state, "done", False)
    for name in allocator.USER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return made


def test_small_communities_leave_the_allocator_alone(calls) -> None:
    assert not allocator.keep_freed_memory(allocator.LARGE_COMMUNITY - 1)
    assert calls == []


def test_large_community_makes_the_settings_once(calls) -> None:
    assert allocator.keep_freed_memory(allocator.LARGE_COMMUNITY)
    assert calls == list(allocator.SETTINGS)
    assert allocator.keep_freed_memory(1_000_000)
    assert allocator.keep_freed_memory(10)  # still in force for a small model after
    assert calls == list(allocator.SETTINGS)


@pytest.mark.parametrize("name", allocator.USER_VARIABLES)
def test_the_users_own_glibc_variables_rule(calls, monkeypatch, name) -> None:
    monkeypatch.setenv(name, "131072")
    assert not allocator.keep_freed_memory(1_000_000)
    assert calls == []


def test_another_c_library_or_a_refusal_changes_nothing(calls, monkeypatch) -> None:
    monkeypatch.setattr(allocator, "_glibc_mallopt", lambda: None)
    assert not allocator.keep_freed_memory(1_000_000)
    monkeypatch.setattr(allocator, "_glibc_mallopt", lambda: lambda param, value: 0)
    assert not allocator.keep_freed_memory(1_000_000)
    assert not allocator._state["done"]


def test_the_model_asks_with_its_number_of_agents(monkeypatch, make_model) -> None:
    asked: list[int] = []
    monkeypatch.setattr(allocator, "keep_freed_memory", asked.append)
    model = make_model()
    assert asked == [model.community.n]


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="glibc only",
)
def test_glibc_is_found_on_linux() -> None:
    assert allocator._glibc_mallopt() is not None
