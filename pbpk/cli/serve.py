"""``pbpk serve [--host 127.0.0.1] [--port 8000]``: the web API and page for bedside MAP fits and dose recommendations.

Starts uvicorn on ``pbpk.web.app.create_app()`` (``docs/web.md``): the page at ``http://HOST:PORT/``,
the API under ``/api/`` and its OpenAPI documentation at ``/docs``. Needs the ``web`` extra
(``pip install "pbpk[web]"``); the default host serves this machine only.
"""

from __future__ import annotations

import argparse

from pbpk.core.errors import PbpkInputError

HIGHEST_PORT = 65535


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``serve`` command."""
    parser = commands.add_parser("serve", help="the web API and page for MAP fits and dose recommendations")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every interface)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Serve the application until interrupted (Ctrl+C)."""
    if not 1 <= args.port <= HIGHEST_PORT:
        raise PbpkInputError("--port", "", args.port, f"a TCP port from 1 to {HIGHEST_PORT}")
    try:
        import uvicorn

        from pbpk.web.app import create_app
    except ModuleNotFoundError as error:
        raise PbpkInputError("serve", "", f"no module {error.name}", "FastAPI, pydantic and uvicorn installed",
                             'install the web extra: pip install "pbpk[web]"') from None
    uvicorn.run(create_app(), host=args.host, port=args.port)
    return 0
