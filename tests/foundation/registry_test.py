"""The flat registry: registration, lookup, helpful errors."""

import pytest

from otzoo.registry import Registry, UnknownNameError


def test_register_and_get():
    things = Registry("thing")

    @things.register("b")
    class B:
        pass

    @things.register("a")
    def a():
        return 1

    assert things.get("b") is B
    assert things.get("a") is a
    assert things.names() == ["a", "b"]
    assert "a" in things and "c" not in things


def test_unknown_name_lists_known_names():
    things = Registry("thing")
    things.register("alpha")(object)
    things.register("beta")(int)
    with pytest.raises(UnknownNameError) as err:
        things.get("gamma")
    assert str(err.value) == "unknown thing 'gamma'; known: alpha, beta"
    assert isinstance(err.value, KeyError)


def test_duplicate_registration_of_another_object_fails():
    things = Registry("thing")
    things.register("x")(int)
    things.register("x")(int)  # the same object again (a module re-import) is fine
    with pytest.raises(ValueError, match="already registered"):
        things.register("x")(float)


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
