"""`python -m pipeline`: the command-line interface."""

from .errors import Stopped, end_of_signal, install_stop_handler

# Before the heavy imports, so that Ctrl-C or SIGTERM while they load ends as one line, too.
install_stop_handler()
try:
    from .cli import main
except (KeyboardInterrupt, Stopped) as exc:
    raise SystemExit(end_of_signal(exc)) from None

raise SystemExit(main())
