"""The classroom: a local web page where recruiters build a campaign, see who it reached
and follow one person's journey, in English and Norwegian (``recruitsim app``).

A small server from the standard library renders every page and figure on the server
(HTML, hand-written SVG and matplotlib SVG); the page's own style sheet and a few lines
of script are served from ``static/``. Nothing is fetched from the internet.
"""

from __future__ import annotations

__all__ = ["serve"]


def serve(host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the classroom page on ``host:port`` until interrupted."""
    from sim.lab.app.server import serve as _serve

    _serve(host, port)
