"""Alembic migrations of the store, shipped inside the package so that an installed wheel can migrate its
database (see :mod:`wikifile_transfer.store.migrate`)."""
