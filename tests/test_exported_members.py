"""Each package declares its public surface in ``__all__`` (ruff RUF022 keeps it sorted)."""

import importlib
import pkgutil

import pytest

import argus

PACKAGES = sorted(m.name for m in pkgutil.walk_packages(argus.__path__, "argus.") if m.ispkg)


@pytest.mark.parametrize("name", PACKAGES)
def test_package_declares_existing_unique_members(name):
    mod = importlib.import_module(name)
    exported = getattr(mod, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert len(exported) == len(set(exported))
    missing = [n for n in exported if not hasattr(mod, n)]
    assert not missing, f"{name}.__all__ names missing members {missing}"
