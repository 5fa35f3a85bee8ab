"""Fill and compile the English catalogue: ``python src/nanduti/locale/update_en.py``.

Run ``nanduti makemessages -l en --no-obsolete`` in ``src/nanduti`` first when Spanish
msgids changed; this script then fills the English strings known below (keeping any
translation already in the .po) and compiles ``django.mo`` with Babel, so no gettext
tools are needed at run time or to build.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
PO = HERE / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

EN = {
    "Español": "Español",
    "English": "English",
    "Referencia": "Reference",
    "Si se deja vacía se genera automáticamente.": "Generated automatically if left empty.",
    "Año": "Year",
    "Fecha": "Date",
    "Resumen": "Summary",
    "Hechos ya conocidos, sin datos que identifiquen a personas.": (
        "Facts already known, without data that identify people."
    ),
    "Departamento de origen": "Department of origin",
    "Distrito de origen": "District of origin",
    "País de destino": "Destination country",
    "Departamento de destino": "Destination department",
    "Ruta": "Route",
    "Viaje pagado por quien captó": "Travel paid by the recruiter",
    "Tipos de explotación": "Exploitation types",
    "Disposiciones legales aplicadas": "Legal provisions applied",
    "Medios de control": "Means of control",
    "Edad": "Age",
    "Nacionalidad": "Nationality",
    "Departamento de residencia": "Department of residence",
    "Nombre completo": "Full name",
    "Documento": "Document number",
    "Teléfono": "Phone",
    "Fecha de nacimiento": "Birth date",
    "Relación con la víctima": "Relation to the victim",
    "Categoría (si no se conoce la plataforma)": "Category (if the platform is not known)",
    "Detalle": "Detail",
    "Derivado por": "Referred by",
    "Derivado a": "Referred to",
    "Nota": "Note",
    "Brindada por": "Provided by",
    "Desde": "Since",
    "Observatorio de trata facilitada por tecnologías": (
        "Observatory of technology-facilitated trafficking"
    ),
    "Saltar al contenido": "Skip to content",
    "inicio": "home",
    "Idioma": "Language",
    "Cambiar": "Change",
    "Navegación principal": "Main navigation",
    "Casos": "Cases",
    "Importar": "Import",
    "Revisión": "Review",
    "Estadísticas": "Statistics",
    "Público": "Public",
    "sin institución": "no institution",
    "Administrador/a": "Administrator",
    "Salir": "Log out",
    "Entrar": "Log in",
    "software libre (AGPL-3.0)": "free software (AGPL-3.0)",
    "Sesión cerrada": "Logged out",
    "Entrar de nuevo": "Log in again",
    "Usuario o contraseña incorrectos. Inténtelo de nuevo.": (
        "Wrong user name or password. Please try again."
    ),
    "Su cuenta no tiene acceso a esta página.": "Your account has no access to this page.",
    "Usuario": "User name",
    "Contraseña": "Password",
    "Datos identificatorios (opcional, cifrados)": "Identifying data (optional, encrypted)",
    "Se guardan cifrados y solo los ve su institución. Complételos solo si ya constan en el "
    "expediente.": (
        "Stored encrypted and visible only to your institution. Fill them in only if they are "
        "already in the file."
    ),
    "Eliminar esta fila": "Delete this row",
    "Caso": "Case",
    "sintético": "synthetic",
    "Editar": "Edit",
    "Historial de cambios": "Change history",
    "Institución": "Institution",
    "Fuente": "Source",
    "Departamento": "Department",
    "Distrito": "District",
    "Enlace": "Link",
    "Captación y tecnologías": "Recruitment and technologies",
    "Modalidad de captación": "Recruitment modality",
    "Señuelo": "Lure",
    "Fase": "Phase",
    "Plataforma": "Platform",
    "Categoría": "Category",
    "Traslado": "Transfer",
    "Tipo de traslado": "Transfer type",
    "Origen": "Origin",
    "Explotación": "Exploitation",
    "Ámbito de la explotación": "Exploitation setting",
    "Víctimas": "Victims",
    "Víctima": "Victim",
    "Sexo": "Sex",
    "Franja de edad": "Age band",
    "Relación con quien captó": "Relation to the recruiter",
    "Datos identificatorios (cifrados)": "Identifying data (encrypted)",
    "No se registraron víctimas.": "No victims recorded.",
    "Perpetradores": "Perpetrators",
    "Rol": "Role",
    "Derivaciones y asistencia": "Referrals and assistance",
    "Sin derivaciones registradas.": "No referrals recorded.",
    "Situación legal": "Legal status",
    "Situación": "Status",
    "Disposiciones": "Provisions",
    "Editar caso": "Edit case",
    "Nuevo caso": "New case",
    "Registre solo lo que ya se sabe. No pregunte a la persona para completar este formulario.": (
        "Record only what is already known. Do not question the person to complete this form."
    ),
    "Todos los campos son opcionales. Use «Desconocido» si se preguntó y no se sabe, y «No "
    "preguntado» si no se preguntó.": (
        "Every field is optional. Use “Unknown” if it was asked and is not known, and “Not "
        "asked” if it was not asked."
    ),
    "Tecnologías usadas": "Technologies used",
    "Una fila por uso: fase × plataforma (agrupadas por categoría) × detalle.": (
        "One row per use: phase × platform (grouped by category) × detail."
    ),
    "Tecnología": "Technology",
    "Agregar tecnología": "Add technology",
    "Indique la edad si se conoce; si no, el tramo de edad.": (
        "Give the age if known; otherwise the age band."
    ),
    "Agregar víctima": "Add victim",
    "Los datos identificatorios no se muestran: solo los ve la institución responsable.": (
        "Identifying data is not shown: only the owning institution sees it."
    ),
    "Perpetrador/a": "Perpetrator",
    "Agregar perpetrador/a": "Add perpetrator",
    "Derivaciones": "Referrals",
    "Derivación": "Referral",
    "Agregar derivación": "Add referral",
    "Asistencia": "Assistance",
    "Agregar asistencia": "Add assistance",
    "Guardar caso": "Save case",
    "Cancelar": "Cancel",
    "Historial": "History",
    "Los datos identificatorios cifrados figuran como modificados, sin sus valores.": (
        "Encrypted identifying data is shown as changed, without its values."
    ),
    "Cuándo": "When",
    "Quién": "Who",
    "Qué": "What",
    "Cambios": "Changes",
    "modificado (cifrado)": "changed (encrypted)",
    "Sin cambios registrados.": "No changes recorded.",
    "Casos de su institución": "Your institution's cases",
    "casos encontrados": "cases found",
    "casos en total": "cases in total",
    "Buscar y filtrar casos": "Search and filter cases",
    "Buscar (referencia o resumen)": "Search (reference or summary)",
    "Tipo de explotación": "Exploitation type",
    "Sexo de la víctima": "Victim's sex",
    "Orden": "Order",
    "Modificados recientemente primero": "Recently changed first",
    "Modificados hace más tiempo primero": "Least recently changed first",
    "Filtrar": "Filter",
    "Quitar filtros": "Clear filters",
    "Plataformas": "Platforms",
    "Modificado": "Changed",
    "Páginas": "Pages",
    "Anterior": "Previous",
    "Página %(n)s de %(total)s": "Page %(n)s of %(total)s",
    "Siguiente": "Next",
    "No hay casos que coincidan con la búsqueda.": "No cases match the search.",
    "Inicio": "Home",
    "Ñandutí: evidencia sobre la trata facilitada por tecnologías": (
        "Ñandutí: evidence on technology-facilitated trafficking"
    ),
    "Ñandutí es un observatorio abierto de la trata de personas y la explotación sexual "
    "facilitadas por tecnologías (redes sociales, mensajería, juegos en línea, aplicaciones "
    "de transporte, pagos móviles). Reúne lo que las instituciones públicas y la prensa ya "
    "saben y lo convierte en datos desagregados, comparables y protegidos: qué tecnologías "
    "se usan para captar a qué víctimas, dónde, cómo y por quiénes.": (
        "Ñandutí is an open observatory of trafficking in persons and sexual exploitation "
        "facilitated by technologies (social media, messaging, online games, ride-hailing "
        "apps, mobile payments). It gathers what public institutions and the press already "
        "know and turns it into disaggregated, comparable and protected data: which "
        "technologies are used to recruit which victims, where, how and by whom."
    ),
    "Las instituciones registran sus casos sin volver a preguntar a las víctimas; los datos "
    "identificatorios se cifran y solo los ve la institución que los registró. El público ve "
    "únicamente estadísticas que pasaron el control de divulgación.": (
        "Institutions record their cases without questioning victims again; identifying data "
        "is encrypted and seen only by the institution that recorded it. The public sees only "
        "statistics that passed disclosure control."
    ),
    "Ver estadísticas públicas": "See public statistics",
    "Denunciar una oferta o perfil sospechoso (próximamente)": (
        "Report a suspicious offer or profile (coming soon)"
    ),
    "Entrar (instituciones)": "Log in (institutions)",
    "Su cuenta no está vinculada a una institución que registre casos, por eso no puede ver "
    "ni editar fichas de casos. Los datos de todas las instituciones están disponibles para "
    "usted como estadísticas.": (
        "Your account is not linked to an institution that records cases, so you cannot see "
        "or edit case records. The data of all institutions is available to you as statistics."
    ),
    "Ir a Estadísticas": "Go to Statistics",
    "Caso %(ref)s guardado.": "Case %(ref)s saved.",
    "El caso no se guardó: revise los campos marcados.": (
        "The case was not saved: check the marked fields."
    ),
    "información sensible": "sensitive information",
    "Más recientes primero": "Newest changes first",
    "Más antiguos primero": "Oldest changes first",
    "Buscar en referencia o resumen": "Search reference or summary",
    "Filas rechazadas": "Rejected rows",
    "Corrija estas filas en el archivo de rechazos y vuelva a importarlo. Las demás filas ya "
    "se guardaron.": (
        "Fix these rows in the rejected-rows file and import it again. The other rows were saved."
    ),
    "Fila": "Row",
    "Columna": "Column",
    "Valor": "Value",
    "Problema": "Problem",
    "¿quiso decir?": "did you mean?",
    "Importar casos": "Import cases",
    "Suba una planilla CSV o XLSX con encabezados en español o inglés (una fila por víctima). "
    "Los valores se normalizan con los vocabularios; las filas con errores se apartan con su "
    "motivo y las demás se guardan. Volver a importar el mismo archivo no duplica casos.": (
        "Upload a CSV or XLSX spreadsheet with Spanish or English headers (one row per "
        "victim). Values are normalised through the vocabularies; rows with errors are set "
        "aside with their reason and the others are saved. Importing the same file again does "
        "not duplicate cases."
    ),
    "Archivo (CSV o XLSX)": "File (CSV or XLSX)",
    "Formato": "Format",
    "Resultado": "Result",
    "guardados": "stored",
    "actualizados": "updated",
    "sin cambios": "unchanged",
    "rechazados": "rejected",
    "Descargar filas rechazadas (CSV)": "Download rejected rows (CSV)",
    "Importaciones recientes": "Recent imports",
    "Archivo": "File",
    "Guardados": "Stored",
    "Actualizados": "Updated",
    "Rechazados": "Rejected",
    "Importación": "Import",
    "Acceso no permitido": "Access not allowed",
    "Su cuenta no tiene permiso para ver esta página.": (
        "Your account is not allowed to see this page."
    ),
    "Volver al inicio": "Back to the home page",
    "Página no encontrada": "Page not found",
    "La página no existe o no está disponible para su cuenta.": (
        "The page does not exist or is not available to your account."
    ),
    # Background jobs (nanduti.jobs)
    "Monitoreo de noticias": "News monitoring",
    "Informe": "Report",
    "Resumen estadístico": "Statistics summary",
    "Enlace de registros": "Record linkage",
    "En espera": "Queued",
    "En curso": "Running",
    "Terminado": "Finished",
    "Fallido": "Failed",
    "Cancelado": "Cancelled",
    "Ver la importación": "See the import",
    "iniciado por": "started by",
    "pedido": "requested",
    "empezó": "started",
    "terminó": "finished",
    "Esperando a un trabajador libre.": "Waiting for a free worker.",
    "Se pidió cancelar: se detendrá en su próximo paso.": (
        "Cancel requested: it will stop at its next step."
    ),
    "Descargar el informe (PDF)": "Download the report (PDF)",
    "%(records)s registros → %(persons)s personas únicas.": (
        "%(records)s records → %(persons)s unique persons."
    ),
    "Ver el enlace": "See the linkage",
    "%(processed)s artículos procesados, %(relevant)s relevantes, %(groups)s historias.": (
        "%(processed)s articles processed, %(relevant)s relevant, %(groups)s stories."
    ),
    "Resumen reconstruido: %(rows)s celdas en %(seconds)s s.": (
        "Summary rebuilt: %(rows)s cells in %(seconds)s s."
    ),
    "%(done)s de %(total)s (%(percent)s %%)": "%(done)s of %(total)s (%(percent)s %%)",
    "%(done)s hechos": "%(done)s done",
    "Trabajo": "Job",
    "Trabajos": "Jobs",
    "Trabajos en segundo plano": "Background jobs",
    "Las importaciones, el monitoreo, los informes, el resumen estadístico y el enlace de "
    "registros se ejecutan aparte, sin bloquear las páginas. Puede cerrar esta página: el "
    "trabajo sigue.": (
        "Imports, monitoring, reports, the statistics summary and record linkage run apart, "
        "without blocking the pages. You may close this page: the job goes on."
    ),
    "Iniciar": "Start",
    "Tipo": "Kind",
    "Estado": "Status",
    "Avance": "Progress",
    "Iniciado por": "Started by",
    "Pedido": "Requested",
    "No hay trabajos todavía.": "No jobs yet.",
}
# Plural messages: msgid → (singular, plural) in English.
EN_PLURAL = {
    "%(n)s valor se aceptó por parecido (aproximado).": (
        "%(n)s value was accepted as a close match (fuzzy).",
        "%(n)s values were accepted as close matches (fuzzy).",
    ),
}


def main() -> None:
    with open(PO, "rb") as fh:
        catalog = read_po(fh, locale="en")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, list | tuple):
            if message.id[0] in EN_PLURAL:
                message.string = EN_PLURAL[message.id[0]]
            message.flags.discard("fuzzy")
            if not message.string or not all(message.string):
                missing.append(message.id[0])
            continue
        if message.id in EN:
            message.string = EN[message.id]
        elif message.fuzzy:
            # msgmerge's guesses from similar old strings are often wrong: drop them.
            message.string = ""
        message.flags.discard("fuzzy")
        if not message.string:
            missing.append(message.id)
    with open(PO, "wb") as fh:
        write_po(fh, catalog, width=100)
    with open(MO, "wb") as fh:
        write_mo(fh, catalog)
    print(f"{PO.relative_to(HERE.parent.parent.parent)}: {len(missing)} without English")
    for msgid in missing:
        print("  -", msgid[:90])


if __name__ == "__main__":
    main()
