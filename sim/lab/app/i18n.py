"""Every text the classroom page shows, in English and Norwegian bokmål, from one catalogue.

The catalogues are ``en.toml`` and ``nb.toml`` beside this module: the same keys in both
(a test checks it), dotted as ``section.key``. :class:`Translator` looks a key up,
escapes the template and fills ``{name}`` placeholders with escaped values — or with
:class:`Markup` left as it is (numbers carrying their ``data-value``). A key missing
from a catalogue shows as ``⟦key⟧``, which the tests look for on every view.

Numbers are written the way each language writes them: ``12,345`` and ``83 %`` in
English, ``12 345`` and ``83 %`` with a decimal comma in Norwegian; money is rounded
(to 10 kroner below 1,000 and to 100 from there) because a recruiter reads "about".
"""

from __future__ import annotations

import html
import tomllib
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "nb")
MISSING = "⟦{}⟧"
_HERE = Path(__file__).resolve().parent
NBSP = "\u00a0"


class Markup(str):
    """Text that is already HTML (escaped where needed); inserted as it is."""


def h(text: object) -> str:
    """HTML-escape anything shown on the page."""
    if isinstance(text, Markup):
        return text
    return html.escape(str(text), quote=True)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The flat ``{"section.key": text}`` catalogue of ``lang``."""
    if lang not in LANGUAGES:
        raise KeyError(lang)
    data = tomllib.loads((_HERE / f"{lang}.toml").read_text(encoding="utf-8"))
    out: dict[str, str] = {}

    def walk(prefix: str, node: dict) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(name, value)
            else:
                out[name] = str(value)

    walk("", data)
    return out


class Translator:
    """Texts and number formats of one language.

    Parameters
    ----------
    lang : str
        ``"en"`` or ``"nb"``.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "en"
        self._texts = catalogue(self.lang)

    def has(self, key: str) -> bool:
        """Whether the catalogue has ``key``."""
        return key in self._texts

    def __call__(self, key: str, **params: object) -> Markup:
        """The text of ``key`` as HTML, with escaped ``params`` filled in."""
        template = self._texts.get(key)
        if template is None:
            return Markup(h(MISSING.format(key)))
        return Markup(h(template).format(**{k: h(v) for k, v in params.items()}))

    def plain(self, key: str, **params: object) -> str:
        """The text of ``key`` without escaping (for figure labels)."""
        template = self._texts.get(key)
        if template is None:
            return MISSING.format(key)
        return template.format(**params)

    # -- numbers ----------------------------------------------------------------
    def integer(self, value: float) -> str:
        """A whole number with the language's thousands separator."""
        text = f"{round(value):,}"
        return text.replace(",", NBSP) if self.lang == "nb" else text

    def decimal(self, value: float, digits: int = 1) -> str:
        """A number with ``digits`` decimals."""
        text = f"{value:,.{digits}f}"
        if self.lang == "nb":
            text = text.replace(",", " ").replace(".", ",").replace(" ", NBSP)
        return text

    def percent(self, share: float | None, digits: int | None = None) -> str:
        """A share as a percentage (``0.834`` → ``83 %``); ``—`` when undefined."""
        if share is None:
            return "—"
        pct = 100 * share
        if digits is None:
            digits = 0 if abs(pct) >= 10 or pct == 0 else 1
        return f"{self.decimal(pct, digits)}{NBSP}%"

    def money(self, value: float | None, currency: str = "NOK") -> str:
        """Money rounded as a recruiter reads it: to 10 below 1,000, to 100 above."""
        if value is None:
            return "—"
        step = 100 if abs(value) >= 1000 else 10 if abs(value) >= 100 else 1
        amount = self.integer(round(value / step) * step)
        if currency == "NOK":
            return f"{amount}{NBSP}kr" if self.lang == "nb" else f"NOK{NBSP}{amount}"
        return f"{amount}{NBSP}{currency}"

    def price(self, value: float, currency: str = "NOK") -> str:
        """A price per impression (small amounts, two decimals)."""
        amount = self.decimal(value, 2)
        if currency == "NOK":
            return f"{amount}{NBSP}kr" if self.lang == "nb" else f"NOK{NBSP}{amount}"
        return f"{amount}{NBSP}{currency}"
