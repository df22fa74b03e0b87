"""Compatibility re-export: the errors live in ``sandboxes.errors`` (import them from there)."""

from sandboxes.errors import HarnessError, UltrarunError, UserError

__all__ = ["HarnessError", "UltrarunError", "UserError"]
