"""Persistence: SQLAlchemy 2 models, Alembic migrations and repositories that speak domain objects.

Import submodules directly (``from bot.store.db import Database``); this package imports nothing so that
importing it stays free of side effects and cheap.
"""
