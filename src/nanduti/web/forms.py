"""The case form, designed against re-victimization.

Every field is optional. Every coded field is a select of the vocabulary's terms plus
"Desconocido" (unknown) and "No preguntado" (not_asked), kept distinct. Errors are in the
language of the page, beside the field they concern.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from nanduti.registry.io.values import MIN_YEAR
from nanduti.registry.models import (
    Assistance,
    Case,
    Exploitation,
    Institution,
    Perpetrator,
    Referral,
    TechnologyUse,
    Victim,
)
from nanduti.taxonomy import labels, vocab

lazy_title = lazy(labels.vocabulary_title, str)


def year_rule(value: int | None) -> None:
    """The import's rule for a year (``registry.io.values``), so form and file agree."""
    if value is None:
        return
    latest = date.today().year
    if not MIN_YEAR <= value <= latest:
        raise ValidationError(
            _("año imposible: %(year)s (entre %(first)s y %(last)s)"),
            params={"year": value, "first": MIN_YEAR, "last": latest},
        )


class CodeChoiceField(forms.ChoiceField):
    """A select over one vocabulary (+ unknown, not_asked); blank means "not recorded"."""

    def __init__(self, vocabulary: str, *, grouped_by: str = "", label=None, **kwargs):
        self.vocabulary = vocabulary
        self.grouped_by = grouped_by
        kwargs.setdefault("required", False)
        super().__init__(
            choices=lambda: labels.choices(vocabulary, grouped_by=grouped_by),
            label=label if label is not None else lazy_title(vocabulary),
            **kwargs,
        )

    def validate(self, value):
        if value and not labels.is_valid(self.vocabulary, value):
            raise ValidationError(_("«%(value)s» no es un código válido"), params={"value": value})

    def valid_value(self, value):
        return labels.is_valid(self.vocabulary, value)


class CodeMultipleField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, vocabulary: str, *, label=None, **kwargs):
        self.vocabulary = vocabulary
        kwargs.setdefault("required", False)
        super().__init__(
            choices=lambda: labels.choices(vocabulary)[1:],
            label=label if label is not None else lazy_title(vocabulary),
            **kwargs,
        )

    def valid_value(self, value):
        return labels.is_valid(self.vocabulary, value)


class InstitutionField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(queryset=Institution.objects.order_by("name"), **kwargs)

    def label_from_instance(self, obj):
        return obj.name


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseForm(forms.ModelForm):
    reference = forms.CharField(
        label=_("Referencia"),
        required=False,
        max_length=80,
        help_text=_("Si se deja vacía se genera automáticamente."),
    )
    year = forms.IntegerField(label=_("Año"), required=False, validators=[year_rule])
    reported_on = forms.DateField(label=_("Fecha"), required=False, widget=DATE)
    department = CodeChoiceField("department")
    district = CodeChoiceField("district")
    summary = forms.CharField(
        label=_("Resumen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Hechos ya conocidos, sin datos que identifiquen a personas."),
    )
    modality = CodeChoiceField("modality")
    lure = CodeChoiceField("lure")
    transfer_type = CodeChoiceField("transfer_type")
    origin_department = CodeChoiceField("department", label=_("Departamento de origen"))
    origin_district = CodeChoiceField("district", label=_("Distrito de origen"))
    destination_country = CodeChoiceField("country", label=_("País de destino"))
    destination_department = CodeChoiceField("department", label=_("Departamento de destino"))
    route = forms.CharField(label=_("Ruta"), required=False, max_length=500)
    travel_paid_by_recruiter = CodeChoiceField("yes_no", label=_("Viaje pagado por quien captó"))
    exploitation_types = CodeMultipleField("exploitation_type", label=_("Tipos de explotación"))
    exploitation_setting = CodeChoiceField("exploitation_setting")
    means_of_control = CodeMultipleField("means_of_control", label=_("Medios de control"))
    legal_status = CodeChoiceField("legal_status")
    provisions = CodeMultipleField("legal_provision", label=_("Disposiciones legales aplicadas"))

    class Meta:
        model = Case
        fields = [
            "reference",
            "year",
            "reported_on",
            "department",
            "district",
            "summary",
            "modality",
            "lure",
            "transfer_type",
            "origin_department",
            "origin_district",
            "destination_country",
            "destination_department",
            "route",
            "travel_paid_by_recruiter",
            "exploitation_setting",
            "means_of_control",
            "legal_status",
            "provisions",
        ]

    def __init__(self, *args, institution: Institution, **kwargs):
        self.institution = institution
        super().__init__(*args, **kwargs)
        self.fields["district"].widget.attrs["data-department"] = "id_department"
        self.fields["origin_district"].widget.attrs["data-department"] = "id_origin_department"
        if self.instance.pk:
            self.fields["exploitation_types"].initial = [
                e.type for e in self.instance.exploitations.all() if e.type
            ]

    def clean_reference(self):
        ref = (self.cleaned_data.get("reference") or "").strip()
        if not ref:
            return ref
        clash = Case.objects.filter(institution=self.institution, reference=ref)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(
                _("ya existe un caso «%(ref)s» en su institución"), params={"ref": ref}
            )
        return ref

    def clean(self):
        data = super().clean()
        for dep_field, dist_field in (
            ("department", "district"),
            ("origin_department", "origin_district"),
        ):
            dep, dist = data.get(dep_field), data.get(dist_field)
            if (
                dep
                and dist
                and "." in dist
                and dep not in labels.SPECIAL
                and (not dist.startswith(dep + "."))
            ):
                self.add_error(dist_field, _("el distrito no pertenece al departamento elegido"))
        reported_on, year = data.get("reported_on"), data.get("year")
        if reported_on and year and reported_on.year != year:
            self.add_error(
                "year",
                ValidationError(
                    _("no coincide con la fecha (%(year)s)"), params={"year": reported_on.year}
                ),
            )
        return data


