"""CLI subcommands, one module each, discovered by :mod:`memli.cli`."""
