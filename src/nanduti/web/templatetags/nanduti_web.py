"""Template tags of the shared web frame: demo-data banner, who is logged in, code labels."""

from __future__ import annotations

import html

from django import template
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language

from nanduti.registry import permissions
from nanduti.registry.fields import is_web_url as _is_web_url
from nanduti.taxonomy.labels import code_label, in_language
from nanduti.web import menu

register = template.Library()


@register.simple_tag(takes_context=True)
def has_synthetic_data(context) -> bool:
    """True when any synthetic case exists; kept on the request and until the registry
    changes."""
    request = context.get("request")
    cached = getattr(request, "_nanduti_has_synthetic", None)
    if cached is not None:
        return cached
    from nanduti.registry import freshness
    from nanduti.registry.models import Case

    found = freshness.kept("web:has_synthetic", Case.objects.filter(synthetic=True).exists)
    if request is not None:
        request._nanduti_has_synthetic = found
    return found


@register.simple_tag
def user_membership(user):
    """The user's membership (institution and role), or None."""
    return permissions.membership(user)


@register.simple_tag(takes_context=True)
def main_menu(context) -> dict:
    """The menu entries the user may use, and which one the current page belongs to."""
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    entries = menu.entries(user)
    return {
        "entries": entries,
        "current": menu.current(entries, request.path if request else ""),
        "home": menu.home_path(user) if getattr(user, "is_authenticated", False) else "",
    }


@register.simple_tag
def may(user, key: str) -> bool:
    """``{% may user "import" as can_import %}``: whether the menu entry ``key`` is for them."""
    return any(e.key == key for e in menu.entries(user))


@register.filter
def label(code: str, vocabulary: str) -> str:
    """``{{ case.department|label:"department" }}`` → the term's label in the active language."""
    return code_label(vocabulary, code, get_language() or "es")


@register.filter
def is_web_url(value: str) -> bool:
    """Only http(s) links become <a href>: one stored before links were checked, e.g.
    ``javascript:…``, is shown as text."""
    return _is_web_url(value or "")


def _escaped(value) -> str:
    """``conditional_escape`` without its per-call wrappers: these lists have hundreds of
    options (platforms, departments) and ``format_html`` per option was a third of the
    case list's and the dashboard's rendering."""
    if isinstance(value, SafeData):
        return str(value)
    return html.escape(str(value), quote=True)


@register.simple_tag
def select_options(options, selected=""):
    """``<option>``s for choices that may contain ``(group label, [(value, text), ...])``."""
    selected = str(selected or "")

    def option(value, text):
        mark = " selected" if str(value) == selected else ""
        return f'<option value="{_escaped(value)}"{mark}>{_escaped(text)}</option>'

    parts = []
    for value, text in options:
        if isinstance(text, list | tuple):
            inner = "".join(option(v, t) for v, t in text)
            parts.append(f'<optgroup label="{_escaped(value)}">{inner}</optgroup>')
        else:
            parts.append(option(value, text))
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


@register.filter(name="in_language")
def in_language_filter(text) -> str:
    return in_language(text)
