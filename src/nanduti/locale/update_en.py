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
    # The public report form (nanduti.public_reports).
    "Denunciar una oferta o perfil sospechoso": "Report a suspicious offer or profile",
    "Denunciar una oferta o un perfil sospechoso": "Report a suspicious offer or profile",
    "¿Qué quiere denunciar?": "What do you want to report?",
    "¿Dónde lo vio?": "Where did you see it?",
    "Dónde vive usted o dónde se ofrece el trabajo, si lo sabe.": (
        "Where you live or where the job is offered, if you know."
    ),
    "Texto de la oferta o descripción del perfil": (
        "Text of the offer or description of the profile"
    ),
    "Pegue el aviso o cuente lo que le escribieron. No ponga su nombre ni datos suyos.": (
        "Paste the ad or tell us what they wrote to you. Do not give your name or your details."
    ),
    "Captura de pantalla (opcional)": "Screenshot (optional)",
    "Imagen JPEG, PNG, WebP o GIF de hasta 5 MB. Se le quitan los metadatos.": (
        "A JPEG, PNG, WebP or GIF image of up to 5 MB. Its metadata is removed."
    ),
    "Contacto (opcional)": "Contact (optional)",
    "Solo si quiere que le contacten: teléfono o correo. Se guarda cifrado y solo lo ven "
    "quienes analizan las denuncias.": (
        "Only if you want to be contacted: phone or e-mail. It is stored encrypted and seen only "
        "by those who analyse the reports."
    ),
    "No complete este campo": "Do not fill in this field",
    "Oferta de trabajo o aviso": "Job offer or ad",
    "Perfil o contacto": "Profile or contact",
    "Pendiente": "Pending",
    "Confirmada: sospechosa": "Confirmed: suspicious",
    "Descartada": "Discarded",
    "denuncia del público": "public report",
    "denuncias del público": "public reports",
    "Dónde pedir ayuda en Paraguay": "Where to get help in Paraguay",
    "Llamar al %(number)s": "Call %(number)s",
    "Denuncias del público": "Reports from the public",
    "Denuncia pública (anónima)": "Public report (anonymous)",
    "Puntaje de señales de alerta": "Red-flag score",
    "Señales": "Red flags",
    "ninguna": "none",
    "Contacto dejado": "Contact left",
    "Texto enviado": "Text sent",
    "Ver captura": "View screenshot",
    "Confirmar como sospechosa": "Confirm as suspicious",
    "Motivo": "Reason",
    "Motivo (opcional)": "Reason (optional)",
    "Descartar": "Discard",
    "No hay denuncias del público pendientes.": "No pending reports from the public.",
    "Noticias de prensa": "Press stories",
    "Recibimos su denuncia": "We received your report",
    "Gracias. Un equipo de analistas la revisará. No guardamos datos que le identifiquen.": (
        "Thank you. A team of analysts will review it. We keep no data that identify you."
    ),
    "Encontramos varias señales de alerta de captación engañosa": (
        "We found several red flags of deceptive recruitment"
    ),
    "Encontramos alguna señal de alerta": "We found a red flag",
    "No encontramos señales de alerta conocidas": "We found no known red flags",
    "Dice:": "It says:",
    "Una señal sola no prueba nada; varias juntas piden cuidado.": (
        "One flag alone proves nothing; several together call for care."
    ),
    "Eso no garantiza que sea segura: tenga en cuenta los consejos de abajo.": (
        "That does not mean it is safe: keep the advice below in mind."
    ),
    "Qué hacer": "What to do",
    "Enviar otra denuncia": "Send another report",
    "¿Le ofrecieron un trabajo, un viaje o un estudio que parece demasiado bueno, o alguien le "
    "escribe por redes y le pide fotos, documentos o secreto? Cuéntelo aquí. Le respondemos "
    "enseguida con las señales de alerta que encontramos y qué hacer.": (
        "Were you offered a job, a trip or studies that seem too good to be true, or does someone "
        "write to you online asking for photos, documents or secrecy? Tell us here. We answer at "
        "once with the red flags we find and what to do."
    ),
    "Es anónimo: no guardamos su dirección IP, su navegador ni la hora exacta. El texto se "
    "guarda cifrado y solo lo leen analistas del observatorio. Esto no es una denuncia penal.": (
        "It is anonymous: we do not keep your IP address, your browser or the exact time. The "
        "text is stored encrypted and read only by the observatory's analysts. This is not a "
        "criminal complaint."
    ),
    "Comprobando que no es un programa automático (unos segundos)…": (
        "Checking that you are not an automated program (a few seconds)…"
    ),
    "JavaScript está desactivado: su denuncia se recibe igual, pero con un límite de envíos más "
    "estricto (la comprobación antiabuso no puede hacerse en su navegador).": (
        "JavaScript is turned off: your report is still received, but with a stricter limit on "
        "submissions (the anti-abuse check cannot run in your browser)."
    ),
    "Enviar y ver las señales de alerta": "Send and see the red flags",
    "Denuncia %(n)s confirmada como sospechosa.": "Report %(n)s confirmed as suspicious.",
    "Denuncia %(n)s descartada.": "Report %(n)s discarded.",
}
# Plural messages: msgid → (singular, plural) in English.
EN_PLURAL = {
    "%(n)s valor se aceptó por parecido (aproximado).": (
        "%(n)s value was accepted as a close match (fuzzy).",
        "%(n)s values were accepted as close matches (fuzzy).",
    ),
    "%(n)s pendiente": ("%(n)s pending", "%(n)s pending"),
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
