"""The web chat page and the demo's control endpoints, served by the sandbox itself.

`GET /` is a page that looks and behaves like a Telegram chat for every simulated user (the static files
in `sandbox/web/`). When a demo controller is given (`danhgia demo`), `/sandbox/api/demo` exposes the demo's
people and clock: only the demo can move its clock, and only from 127.0.0.1.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any, Protocol

from aiohttp import web

DEMO_KEY: web.AppKey[Any] = web.AppKey("demo")
WEB = files("danhgia.sandbox") / "web"
CONTENT_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


class DemoController(Protocol):
    """What the page may ask the demo: who is who, what time it is, jump forward, start again."""

    def describe(self) -> dict[str, Any]:
        """{"now", "now_label", "jumps": [{"id", "label"}], "people": [{"user_id", "name", "position", …}]}."""
        ...

    async def jump(self, target: str) -> dict[str, Any]:
        """Move the clock to a named moment (then reminders fire as they would); returns describe()."""
        ...

    async def reset(self) -> dict[str, Any]:
        """Restore the seeded state; returns describe()."""
        ...


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def page(request: web.Request) -> web.Response:
    """GET `/`: the chat page."""
    return web.Response(text=(WEB / "index.html").read_text(encoding="utf-8"), content_type="text/html")


async def static(request: web.Request) -> web.Response:
    """GET `/static/{name}`: the page's scripts and styles (no build step)."""
    name = request.match_info["name"]
    if "/" in name or name.startswith(".") or not (WEB / name).is_file():
        raise web.HTTPNotFound
    suffix = name[name.rfind(".") :]
    return web.Response(
        body=(WEB / name).read_bytes(),
        content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"),
        charset="utf-8" if suffix in (".html", ".js", ".css", ".svg") else None,
        headers={"Cache-Control": "no-store"},
    )


def _demo(request: web.Request) -> DemoController:
    demo = request.app.get(DEMO_KEY)
    if demo is None:
        raise web.HTTPNotFound(text="not a demo")
    if request.remote not in ("127.0.0.1", "::1", None):
        raise web.HTTPForbidden(text="the demo is controlled from this computer only")
    return demo  # type: ignore[no-any-return]


async def demo_state(request: web.Request) -> web.Response:
    """GET `/sandbox/api/demo`: the demo's people and clock."""
    return _json(_demo(request).describe())


async def demo_clock(request: web.Request) -> web.Response:
    """POST `/sandbox/api/demo/clock` {"jump": id}: move the demo clock forward."""
    demo = _demo(request)
    body = await request.json()
    try:
        return _json(await demo.jump(str(body.get("jump", ""))))
    except ValueError as error:
        return _json({"error": str(error)}, 400)


async def demo_reset(request: web.Request) -> web.Response:
    """POST `/sandbox/api/demo/reset`: back to the seeded state."""
    return _json(await _demo(request).reset())


def add_routes(app: web.Application, demo: DemoController | None) -> None:
    """Serve the page, and the demo endpoints when there is a demo."""
    if demo is not None:
        app[DEMO_KEY] = demo
    app.router.add_get("/", page)
    app.router.add_get("/static/{name}", static)
    app.router.add_get("/sandbox/api/demo", demo_state)
    app.router.add_post("/sandbox/api/demo/clock", demo_clock)
    app.router.add_post("/sandbox/api/demo/reset", demo_reset)
