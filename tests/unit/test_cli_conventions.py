"""Every command follows docs/cli.md: option names, common flags, help examples."""
import inspect
import re

import typer

from memli import cli
from memli.commands._bounds import walk

cli._register_all()
COMMANDS = list(walk(cli.app))

NAME = re.compile(r"--[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")
#: unit suffixes that must not end an option name (units go in --help)
UNIT_SUFFIX = re.compile(r"-(m|m2|s|v|a|ohm|hz|k|w|siemens)\Z")


def _options(c):
    for p in inspect.signature(c.callback).parameters.values():
        d = p.default
        if isinstance(d, typer.models.OptionInfo):
            yield p, d


def test_option_names_follow_the_rule():
    bad = []
    for path, c in COMMANDS:
        for p, d in _options(c):
            for decl in d.param_decls:
                for name in decl.split("/"):
                    if not name.startswith("--"):
                        continue
                    if not NAME.match(name) or len(name) <= 3 or UNIT_SUFFIX.search(name):
                        bad.append(f"{path} {name}")
    assert not bad, bad


def test_common_flags_are_spelled_one_way():
    for path, c in COMMANDS:
        for p, d in _options(c):
            decls = " ".join(d.param_decls)
            if p.name == "json_":
                assert d.param_decls == ("--json",), path
            if p.name == "force":
                assert d.param_decls == ("--force",), path
            if p.name == "quiet":
                assert d.param_decls == ("--quiet",), path
            assert "--params" not in decls and "--plot" not in decls, (path, decls)


def test_every_command_help_ends_with_an_example():
    for path, c in COMMANDS:
        doc = inspect.getdoc(c.callback) or ""
        assert "memli " in doc.split("\n\n")[-1] or "Example" in doc, path


def test_aliases_point_at_existing_options():
    names = {path: {n for _, d in _options(c) for decl in d.param_decls
                    for n in decl.split("/")} for path, c in COMMANDS}
    for (path, old), new in cli.ALIASES.items():
        if path in names:
            assert new in names[path], (path, old, new)
            assert old not in names[path], (path, old)
