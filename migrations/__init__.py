"""Alembic migration environment (packaged so installed copies can migrate themselves)."""
