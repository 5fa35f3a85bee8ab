"""The public form's fields: what a person may tell, all optional but the text."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from nanduti.public_reports import images
from nanduti.public_reports.models import Kind
from nanduti.taxonomy import vocab

MAX_TEXT = 5000
MAX_CONTACT = 200


def _language() -> str:
    return "en" if (get_language() or "es").startswith("en") else "es"


def _choices(vocabulary: str, grouped_by: str = "") -> list:
    """Blank, the terms (under their parent's label with ``grouped_by``), then Unknown."""
    lang, terms = _language(), vocab.get(vocabulary).terms
    body: list
    if grouped_by:
        parents = vocab.get(grouped_by)
        groups: dict[str, list] = {}
        for term in terms:
            groups.setdefault(term.parent, []).append((term.code, term.label(lang)))
        body = [(parents.label(parent, lang), options) for parent, options in groups.items()]
    else:
        body = [(term.code, term.label(lang)) for term in terms]
    return [("", "—"), *body, (vocab.UNKNOWN, vocab.SPECIAL_TERMS[0].label(lang))]


def _bilingual(es: str, en: str) -> dict:
    return {"invalid_choice": f"{es}: opción no válida / {en}: invalid choice"}


class PublicReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("¿Qué quiere denunciar?"),
        choices=Kind.choices,
        initial=Kind.OFFER,
        widget=forms.RadioSelect,
        error_messages=_bilingual("Qué quiere denunciar", "What to report"),
    )
    platform = forms.ChoiceField(
        label=_("¿Dónde lo vio?"),
        choices=lambda: _choices("platform", grouped_by="technology"),
        required=False,
        error_messages=_bilingual("Dónde lo vio", "Where you saw it"),
    )
    department = forms.ChoiceField(
        label=_("Departamento"),
        help_text=_("Dónde vive usted o dónde se ofrece el trabajo, si lo sabe."),
        choices=lambda: _choices("department"),
        required=False,
        error_messages=_bilingual("Departamento", "Department"),
    )
    text = forms.CharField(
        label=_("Texto de la oferta o descripción del perfil"),
        help_text=_(
            "Pegue el aviso o cuente lo que le escribieron. No ponga su nombre ni datos suyos."
        ),
        min_length=10,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Texto: escriba o pegue el aviso / Text: write or paste the ad",
            "min_length": "Texto: escriba al menos 10 caracteres / Text: write at least 10 "
            "characters",
            "max_length": f"Texto: como máximo {MAX_TEXT} caracteres / Text: at most {MAX_TEXT} "
            "characters",
        },
    )
    # A FileField: the picture is decoded once, by ``images.clean_png``.
    screenshot = forms.FileField(
        label=_("Captura de pantalla (opcional)"),
        help_text=_("Imagen JPEG, PNG, WebP o GIF de hasta 5 MB. Se le quitan los metadatos."),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )
    contact = forms.CharField(
        label=_("Contacto (opcional)"),
        help_text=_(
            "Solo si quiere que le contacten: teléfono o correo. Se guarda cifrado y solo lo ven "
            "quienes analizan las denuncias."
        ),
        max_length=MAX_CONTACT,
        required=False,
        error_messages={
            "max_length": f"Contacto: como máximo {MAX_CONTACT} caracteres / Contact: at most "
            f"{MAX_CONTACT} characters"
        },
    )
    website = forms.CharField(required=False, label=_("No complete este campo"))
    pow_challenge = forms.CharField(required=False, widget=forms.HiddenInput)
    pow_counter = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_screenshot(self) -> bytes:
        """The picture as clean PNG bytes (b"" when none was sent)."""
        upload = self.cleaned_data.get("screenshot")
        if upload and upload.size > images.max_bytes():
            megabytes = images.max_bytes() // (1024 * 1024)
            raise forms.ValidationError(
                f"Captura: la imagen supera {megabytes} MB / Screenshot: the image is over "
                f"{megabytes} MB"
            )
        if not upload:
            return b""
        try:
            return images.clean_png(upload.read())
        except images.ImageRefused as error:
            raise forms.ValidationError(str(error)) from None
