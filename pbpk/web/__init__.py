"""The web API and page for bedside MIPD: MAP fits and dose recommendations over HTTP (``docs/web.md``).

A thin layer over ``pbpk.mipd``: ``schemas`` (request and response bodies), ``catalogue`` (the bundled
models), ``fitting`` (POST /api/map), ``dosing`` (POST /api/recommend), ``figures`` (PNG as base64),
``errors`` (input errors as 422 naming the request field) and ``app`` (the routes and the page,
``index.html``). Needs the ``web`` extra (FastAPI, pydantic, uvicorn); ``pbpk serve`` runs it.
"""
