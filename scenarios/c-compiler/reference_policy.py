"""Scripted reference policy of c-compiler: tier 1 only, by the toy-c-compiler's policy.

Tier 1 is the toy-c-compiler suite under ``tests/t1/``; this policy is that scenario's own
(same reference compiler, same steps and slips), pointed at this layout. It stops after tier 1:
there is no scripted solution for the tiers above (``ULTRARUN_TOYC_UPTO=k`` stops after stage
k, as for the toy scenario).
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from ultrarun.policy import BUILTIN_DIR, PolicyModel, Scenario

TOY = BUILTIN_DIR / "toy-c-compiler"  # wherever this scenario's folder was copied to


def toy_policy_module() -> ModuleType:
    """toy-c-compiler's reference_policy.py (its folder name is not a package name)."""
    name = "_ref_toy_c_compiler_shared"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, TOY / "reference_policy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def make_policy(scenario: Scenario, upto: int | None = None) -> PolicyModel:
    toy = toy_policy_module()
    layout = toy.Layout(tests="tests/t1", select=lambda s: f"t1/{s[:2]}",
                        label=lambda s: f"t1/{s}")
    policy: PolicyModel = toy.make_policy(scenario, upto=upto, layout=layout,
                                          reference=TOY / "reference")
    return policy
