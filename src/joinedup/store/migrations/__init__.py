"""Alembic migrations for the operational store (run by OperationalStore.create_schema)."""
