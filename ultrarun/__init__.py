"""ultrarun's public API: the names a user, a plug-in or a scenario's reference policy imports
(see docs/api.md). Everything else (``agent``, ``sandboxes``) is internal and may change."""
