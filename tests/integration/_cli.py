"""The command line run in-process, as the integration tests use it."""
import contextlib
import io


def run_cli(*argv):
    """``memli ARGV...`` in this process: (exit code, stdout, stderr)."""
    from memli.cli import main
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(map(str, argv)))
        except SystemExit as e:
            code = e.code
    return code, out.getvalue(), err.getvalue()
