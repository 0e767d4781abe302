"""``pbpk serve``: its options, the app it hands to uvicorn, and no web imports before it runs."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest
import uvicorn
from fastapi import FastAPI

from pbpk.cli import serve
from pbpk.core.errors import PbpkInputError


def parsed(*argv: str) -> argparse.Namespace:
    top = argparse.ArgumentParser(prog="pbpk")
    serve.add_parser(top.add_subparsers(dest="command", required=True))
    return top.parse_args(["serve", *argv])


def test_serve_starts_uvicorn_on_the_app(monkeypatch):
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    args = parsed("--port", "8123")
    assert args.run(args) == 0
    [(app, options)] = calls
    assert options == {"host": "127.0.0.1", "port": 8123} and isinstance(app, FastAPI)
    assert {"/", "/api/models", "/api/map", "/api/recommend"} <= {route.path for route in app.routes}
    args = parsed("--host", "0.0.0.0")
    args.run(args)
    assert calls[1][1] == {"host": "0.0.0.0", "port": 8000}


@pytest.mark.parametrize("port", ["0", "70000"])
def test_a_port_outside_the_tcp_range_is_refused(monkeypatch, port):
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: pytest.fail("uvicorn started"))
    args = parsed("--port", port)
    with pytest.raises(PbpkInputError, match=f"--port: got {port}; expected a TCP port from 1 to 65535"):
        args.run(args)


def test_the_command_module_imports_no_web_framework():
    code = "import sys, pbpk.cli.serve; print(sorted({'fastapi', 'uvicorn', 'pbpk.web.app'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
