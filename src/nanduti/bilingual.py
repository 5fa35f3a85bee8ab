"""Messages shown or stored in Spanish and English from one source.

The Spanish text is the message id, marked where it is written with ``gettext_noop`` (as
``_``) so that ``makemessages`` collects it; its English comes from the ``en`` catalogue.
A message keeps its id and named placeholders until it is shown, so it can be rendered in
both languages wherever it ends (a report, a stored rejected row, a worker's result).
"""

from __future__ import annotations

from functools import lru_cache

from django.utils import translation


class Message:
    """``Message(_("la fila %(row)s …"), row=7)``; a placeholder's value may be a
    ``Message`` itself or a pair (Spanish, English), rendered in the same language."""

    def __init__(self, text: str, /, **params: object):
        self.text, self.params = text, params
        self._shown: dict[str, str] = {}  # by language: one message may be shown on many rows

    def render(self, language: str) -> str:
        if (shown := self._shown.get(language)) is None:
            shown = _translated(self.text, language)
            if self.params:
                shown %= {name: _rendered(v, language) for name, v in self.params.items()}
            self._shown[language] = shown
        return shown

    @property
    def es(self) -> str:
        return self.render("es")

    @property
    def en(self) -> str:
        return self.render("en")

    def __str__(self) -> str:
        """«español / English», as the importer's reports and refusals read."""
        return f"{self.es} / {self.en}"


@lru_cache(maxsize=1024)  # a file may repeat one rejection on a million rows
def _translated(text: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def _rendered(value: object, language: str) -> object:
    if isinstance(value, Message):
        return value.render(language)
    if isinstance(value, tuple):  # (Spanish, English)
        return value[language == "en"]
    return value