class VictimForm(forms.ModelForm):
    sex = CodeChoiceField("sex")
    age = forms.IntegerField(label=_("Edad"), required=False, min_value=0, max_value=120)
    age_band = CodeChoiceField("age_band")
    nationality = CodeChoiceField("country", label=_("Nacionalidad"))
    residence_department = CodeChoiceField("department", label=_("Departamento de residencia"))
    recruiter_relation = CodeChoiceField("recruiter_relation", label=_("Relación con quien captó"))
    full_name = forms.CharField(label=_("Nombre completo"), required=False, max_length=200)
    document_number = forms.CharField(label=_("Documento"), required=False, max_length=60)
    phone = forms.CharField(label=_("Teléfono"), required=False, max_length=60)
    birth_date = forms.DateField(label=_("Fecha de nacimiento"), required=False, widget=DATE)

    IDENTIFYING = Victim.IDENTIFYING_FIELDS

    class Meta:
        model = Victim
        fields = [*Victim.DESCRIBING_FIELDS, *Victim.IDENTIFYING_FIELDS]

    def __init__(self, *args, show_identifying: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_identifying:
            # Not rendered and not saved: the stored values stay as they are.
            for name in self.IDENTIFYING:
                del self.fields[name]

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        return value.isoformat() if value else ""

    def clean(self):
        data = super().clean()
        age, band = data.get("age"), data.get("age_band")
        if age is not None and not band:
            data["age_band"] = vocab.age_band(age)
        elif age is not None and band and band not in labels.SPECIAL:
            expected = vocab.age_band(age)
            if expected and expected != band:
                self.add_error(
                    "age_band",
                    ValidationError(
                        _("la edad %(age)s no está en el tramo elegido"), params={"age": age}
                    ),
                )
        return data


class PerpetratorForm(forms.ModelForm):
    role = CodeChoiceField("perpetrator_role")
    relation_to_victim = CodeChoiceField("recruiter_relation", label=_("Relación con la víctima"))
    sex = CodeChoiceField("sex")
    nationality = CodeChoiceField("country", label=_("Nacionalidad"))

    class Meta:
        model = Perpetrator
        fields = ["role", "relation_to_victim", "sex", "nationality"]


class TechnologyUseForm(forms.ModelForm):
    phase = CodeChoiceField("phase")
    platform = CodeChoiceField("platform", grouped_by="technology")
    technology = CodeChoiceField(
        "technology",
        label=_("Categoría (si no se conoce la plataforma)"),
    )
    detail = forms.CharField(label=_("Detalle"), required=False, max_length=500)

    class Meta:
        model = TechnologyUse
        fields = ["phase", "platform", "technology", "detail"]

    def clean(self):
        data = super().clean()
        platform = data.get("platform")
        if platform and platform not in labels.SPECIAL and not data.get("technology"):
            data["technology"] = labels.parent_of("platform", platform)
        return data


class ReferralForm(forms.ModelForm):
    from_institution = InstitutionField(label=_("Derivado por"))
    to_institution = InstitutionField(label=_("Derivado a"))
    referred_on = forms.DateField(label=_("Fecha"), required=False, widget=DATE)
    note = forms.CharField(label=_("Nota"), required=False, max_length=500)

    class Meta:
        model = Referral
        fields = ["from_institution", "to_institution", "referred_on", "note"]


class AssistanceForm(forms.ModelForm):
    type = CodeChoiceField("assistance_type")
    provided_by = InstitutionField(label=_("Brindada por"))
    started_on = forms.DateField(label=_("Desde"), required=False, widget=DATE)

    class Meta:
        model = Assistance
        fields = ["type", "provided_by", "started_on"]


def _formset(model, form, prefix_extra=1):
    return forms.inlineformset_factory(Case, model, form=form, extra=prefix_extra, can_delete=True)


VictimFormSet = _formset(Victim, VictimForm)
PerpetratorFormSet = _formset(Perpetrator, PerpetratorForm)
TechnologyFormSet = _formset(TechnologyUse, TechnologyUseForm)
ReferralFormSet = _formset(Referral, ReferralForm)
AssistanceFormSet = _formset(Assistance, AssistanceForm)

FORMSETS = {
    "technologies": TechnologyFormSet,
    "victims": VictimFormSet,
    "perpetrators": PerpetratorFormSet,
    "referrals": ReferralFormSet,
    "assistance": AssistanceFormSet,
}


def exploitation_rows(case: Case, types: list[str], setting: str):
    """What makes the case's Exploitation rows match the chosen types: the rows to save
    (changed or new) and the rows to remove."""
    existing = {e.type: e for e in case.exploitations.all()} if case.pk else {}
    removed = [row for code, row in existing.items() if code not in types]
    changed = []
    for code, row in existing.items():
        if code in types and row.setting != setting:
            row.setting = setting
            changed.append(row)
    new = [Exploitation(type=code, setting=setting) for code in types if code not in existing]
    return changed + new, removed


FORM_FOR_MODEL: dict[str, type[forms.ModelForm]] = {
    "case": CaseForm,
    "victim": VictimForm,
    "perpetrator": PerpetratorForm,
    "technologyuse": TechnologyUseForm,
    "referral": ReferralForm,
    "assistance": AssistanceForm,
}
