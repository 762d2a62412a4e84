"""The `capsule` command line (click). Commands live one per module in this package."""

from capsule.cli.main import main

__all__ = ["main"]
