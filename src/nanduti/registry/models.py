"""The case registry.

Each record belongs to one institution. Every coded field takes a code of a vocabulary
(``nanduti.taxonomy``) or ``unknown`` / ``not_asked``; a blank code means nothing was
recorded. Identifying data lives only in encrypted fields and is shown only to users
of the owning institution (``nanduti.registry.permissions``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nanduti.registry.fields import (
    CodeField,
    EncryptedJSONField,
    EncryptedTextField,
    RecordKeyField,
    WebURLField,
)


class Institution(models.Model):
    code = models.CharField(_("código"), max_length=40, unique=True)
    name = models.CharField(_("nombre"), max_length=200)
    kind = CodeField("institution_type")

    class Meta:
        verbose_name = _("institución")
        verbose_name_plural = _("instituciones")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Role(models.TextChoices):
    OFFICER = "officer", "Funcionario/a de caso / Case officer"
    STEWARD = "steward", "Responsable de datos / Data steward"
    ANALYST = "analyst", "Analista / Analyst"
    ADMIN = "admin", "Administrador/a / Administrator"


class Membership(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario/a"),
        on_delete=models.CASCADE,
        related_name="membership",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institución"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices, default=Role.OFFICER)

    class Meta:
        verbose_name = _("membresía")
        verbose_name_plural = _("membresías")

    def __str__(self) -> str:
        return f"{self.user} ({self.role} @ {self.institution})"


class Source(models.TextChoices):
    INSTITUTION = "institution", "Registro institucional / Institutional record"
    IMPORT = "import", "Importado / Imported"
    PRESS = "press", "Prensa / Press"
    DEMO = "demo", "Demostración sintética / Synthetic demo"


class Case(models.Model):
    # No index of its own: unique_case_ref and case_inst_updated both begin with it, and a
    # third index would cost every import and could mislead PostgreSQL's planner while a
    # bulk import grows the table faster than its statistics follow.
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institución"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    reference = models.CharField(_("referencia"), max_length=80)
    source = models.CharField(
        _("fuente"), max_length=20, choices=Source.choices, default=Source.INSTITUTION
    )
    synthetic = models.BooleanField(_("sintético"), default=False)
    # The year may be known when the exact date is not (institutional tables give years).
    year = models.PositiveSmallIntegerField(_("año"), null=True, blank=True)
    reported_on = models.DateField(_("fecha"), null=True, blank=True)
    department = CodeField("department")
    district = CodeField("district")
    modality = CodeField("modality")
    lure = CodeField("lure")
    transfer_type = CodeField("transfer_type")
    origin_department = CodeField("department")
    origin_district = CodeField("district")
    destination_country = CodeField("country")
    destination_department = CodeField("department")
    # Where the exploitation took place (CTDC "CountryOfExploitation"); PY for internal cases.
    exploitation_country = CodeField("country")
    route = models.TextField(_("ruta"), blank=True, default="")
    travel_paid_by_recruiter = CodeField("yes_no")
    exploitation_setting = CodeField("exploitation_setting")
    legal_status = CodeField("legal_status")
    provisions = models.JSONField(default=list, blank=True)
    # How the victims were controlled (codes of means_of_control; CTDC meansOfControl*),
    # among them the digital ones: surveillance of the phone, threats to share images.
    means_of_control = models.JSONField(default=list, blank=True)
    summary = models.TextField(_("resumen"), blank=True, default="")
    source_url = WebURLField(max_length=500, blank=True, default="")
    # Not indexed: nothing looks cases up by author, and deleting a user (rare) may scan.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modificado"), auto_now=True)
    # The import that last created or updated the case (its audit event is per batch).
    # Not indexed: nothing looks cases up by batch, and every imported case paid for the
    # index; deleting a batch (rare, admin) scans the cases to clear it.
    import_batch = models.ForeignKey(
        "ImportBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        db_index=False,
    )
    # SHA-256 of the case as the importer last wrote it (its normalised flat rows): a re-import
    # compares hashes instead of reading cases back. Any other write (registry.services)
    # clears it.
    content_hash = models.CharField(max_length=64, blank=True, default="")
    # Optimistic concurrency: every write through registry.services (web, API, admin, review)
    # adds one, and a write made from an older version is refused. The importer's bulk
    # updates leave it alone.
    version = models.PositiveIntegerField(default=1)
    record_key = RecordKeyField()  # cell-key perturbation of published counts

    class Meta:
        verbose_name = _("caso")
        verbose_name_plural = _("casos")
        constraints = [
            models.UniqueConstraint(fields=["institution", "reference"], name="unique_case_ref")
        ]
        indexes = [
            models.Index(fields=["year"]),
            models.Index(fields=["department"]),
            # The case list reads one institution's cases newest-changed first, 50 at a time.
            models.Index(fields=["institution", "-updated_at", "-id"], name="case_inst_updated"),
            # Every page asks whether a synthetic case exists (the demo banner).
            models.Index(
                fields=["synthetic"], condition=models.Q(synthetic=True), name="case_synthetic"
            ),
        ]
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.institution_id}/{self.reference}"


class Victim(models.Model):
    # What describes a victim without identifying them, and what identifies (encrypted,
    # shown only to the owning institution): the form, the API and the admin read these.
    DESCRIBING_FIELDS = (
        "sex",
        "age",
        "age_band",
        "nationality",
        "residence_department",
        "recruiter_relation",
    )
    IDENTIFYING_FIELDS = ("full_name", "document_number", "phone", "birth_date")

    # Indexed by unique_victim_ref, which begins with it.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="victims", db_index=False)
    reference = models.CharField(max_length=40, default="1")
    record_key = RecordKeyField()  # cell-key perturbation of published counts
    sex = CodeField("sex")
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    age_band = CodeField("age_band")
    # The CTDC bands (ageBroad) cannot be mapped to ours when no exact age is known.
    age_band_ctdc = CodeField("age_band_ctdc")
    nationality = CodeField("country")
    residence_department = CodeField("department")
    recruiter_relation = CodeField("recruiter_relation")
    # The CTDC record this victim came in (every column as written, and its layout): what the
    # fields above cannot say (-99 against Unknown, Hotline, majority status, each flag) is
    # kept, tabulated and exported as it came (registry/ctdc.py).
    ctdc = models.JSONField(default=dict, blank=True)
    full_name = EncryptedTextField()
    document_number = EncryptedTextField()
    phone = EncryptedTextField()
    birth_date = EncryptedTextField()  # ISO date; encrypted, so never a DateField

    class Meta:
        verbose_name = _("víctima")
        verbose_name_plural = _("víctimas")
        constraints = [
            models.UniqueConstraint(fields=["case", "reference"], name="unique_victim_ref")
        ]
        # No index on sex or age band: two or three values each, which the planner reads
        # by scanning; inserting into one cost every import (see registry/0006).

    def __str__(self) -> str:
        return f"{self.case} #{self.reference}"


class Perpetrator(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="perpetrators")
    record_key = RecordKeyField()  # cell-key perturbation of published counts
    role = CodeField("perpetrator_role")
    relation_to_victim = CodeField("recruiter_relation")
    sex = CodeField("sex")
    nationality = CodeField("country")
    full_name = EncryptedTextField()
    document_number = EncryptedTextField()

    class Meta:
        verbose_name = _("perpetrador/a")
        verbose_name_plural = _("perpetradores/as")

    def __str__(self) -> str:
        return f"{self.case} {self.role}"


class TechnologyUse(models.Model):
    # Indexed by techuse_case_platform, which begins with it.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="technologies", db_index=False
    )
    victim = models.ForeignKey(Victim, null=True, blank=True, on_delete=models.SET_NULL)
    phase = CodeField("phase")
    technology = CodeField("technology")
    platform = CodeField("platform")
    detail = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("uso de tecnología")
        verbose_name_plural = _("usos de tecnología")
        # No index on the platform alone: the list's filter goes from a case to its
        # platforms and statistics read snapshots (see registry/0012).
        indexes = [
            # The list's platform filter and prefetch go from a case to its platforms.
            models.Index(fields=["case", "platform"], name="techuse_case_platform"),
        ]

    def __str__(self) -> str:
        return f"{self.phase}:{self.platform or self.technology}"


class Exploitation(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="exploitations")
    type = CodeField("exploitation_type")
    setting = CodeField("exploitation_setting")

    class Meta:
        verbose_name = _("explotación")
        verbose_name_plural = _("explotaciones")

    def __str__(self) -> str:
        return self.type


class Referral(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    from_institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referred_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("derivación")
        verbose_name_plural = _("derivaciones")

    def __str__(self) -> str:
        return f"{self.from_institution_id} → {self.to_institution_id}"


class Assistance(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assistance")
    victim = models.ForeignKey(Victim, null=True, blank=True, on_delete=models.SET_NULL)
    type = CodeField("assistance_type")
    provided_by = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("asistencia")
        verbose_name_plural = _("asistencias")

    def __str__(self) -> str:
        return self.type


class AuditEvent(models.Model):
    at = models.DateTimeField(_("fecha"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("quién"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institución"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(
        _("acción"), max_length=20
    )  # create, update, delete, import, export, rotate-keys
    model = models.CharField(_("modelo"), max_length=60)
    object_id = models.CharField(_("objeto"), max_length=60, blank=True, default="")
    case = models.ForeignKey(
        Case,
        verbose_name=_("caso"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
        db_constraint=False,
    )
    changes = models.JSONField(_("cambios"), default=dict, blank=True)

    class Meta:
        verbose_name = _("evento de auditoría")
        verbose_name_plural = _("eventos de auditoría")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.model}#{self.object_id}"


class ImportBatch(models.Model):
    # None: rows whose institution is unknown (a steward's multi-institution file), which
    # no institution's users see.
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institución"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="imports",
    )
    original_name = models.CharField(_("archivo"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    stored_path = models.CharField(max_length=500)  # content-addressed copy of the raw file
    format = models.CharField(_("formato"), max_length=20)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("importado por"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True)
    stored = models.PositiveIntegerField(_("guardados"), default=0)
    updated = models.PositiveIntegerField(_("actualizados"), default=0)
    rejected = models.PositiveIntegerField(_("rechazados"), default=0)
    report = models.JSONField(_("informe"), default=dict, blank=True)

    class Meta:
        verbose_name = _("importación")
        verbose_name_plural = _("importaciones")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.created_at:%Y-%m-%d})"


class RejectedRow(models.Model):
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("importación"),
        on_delete=models.CASCADE,
        related_name="rejected_rows",
    )
    row_number = models.PositiveIntegerField(_("fila"))
    # Encrypted: a rejected row's cells (and the values its errors quote) may identify a
    # victim as much as the registry's identifying fields do.
    raw = EncryptedJSONField(default=dict)
    errors = EncryptedJSONField(
        _("errores"), default=list
    )  # [{column, value, message_es, message_en}]
    resolved = models.BooleanField(_("resuelta"), default=False)

    class Meta:
        verbose_name = _("fila rechazada")
        verbose_name_plural = _("filas rechazadas")
        ordering = ["batch", "row_number"]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"
