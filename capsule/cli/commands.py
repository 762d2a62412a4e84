"""Importing this module registers every command on the `capsule` group."""

from capsule.cli import archive, db, demo, export, keys, serve, users  # noqa: F401
