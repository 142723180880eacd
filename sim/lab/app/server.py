"""The classroom page's web server: the standard library's threading HTTP server.

Routes (all ``GET``; a page is a pure function of its URL, so every run can be
bookmarked and shared):

``/``                 the campaign builder
``/run?…``            the recruiter's view of a campaign
``/person?…&person=`` one person's journey in that campaign
``/compare?…``        two campaigns side by side
``/lessons``, ``/lesson?id=…[&reveal=1]``
``/lang?to=nb&back=…`` switch language (a cookie) and go back
``/static/<file>``    the page's own style sheet and script

The server reads no file named by a request: static files come from a fixed list.
It binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import sys
import threading
import time
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sim.errors import RecruitsimError
from sim.lab.app import views
from sim.lab.app.i18n import LANGUAGES, Translator
from sim.lab.app.lessons import LESSONS
from sim.lab.app.logic import STRATEGY_CHOICES, CampaignForm, Outcome, run_campaign

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}
MAX_QUERY = 8192  # characters; a campaign form is far shorter


def _language(handler: BaseHTTPRequestHandler) -> str:
    cookie = SimpleCookie(handler.headers.get("Cookie", ""))
    lang = cookie["lang"].value if "lang" in cookie else ""
    if lang in LANGUAGES:
        return lang
    accept = handler.headers.get("Accept-Language", "")
    return "nb" if accept[:2] in ("nb", "no", "nn") else "en"


def _safe_back(back: str) -> str:
    """A local path to go back to (never another site)."""
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        return "/"
    return back


def respond(path: str, query: str, lang: str) -> tuple[int, str, bytes, dict]:
    """The response to ``GET path?query`` in ``lang``: status, content type, body, headers.

    Pure of the network, so tests call it directly.
    """
    t = Translator(lang)
    here = path + ("?" + query if query else "")
    if len(query) > MAX_QUERY:
        return _html(HTTPStatus.REQUEST_URI_TOO_LONG, views.not_found(t, "/"))
    q = parse_qs(query, keep_blank_values=True)
    if path.startswith("/static/"):
        name = path[len("/static/") :]
        if name not in STATIC_FILES:
            return _html(HTTPStatus.NOT_FOUND, views.not_found(t, here))
        return (200, STATIC_FILES[name], (STATIC_DIR / name).read_bytes(),
                {"Cache-Control": "max-age=3600"})  # fmt: skip
    if path == "/lang":
        to = q.get("to", ["en"])[-1]
        lang = to if to in LANGUAGES else "en"
        back = _safe_back(q.get("back", ["/"])[-1])
        headers = {"Location": back, "Set-Cookie": f"lang={lang}; Path=/; SameSite=Lax"}
        return 303, "text/plain; charset=utf-8", b"", headers
    if path == "/":
        return _html(200, views.home(t, here))
    if path == "/lessons":
        return _html(200, views.lessons_page(t, here))
    if path == "/lesson":
        lid = q.get("id", [""])[-1]
        if lid not in LESSONS:
            return _html(HTTPStatus.NOT_FOUND, views.not_found(t, here))
        return _html(200, views.lesson_page(t, lid, q.get("reveal", [""])[-1] == "1", here))
    if path in ("/run", "/person", "/compare"):
        try:
            form = CampaignForm.from_query(q)
        except RecruitsimError as exc:
            bad = Outcome(CampaignForm(), None, {}, 0.0, error=str(exc))  # type: ignore[arg-type]
            return _html(HTTPStatus.BAD_REQUEST, views.result_page(t, bad, here))
        if path == "/run":
            return _html(200, views.result_page(t, run_campaign(form), here))
        if path == "/person":
            try:
                person = int(q.get("person", [""])[-1])
            except ValueError:
                return _html(HTTPStatus.NOT_FOUND, views.not_found(t, here))
            return _html(200, views.person_page(t, run_campaign(form), person, here))
        second = q.get("b_targeting", ["job-title-v1"])[-1]
        if second not in STRATEGY_CHOICES:
            second = "job-title-v1"
        if "submitted" not in q:
            return _html(200, views.compare_page(t, None, None, form, second, here))
        from dataclasses import replace

        b_form = replace(form, targeting=second)
        a = run_campaign(form) if form.targeting != "manual" else run_campaign(
            replace(form, targeting="broad-v1"))  # fmt: skip
        return _html(200, views.compare_page(t, a, run_campaign(b_form), form, second, here))
    return _html(HTTPStatus.NOT_FOUND, views.not_found(t, here))


def _html(status: int, text: str) -> tuple[int, str, bytes, dict]:
    return int(status), "text/html; charset=utf-8", text.encode("utf-8"), {}


class Handler(BaseHTTPRequestHandler):
    """Serves :func:`respond`; logs one line per request to standard error."""

    server_version = "recruitsim-classroom"

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        start = time.perf_counter()
        try:
            status, ctype, body, headers = respond(parts.path, parts.query, _language(self))
        except Exception as exc:  # a bug: say so in one line, keep serving
            sys.stderr.write(f"classroom: error on {parts.path}: {type(exc).__name__}: {exc}\n")
            status, ctype, body, headers = 500, "text/plain; charset=utf-8", b"internal error", {}
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'")  # fmt: skip  # noqa: E501
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)
        self.log_message("%s %d %.2fs", parts.path, status, time.perf_counter() - start)

    def log_message(self, format: str, *args) -> None:
        if not getattr(self.server, "quiet", False):
            sys.stderr.write("classroom: " + (format % args) + "\n")


def make_server(host: str = "127.0.0.1", port: int = 8765, quiet: bool = False):
    """A ready :class:`ThreadingHTTPServer` (call ``serve_forever``; port 0 picks a free one)."""
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    server.quiet = quiet  # type: ignore[attr-defined]
    return server


def serve(host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the classroom page until interrupted."""
    server = make_server(host, port)
    print(f"recruitsim classroom on http://{server.server_address[0]}:{server.server_address[1]}/"
          " (Ctrl-C to stop)", flush=True)  # fmt: skip
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def start_in_thread(host: str = "127.0.0.1", port: int = 0):
    """Start a quiet server in a daemon thread; returns ``(server, base_url)``."""
    server = make_server(host, port, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://{server.server_address[0]}:{server.server_address[1]}"
