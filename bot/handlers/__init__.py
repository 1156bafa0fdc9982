"""Routers, one per module, each built by a ``create_router()`` factory."""
