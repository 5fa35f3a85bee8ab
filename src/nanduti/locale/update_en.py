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
    "intento de acceso": "access attempt",
    "intentos de acceso": "access attempts",
    "vencimiento de intento de acceso": "access attempt expiration",
    "vencimientos de intentos de acceso": "access attempt expirations",
    "fallo de acceso": "access failure",
    "fallos de acceso": "access failures",
    "registro de acceso": "access log",
    "registros de acceso": "access logs",
    "dispositivo TOTP": "TOTP device",
    "dispositivos TOTP": "TOTP devices",
    "resultado de tarea": "task result",
    "resultados de tareas": "task results",
    "Bloqueos de inicio de sesión": "Login lock-outs",
    "Segundo factor (TOTP)": "Second factor (TOTP)",
    "Cola de trabajos": "Job queue",
    "Denunciar": "Report",
    "Todas las cifras pasaron control de divulgación "
    "(perturbación por clave de celda, auditada).": (
        "All figures passed disclosure control (cell-key perturbation, audited)."
    ),
    "Perturbación por clave de celda: cada caso y víctima tiene una clave aleatoria fija; cada "
    "cifra, también los totales, se altera en a lo sumo ±5 según la suma de las claves de sus "
    "unidades, así que la misma celda da la misma cifra en toda tabla y restar tablas da ruido, "
    "no conteos. Cifras de 1 a 4 se muestran «&lt;5». El ataque de programación lineal sobre "
    "todas las tablas de la publicación no recupera ninguna cifra protegida; lo que recuperaría "
    "se oculta (—). Campos con varios valores por unidad cuentan una vez por valor y una vez en "
    "el total.": (
        "Cell-key perturbation: every case and victim has a fixed random key; every figure, "
        "totals included, moves by at most ±5 according to the sum of its units' keys, so the "
        "same cell gives the same figure in every table and differencing tables gives noise, not "
        "counts. Figures of 1 to 4 are shown as «&lt;5». The linear-programming attack over all "
        "the publication's tables recovers no protected figure; what it would recover is hidden "
        "(—). Multi-valued fields count once per value and once in the total."
    ),
    "Cifras con control de divulgación: cada cifra puede diferir de la real en hasta ±5; ninguna "
    "cifra pequeña se publica exacta («&lt;5»); «—» marca una cifra oculta.": (
        "Disclosure-controlled figures: each may differ from the true count by up to ±5; no small "
        "count is published exactly («&lt;5»); «—» marks a hidden figure."
    ),
    "cifras protegidas recuperables:": "recoverable protected figures:",
    "Un/a analista redacta un conjunto de tablas; un/a responsable de datos lo aprueba: las "
    "tablas se perturban por clave de celda (como toda tabla a pedido), el ataque de "
    "programación lineal las audita juntas y lo publicado queda congelado.": (
        "An analyst drafts a set of tables; a data steward approves it: the tables are perturbed "
        "by the cell-key method (as every table on request), audited together by the "
        "linear-programming attack, and what is published is frozen."
    ),
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
    "instantánea de estadísticas": "statistics snapshot",
    "instantáneas de estadísticas": "statistics snapshots",
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
    "Plataformas emergentes": "Emerging platforms",
    "Nombres de aplicaciones, sitios y juegos que las noticias pertinentes relacionan con el "
    "contacto o la captación («a través de», «perfil en», «juego en línea»…) y que el "
    "vocabulario de plataformas todavía no tiene. Agregue los que son plataformas: desde ese "
    "momento el monitoreo las reconoce.": "Names of apps, sites and games that relevant news items "
    "tie to contact or recruitment («a través de», «perfil en», «juego en línea»…) and that the "
    "platform vocabulary does not have yet. Add those that are platforms: monitoring recognises "
    "them from then on.",
    "Vocabulario de plataformas, versión %(version)s.": "Platform vocabulary, version %(version)s.",
    "Nombre": "Name",
    "Noticias": "News items",
    "Evidencia": "Evidence",
    "Agregar": "Add",
    "Agregar «%(name)s» al vocabulario": "Add «%(name)s» to the vocabulary",
    "No hay nombres nuevos en las noticias pertinentes.": "No new names in the relevant news "
    "items.",
    "Plataformas agregadas por analistas": "Platforms added by analysts",
    "agregada por %(who)s el %(when)s (versión %(version)s)": "added by %(who)s on %(when)s "
    "(version %(version)s)",
    "Todavía ninguna.": "None yet.",
    "Candidatos del monitoreo de prensa, una historia por tarjeta (aunque la cuenten varios "
    "medios o idiomas). Orden: probabilidad calibrada de que trate de trata o explotación; a "
    "igual probabilidad, primero la noticia con más datos concretos, luego la que publican más "
    "medios, luego la más reciente. Las frases que sustentan cada dato están "
    "<mark>resaltadas</mark>.": "Press-monitoring candidates, one story per card (even when "
    "several outlets or languages tell it). Order: calibrated probability that it is about "
    "trafficking or exploitation; at equal probability, the item with more concrete facts "
    "first, then the one more outlets carry, then the newest. The sentences behind each fact "
    "are <mark>highlighted</mark>.",
    "Probabilidad calibrada de que la noticia trate de trata o explotación": "Calibrated "
    "probability that the item is about trafficking or exploitation",
    "«%(name)s» se agregó al vocabulario de plataformas (versión %(version)s).": "«%(name)s» was "
    "added to the platform vocabulary (version %(version)s).",
}
# Plural messages: msgid → (singular, plural) in English.
EN_PLURAL = {
    "%(n)s dato": ("%(n)s fact", "%(n)s facts"),
    "%(n)s valor se aceptó por parecido (aproximado).": (
        "%(n)s value was accepted as a close match (fuzzy).",
        "%(n)s values were accepted as close matches (fuzzy).",
    ),
    "%(n)s pendiente": ("%(n)s pending", "%(n)s pending"),
}

# Issue 13: one language at a time (statistics, review, linkage, official figures, admin).
EN |= {
    "Cifras oficiales": "Official figures",
    "Cifras oficiales frente al registro": "Official figures beside the registry",
    "Cada serie es una cifra publicada o entregada por una institución, con su unidad y su "
    "fuente. Se muestra junto al conteo del registro de Ñandutí, nunca sumada a él.": (
        "Each series is a figure an institution published or submitted, with its unit and "
        "source. It is shown beside the Ñandutí registry's count, never added to it."
    ),
    "Conteos del registro con control de divulgación (umbral %(threshold)s, supresión "
    "complementaria); «—» = oculto.": (
        "Registry counts under disclosure control (threshold %(threshold)s, complementary "
        "suppression); “—” = hidden."
    ),
    "Plantilla (XLSX)": "Template (XLSX)",
    "Cargar una serie": "Submit a series",
    "Conteos separados": "Separate counts",
    "Unidad:": "Unit:",
    "Institución:": "Institution:",
    "Fuente:": "Source:",
    "Período": "Period",
    "Desagregación": "Breakdown",
    "Cifra oficial": "Official figure",
    "Registro": "Registry",
    "Diferencia": "Difference",
    "Razones probables": "Likely reasons",
    "No hay series cargadas": "No series loaded",
    "Cargar cifras oficiales": "Submit official figures",
    "Cargar una serie de cifras oficiales": "Submit a series of official figures",
    'CSV o XLSX según la <a href="%(template_url)s">plantilla</a>, o SDMX-CSV. El archivo se '
    "guarda tal como llega; una serie con errores no se guarda.": (
        'CSV or XLSX following the <a href="%(template_url)s">template</a>, or SDMX-CSV. The '
        "file is kept as received; a series with errors is not stored."
    ),
    "Cargar": "Submit",
    "Ver la conciliación": "See the reconciliation",
    "Oficial (%(unit)s)": "Official (%(unit)s)",
    "Archivo demasiado grande (máx. 5 MB).": "File too large (max. 5 MB).",
    "Enlace de registros": "Record linkage",
    "Enlace de registros: personas únicas": "Record linkage: unique persons",
    "Cada ejecución estima cuántas personas distintas hay detrás de los registros de víctimas "
    "de todas las instituciones, sin revelar quiénes son. Se ejecuta con «nanduti link run».": (
        "Each run estimates how many distinct persons lie behind the victim records of all "
        "institutions, without revealing who they are. It is started with “nanduti link run”."
    ),
    "Resultado vigente": "Current result",
    "umbral": "threshold",
    "registros": "records",
    "personas": "persons",
    "sin identificador (cada uno, su propia persona)": "without identifier (each their own person)",
    "Todavía no hay un enlace terminado.": "No linkage has finished yet.",
    "Ejecuciones": "Runs",
    "Por": "By",
    "Modo": "Mode",
    "Esquema": "Scheme",
    "Umbral": "Threshold",
    "Estado": "Status",
    "Progreso": "Progress",
    "Registros": "Records",
    "Personas": "Persons",
    "Sin identificador": "Without identifier",
    "Mensaje": "Message",
    "Ninguna ejecución.": "No runs.",
    "Pares inciertos": "Uncertain pairs",
    "Pares con probabilidad entre 0,2 y el umbral: se muestran %(shown)s de %(total)s, solo con "
    "atributos que no identifican y puntajes de similitud. Puede abrir el lado que pertenece a "
    "su institución.": (
        "Pairs with a probability between 0.2 and the threshold: %(shown)s of %(total)s shown, "
        "only with attributes that do not identify and similarity scores. You may open the side "
        "that belongs to your institution."
    ),
    "Probabilidad": "Probability",
    "Similitud del registro": "Record similarity",
    "Registro A": "Record A",
    "Registro B": "Record B",
    "abrir (su institución)": "open (your institution)",
    "Ningún par incierto.": "No uncertain pairs.",
    "Decisiones de revisión": "Review decisions",
    "Volver a la cola de revisión": "Back to the review queue",
    "Noticia": "Story",
    "Decisión": "Decision",
    "Plataformas (fase)": "Platforms (phase)",
    "Lugar": "Place",
    "Analista": "Analyst",
    "Todavía no hay decisiones.": "No decisions yet.",
    "Revisión de noticias": "News review",
    "Candidatos del monitoreo de prensa, una historia por tarjeta, ordenados por puntaje. Las "
    "frases que sustentan cada dato están <mark>resaltadas</mark>.": (
        "Press-monitoring candidates, one story per card, highest score first. The sentences "
        "that support each fact are <mark>highlighted</mark>."
    ),
    "Decisiones tomadas": "Decisions taken",
    "Puntaje de relevancia": "Relevance score",
    "sin medio": "no outlet",
    "fuente": "source",
    "Datos": "Facts",
    "No se extrajeron datos.": "No facts extracted.",
    "Texto con la evidencia": "Text with the evidence",
    "Misma historia en otros medios": "Same story in other outlets",
    "Confirmar y crear caso de prensa": "Confirm and create a press case",
    "Vincular a caso existente": "Link to an existing case",
    "Vincular": "Link",
    "Unir con": "Merge with",
    "Unir": "Merge",
    "Motivo": "Reason",
    "Motivo (opcional)": "Reason (optional)",
    "Rechazar": "Reject",
    "No hay candidatos pendientes.": "No pending candidates.",
    "Ejecute <code>nanduti monitor fetch</code> y <code>nanduti monitor run</code>.": (
        "Run <code>nanduti monitor fetch</code> and <code>nanduti monitor run</code>."
    ),
    "Departamentos": "Departments",
    "Ciudades": "Cities",
    "Países de destino": "Destination countries",
    "Víctima menor de edad": "Victim under 18",
    "Fecha del hecho": "Date of the events",
    "no consta en el texto": "not given in the text",
    "mujer": "female",
    "varón": "male",
    "mujeres y varones": "females and males",
    "Solo analistas, responsables de datos y administradores.": (
        "Analysts, data stewards and administrators only."
    ),
    "sí": "yes",
    "no": "no",
    "Caso no encontrado.": "Case not found.",
    "Noticia vinculada al caso %(ref)s.": "Story linked to case %(ref)s.",
    "Noticia confirmada: se creó el caso %(ref)s.": "Story confirmed: case %(ref)s was created.",
    "Noticia rechazada; queda como ejemplo negativo.": (
        "Story rejected; kept as a negative example."
    ),
    "Elija la noticia con la que unir.": "Choose the story to merge with.",
    "Noticia unida a «%(title)s».": "Story merged with “%(title)s”.",
    "Notas de método": "Method notes",
    "Ñandutí — Informe estadístico": "Ñandutí — Statistical report",
    "Generado el": "Generated on",
    "casos": "cases",
    "último cambio": "last change",
    "Todas las cifras pasaron control de divulgación (umbral %(threshold)s, supresión "
    "complementaria).": (
        "All figures passed disclosure control (threshold %(threshold)s, complementary "
        "suppression)."
    ),
    "Sin datos.": "No data.",
    "Método": "Method",
    "Supresión de celdas pequeñas con supresión complementaria por el método del hipercubo: "
    "cada celda menor que el umbral es esquina de un hipercubo de celdas ocultas no nulas, de "
    "modo que ningún valor oculto se puede deducir de los totales. Campos con varios valores "
    "por unidad cuentan una vez por valor y una vez en el total.": (
        "Small-cell suppression with hypercube complementary suppression: every cell below the "
        "threshold is a corner of a hypercube of hidden non-zero cells, so that no hidden value "
        "can be derived from the totals. Multi-valued fields count once per value and once in "
        "the total."
    ),
    "Mapa: mapa esquemático de cuadros (un cuadro por departamento), dibujado por el proyecto "
    "(CC0).": "Map: schematic tile map (one square per department), drawn by the project (CC0).",
    "Estadísticas desagregadas": "Disaggregated statistics",
    "Tabla cruzada": "Cross-tabulation",
    "Filas": "Rows",
    "Columnas": "Columns",
    "Contar": "Count",
    "Filtro (campo=valor)": "Filter (field=value)",
    "año=2023": "year=2023",
    "Otro filtro": "Another filter",
    "plataforma=whatsapp": "platform=whatsapp",
    "Ámbito": "Scope",
    "Todas las instituciones": "All institutions",
    "Mi institución": "My institution",
    "Privacidad": "Privacy",
    "exacto": "exact",
    "perturbación (clave de celda)": "cell-key perturbation",
    "supresión": "suppression",
    "privacidad diferencial": "differential privacy",
    "Ver": "Show",
    "Presupuesto de privacidad": "Privacy budget",
    "Privacidad diferencial: confirme el gasto": "Differential privacy: confirm the cost",
    "Presupuesto de <strong>%(pool)s</strong>:": "Budget of <strong>%(pool)s</strong>:",
    "ε disponible": "ε remaining",
    "de": "of",
    "gastado": "spent",
    "Esta consulta cuesta": "This query costs",
    "repetida: gratis": "repeated: free",
    "sensibilidad": "sensitivity",
    "Confirmar y gastar": "Confirm and spend",
    "Presupuesto insuficiente.": "Not enough budget left.",
    "Registro de publicaciones con privacidad diferencial": (
        "Ledger of differentially private releases"
    ),
    "Descargar lo que se muestra:": "Download what is shown:",
    "Ningún registro cumple los filtros: el resultado está vacío.": (
        "No record matches the filters: the result is empty."
    ),
    "Tabla": "Table",
    "Gráfico": "Chart",
    "Mapa": "Map",
    "Registro de privacidad": "Privacy ledger",
    "disponible": "remaining",
    "Cada institución tiene su propio presupuesto, fijado por la administración.": (
        "Each institution has its own budget, set by an administrator."
    ),
    "Presupuesto": "Budget",
    "Consulta": "Query",
    "Unidad": "Unit",
    "Sensibilidad": "Sensitivity",
    "Celdas": "Cells",
    "Ninguna publicación todavía.": "No release yet.",
    "Estadísticas públicas": "Public statistics",
    "Cifras con control de divulgación: ninguna cifra pequeña se publica exacta; «—» marca una "
    "celda suprimida.": (
        "Disclosure-controlled figures: no small count is published exactly; “—” marks a "
        "suppressed cell."
    ),
    "Informe imprimible": "Printable report",
    "Publicación:": "Publication:",
    "aprobada el": "approved on",
    "protegida en conjunto y auditada": "protected together and audited",
    "cifras ocultas recuperables:": "recoverable hidden figures:",
    "Sin datos publicados.": "No published data.",
    "Todavía no hay publicaciones aprobadas.": "No approved publication yet.",
    "Publicaciones": "Publications",
    "Un/a analista redacta un conjunto de tablas; un/a responsable de datos lo aprueba: las "
    "tablas se protegen juntas (supresión secundaria óptima), el ataque de programación lineal "
    "las audita y lo publicado queda congelado.": (
        "An analyst drafts a set of tables; a data steward approves it: the tables are "
        "protected together (optimal secondary suppression), audited by the linear-programming "
        "attack, and what is published is frozen."
    ),
    "Título": "Title",
    "Tablas": "Tables",
    "Parte ocultada": "Hidden share",
    "aprobada": "approved",
    "borrador": "draft",
    "Aprobar": "Approve",
    "Ninguna todavía.": "None yet.",
    "Nuevo borrador": "New draft",
    "Tablas, una por línea": "Tables, one per line",
    "unidad: campo,campo | filtro=valor # título": "unit: field,field | filter=value # title",
    "casos: año": "cases: year",
    "víctimas: sexo,franja_edad # Víctimas por sexo y edad": (
        "victims: sex,age_band # Victims by sex and age"
    ),
    "Guardar borrador": "Save draft",
    "Informe estadístico": "Statistical report",
    "Imprimir": "Print",
    "Ñandutí · Administración": "Ñandutí · Administration",
    "Datos de referencia, usuarios y registros": "Reference data, users and records",
    "año imposible: %(year)s (entre %(first)s y %(last)s)": (
        "impossible year: %(year)s (between %(first)s and %(last)s)"
    ),
    "«%(value)s» no es un código válido": "“%(value)s” is not a valid code",
    "ya existe un caso «%(ref)s» en su institución": (
        "a case “%(ref)s” already exists in your institution"
    ),
    "el distrito no pertenece al departamento elegido": (
        "the district is not in the chosen department"
    ),
    "no coincide con la fecha (%(year)s)": "does not match the date (%(year)s)",
    "la edad %(age)s no está en el tramo elegido": "age %(age)s is not in the chosen band",
    "Usuarios": "Users",
    "Administración": "Administration",
    "DATOS SINTÉTICOS DE DEMOSTRACIÓN": "SYNTHETIC DEMO DATA",
    "Segundo factor": "Second factor",
    "Acceso bloqueado temporalmente": "Access temporarily blocked",
    "El segundo factor está activo: al entrar se pide el código de su aplicación.": (
        "The second factor is active: logging in asks for the code of your app."
    ),
    "Código actual, para desactivarlo": "Current code, to turn it off",
    "Desactivar": "Turn off",
    "Escanee este código con una aplicación de autenticación (por ejemplo FreeOTP o Aegis) y "
    "escriba el código de seis cifras que muestra.": (
        "Scan this code with an authenticator app (for example FreeOTP or Aegis) and type the "
        "six-digit code it shows."
    ),
    "Código QR": "QR code",
    "O escriba esta clave en la aplicación:": "Or type this key into the app:",
    "Código": "Code",
    "Activar": "Turn on",
    "Código de verificación": "Verification code",
    "Escriba el código de seis cifras que muestra su aplicación de autenticación.": (
        "Type the six-digit code your authenticator app shows."
    ),
    "Verificar": "Verify",
    "Otra persona guardó este caso mientras usted lo editaba": (
        "Someone else saved this case while you were editing it"
    ),
    "Sus cambios no se guardaron. Abajo están su versión y la guardada (versión %(version)s). "
    "El formulario conserva lo que usted escribió: revíselo y guárdelo para reemplazar la "
    "versión guardada, o cancele para quedarse con ella.": (
        "Your changes were not saved. Below are your version and the stored one (version "
        "%(version)s). The form keeps what you wrote: check it and save it to replace the "
        "stored version, or cancel to keep that one."
    ),
    "Campo": "Field",
    "Su versión": "Your version",
    "Versión guardada": "Stored version",
    "Los datos no difieren; guarde de nuevo para confirmar.": (
        "The data do not differ; save again to confirm."
    ),
    "Casos de prensa que confirmó": "Press cases you confirmed",
    "Plantilla y columnas aceptadas": "Template and accepted columns",
    "Descargue la plantilla: encabezados en español, una fila de ejemplo, listas desplegables "
    "con los valores aceptados y una hoja que explica cada columna. Su propia planilla también "
    "sirve: se reconocen los encabezados de abajo y sus variantes (mayúsculas, tildes, «Nº», "
    "«de»...). Las columnas desconocidas se nombran en el resultado y quedan en el archivo "
    "original.": (
        "Download the template: Spanish headers, an example row, drop-down lists with the "
        "accepted values and a sheet explaining each column. Your own spreadsheet works too: "
        "the headers below and their variants (capitals, accents, “Nº”, “de”...) are "
        "recognised. Unknown columns are named in the result and stay in the original file."
    ),
    "Plantilla XLSX": "XLSX template",
    "Plantilla CSV": "CSV template",
    "Formulario KoboToolbox / ODK (XLSForm)": "KoboToolbox / ODK form (XLSForm)",
    "Columnas aceptadas": "Accepted columns",
    "Qué contiene": "What it holds",
    "Valores": "Values",
    "Ejemplo": "Example",
    "También se acepta": "Also accepted",
    "varios, separados por": "several, separated by",
    "Segundo factor desactivado.": "Second factor turned off.",
    "Segundo factor activado.": "Second factor turned on.",
    "La importación falló por un error interno; lo guardado antes de él queda guardado y el "
    "error quedó registrado.": (
        "The import failed on an internal error; what was stored before it stays stored and "
        "the error was logged."
    ),
    "Automático": "Automatic",
    "Elija un archivo.": "Choose a file.",
    "Formato desconocido «%(format)s».": "Unknown format “%(format)s”.",
    "El archivo debe ser CSV o XLSX (%(suffixes)s).": (
        "The file must be CSV or XLSX (%(suffixes)s)."
    ),
    "El archivo es demasiado grande (máx. 200 MB).": "The file is too large (max. 200 MB).",
}
EN_PLURAL |= {
    "candidato pendiente": ("pending candidate", "pending candidates"),
    "%(n)s artículo de la misma historia": (
        "%(n)s article of the same story",
        "%(n)s articles of the same story",
    ),
}

# Issue 13: the admin's names of models, fields and apps.
EN |= {
    "API": "API",
    "token de la API": "API token",
    "tokens de la API": "API tokens",
    "entrega": "submission",
    "entregas": "submissions",
    "serie oficial": "official series",
    "series oficiales": "official series",
    "observación": "observation",
    "observaciones": "observations",
    "ejecución de enlace": "linkage run",
    "ejecuciones de enlace": "linkage runs",
    "clave de persona": "person key",
    "claves de persona": "person keys",
    "par incierto": "uncertain pair",
    "pares inciertos": "uncertain pairs",
    "Monitoreo de prensa": "Press monitoring",
    "nombre": "name",
    "tipo": "kind",
    "medio": "outlet",
    "idioma": "language",
    "activa": "active",
    "verificada": "verified",
    "última descarga": "last fetched",
    "último error": "last error",
    "fuente de prensa": "press source",
    "fuentes de prensa": "press sources",
    "estado": "status",
    "descargada": "fetched",
    "tamaño": "size",
    "respuesta descargada": "fetched response",
    "respuestas descargadas": "fetched responses",
    "título": "title",
    "texto": "text",
    "publicada": "published",
    "noticia": "story",
    "noticias": "stories",
    "puntaje": "score",
    "es trata": "is trafficking",
    "historia": "story group",
    "versión del proceso": "pipeline version",
    "extracción": "extraction",
    "extracciones": "extractions",
    "analista": "analyst",
    "decisión": "decision",
    "caso": "case",
    "etiqueta": "label",
    "nota": "note",
    "fecha": "date",
    "decisión de revisión": "review decision",
    "decisiones de revisión": "review decisions",
    "Operación": "Operations",
    "rol": "role",
    "Registro de casos": "Case registry",
    "código": "code",
    "institución": "institution",
    "instituciones": "institutions",
    "usuario/a": "user",
    "membresía": "membership",
    "membresías": "memberships",
    "referencia": "reference",
    "año": "year",
    "ruta": "route",
    "resumen": "summary",
    "creado por": "created by",
    "creado": "created",
    "modificado": "changed",
    "víctima": "victim",
    "víctimas": "victims",
    "perpetrador/a": "perpetrator",
    "perpetradores/as": "perpetrators",
    "uso de tecnología": "technology use",
    "usos de tecnología": "technology uses",
    "explotación": "exploitation",
    "explotaciones": "exploitations",
    "derivación": "referral",
    "derivaciones": "referrals",
    "asistencia": "assistance",
    "asistencias": "assistance records",
    "quién": "who",
    "acción": "action",
    "modelo": "model",
    "objeto": "object",
    "cambios": "changes",
    "evento de auditoría": "audit event",
    "eventos de auditoría": "audit events",
    "archivo": "file",
    "formato": "format",
    "importado por": "imported by",
    "informe": "report",
    "importación": "import",
    "importaciones": "imports",
    "fila": "row",
    "errores": "errors",
    "resuelta": "resolved",
    "fila rechazada": "rejected row",
    "filas rechazadas": "rejected rows",
    "ε": "ε",
    "celdas": "cells",
    "publicación con privacidad diferencial": "differentially private release",
    "publicaciones con privacidad diferencial": "differentially private releases",
    "presupuesto de privacidad": "privacy budget",
    "presupuestos de privacidad": "privacy budgets",
    "celda del resumen": "summary cell",
    "celdas del resumen": "summary cells",
    "estado del resumen": "summary state",
    "estados del resumen": "summary states",
    "publicación": "publication",
    "publicaciones": "publications",
    "Vocabularios": "Vocabularies",
    "término": "term",
    "términos": "terms",
    "versión de vocabulario": "vocabulary version",
    "versiones de vocabulario": "vocabulary versions",
    "Web": "Web",
    "Aprobada: %(title)s — celdas ocultas %(hidden)s, recuperables 0": (
        "Approved: %(title)s — hidden cells %(hidden)s, recoverable 0"
    ),
    "Borrador guardado: %(title)s": "Draft saved: %(title)s",
    "No permitido.": "Not allowed.",
    "operador/a": "operator",
    "nuevas": "new",
    "nuevas versiones": "new versions",
    "Horas en %(TIME_ZONE)s": "Times in %(TIME_ZONE)s",
    "Informe (PDF)": "Report (PDF)",
    "Personas únicas": "Unique persons",
    "en el registro, %(records)s registros de víctimas de estas instituciones son "
    "<strong>%(persons)s personas únicas</strong>": (
        "in the registry, %(records)s victim records of these institutions are "
        "<strong>%(persons)s unique persons</strong>"
    ),
}


# Issue 11: privacy budgets per publication.
EN |= {
    "presupuesto ε": "ε budget",
    "Las tablas de una publicación gastan el presupuesto de la publicación.": (
        "A publication's tables spend the publication's budget."
    ),
    "Presupuestos de las publicaciones": "Publications' budgets",
    "Publicación": "Publication",
    "Gastado": "Spent",
    "Disponible": "Left",
    "Tablas publicadas con privacidad diferencial": "Tables released with differential privacy",
    "de la publicación": "the publication's",
    "Una tabla con <code>ε=0,5</code> se publica con privacidad diferencial: gasta el "
    "presupuesto propio de la publicación, que fija la administración.": (
        "A table with <code>ε=0.5</code> is published with differential privacy: it spends "
        "the publication's own budget, set by an administrator."
    ),
    "Privacidad diferencial: «%(title)s»": "Differential privacy: “%(title)s”",
    "Esta publicación no tiene presupuesto de privacidad todavía: la administración debe "
    "fijarlo antes de que se publique ninguna tabla con privacidad diferencial. No se gastó "
    "nada.": (
        "This publication has no privacy budget yet: an administrator must set it before any "
        "differentially private table is released. Nothing was spent."
    ),
    "Presupuesto de la publicación": "The publication's budget",
    "Costo": "Cost",
    "ya publicada": "already released",
    "consulta repetida: gratis": "repeated query: free",
    "Costo total": "Total cost",
    "quedaría": "would leave",
    "Confirmar y gastar ε=%(cost)s": "Confirm and spend ε=%(cost)s",
    "Las tablas piden más de lo que queda del presupuesto de la publicación: no se puede "
    "publicar.": (
        "The tables ask for more than what is left of the publication's budget: they cannot "
        "be released."
    ),
    "Privacidad diferencial": "Differential privacy",
    "presupuesto sin fijar": "budget not set",
    "presupuesto": "budget",
    "por publicar": "to release",
    "Presupuesto ε": "ε budget",
    "Fijar": "Set",
    "Ver costo y publicar tablas DP": "See the cost and release the DP tables",
    "unidad: campo,campo | filtro=valor ε=0,5 # título": (
        "unit: field,field | filter=value ε=0.5 # title"
    ),
    "víctimas: sexo | ε=0,5 # con privacidad diferencial": (
        "victims: sex | ε=0.5 # with differential privacy"
    ),
    "Presupuesto de %(title)s: ε=%(eps)s": "Budget of %(title)s: ε=%(eps)s",
    "Tablas con privacidad diferencial publicadas para %(title)s; quedan ε=%(left)s": (
        "Differentially private tables released for %(title)s; ε=%(left)s left"
    ),
    # The import's messages (registry/importer.py, registry/io, registry/institutions.py)
    "fila %(row)s, columna «%(column)s»: %(text)s": "row %(row)s, column «%(column)s»: %(text)s",
    "valor demasiado largo (%(length)s caracteres; máximo %(limit)s)": (
        "value too long (%(length)s characters; at most %(limit)s)"
    ),
    "«%(text)s» no es una edad en años": "«%(text)s» is not an age in whole years",
    "edad imposible: %(age)s (debe estar entre 0 y %(max)s)": (
        "impossible age: %(age)s (must be between 0 and %(max)s)"
    ),
    "año imposible: «%(text)s» (entre %(min)s y %(max)s)": (
        "impossible year: «%(text)s» (between %(min)s and %(max)s)"
    ),
    "«%(text)s» no es una fecha (use AAAA-MM-DD o DD/MM/AAAA)": (
        "«%(text)s» is not a date (use YYYY-MM-DD or DD/MM/YYYY)"
    ),
    "fecha imposible: «%(text)s» (ese día no existe)": "impossible date: «%(text)s» (no such day)",
    "fecha anterior a %(min)s: «%(text)s»": "date before %(min)s: «%(text)s»",
    "fecha futura: «%(text)s»": "date in the future: «%(text)s»",
    "institución desconocida «%(text)s»": "unknown institution «%(text)s»",
    "franja de edad": "age band",
    "franja CTDC": "CTDC age band",
    "valor «%(value)s» no reconocido para %(what)s": "value «%(value)s» not recognised as %(what)s",
    "plataforma o tecnología «%(value)s» no reconocida": (
        "platform or technology «%(value)s» not recognised"
    ),
    "el distrito «%(value)s» no pertenece al departamento «%(name)s»": (
        "district «%(value)s» is not in department «%(name)s»"
    ),
    "distrito «%(value)s» ambiguo: indique el departamento": (
        "ambiguous district «%(value)s»: give the department"
    ),
    "distrito «%(value)s» no reconocido": "district «%(value)s» not recognised",
    "fuente «%(value)s» no reconocida": "source «%(value)s» not recognised",
    "registro CTDC ilegible: se espera un objeto JSON de textos": (
        "unreadable CTDC record: a JSON object of texts is expected"
    ),
    "Las columnas «%(first)s» y «%(other)s» significan lo mismo; se usa la primera": (
        "columns «%(first)s» and «%(other)s» mean the same; the first is used"
    ),
    "la fila tiene %(cells)s columnas y el encabezado %(width)s "
    "(¿delimitador distinto o comillas sin cerrar?)": (
        "the row has %(cells)s columns and the header %(width)s "
        "(a different delimiter or unclosed quotes?)"
    ),
    "la fila usa otro delimitador que el encabezado": (
        "the row uses a different delimiter from the header"
    ),
    "caracteres ilegibles: el archivo mezcla codificaciones de texto": (
        "unreadable characters: the file mixes text encodings"
    ),
    "la edad %(age)s contradice la %(band)s «%(label)s»": (
        "age %(age)s contradicts %(band)s «%(label)s»"
    ),
    "falta la institución (columna «institucion» o opción --institution)": (
        "institution missing (an «institution» column or --institution)"
    ),
    "la fila es de otra institución (%(other)s): solo puede importar casos de la suya "
    "(%(own)s); la fila no se guardó": (
        "the row belongs to another institution (%(other)s): you may only import your own "
        "institution's cases (%(own)s); the row was not stored"
    ),
    "la víctima «%(victim)s» del caso «%(case)s» ya está en la fila %(row)s": (
        "victim «%(victim)s» of case «%(case)s» is already in row %(row)s"
    ),
    "fila duplicada: idéntica a la fila %(row)s": "duplicate row: identical to row %(row)s",
    "otra fila del caso «%(case)s» fue rechazada (fila %(row)s); se rechaza el caso entero "
    "para que al corregirlo no se pierdan filas": (
        "another row of case «%(case)s» was rejected (row %(row)s); the whole case is rejected "
        "so that no row is lost when it is fixed"
    ),
    "El archivo está vacío": "the file is empty",
    "La hoja está vacía": "the sheet is empty",
    "El archivo tiene más de %(rows)s filas: divídalo": (
        "the file has more than %(rows)s rows: split it"
    ),
    "No existe el archivo «%(path)s»": "no such file «%(path)s»",
    "El formato XLS antiguo no se lee; guarde el archivo como XLSX o CSV": (
        "the old XLS format is not read; save the file as XLSX or CSV"
    ),
    "No se reconoce la codificación del texto: ¿es un archivo binario?": (
        "the text encoding is not recognised: is it a binary file?"
    ),
    "El archivo no es texto legible (¿binario o dañado?)": (
        "the file is not readable text (binary or damaged?)"
    ),
    "La celda %(cell)s de la fila %(row)s tiene %(length)s caracteres (máximo %(limit)s, el de "
    "Excel): no se importó el archivo desde esa fila": (
        "cell %(cell)s of row %(row)s has %(length)s characters (at most %(limit)s, Excel's "
        "limit): the file was not imported from that row on"
    ),
    "La fila %(row)s tiene bytes nulos: guarde el archivo de nuevo como texto CSV": (
        "row %(row)s holds NUL bytes: save the file again as CSV text"
    ),
    "La fila %(row)s tiene una celda de más de %(limit)s caracteres: no se importó el archivo "
    "desde esa fila": (
        "row %(row)s has a cell longer than %(limit)s characters: the file was not imported "
        "from that row on"
    ),
    "El archivo está dañado o no es válido cerca de la fila %(row)s (%(error)s): no se importó "
    "desde esa fila": (
        "the file is damaged or invalid near row %(row)s (%(error)s): it was not imported from "
        "that row on"
    ),
    "XLSX rechazado: %(why)s": "XLSX refused: %(why)s",
    "la parte «%(part)s» declara un DTD o entidades (posible ataque XXE o «billion laughs»)": (
        "part «%(part)s» declares a DTD or entities (a possible XXE or billion-laughs attack)"
    ),
    "la parte «%(part)s» no es XML válido (%(error)s)": (
        "part «%(part)s» is not valid XML (%(error)s)"
    ),
    "no es un ZIP válido (%(error)s)": "not a valid ZIP archive (%(error)s)",
    "la parte «%(part)s» se expande a %(size)s (máximo %(limit)s); guárdelo como CSV": (
        "part «%(part)s» expands to %(size)s (at most %(limit)s); save it as CSV"
    ),
    "se expande a %(size)s (máximo %(limit)s); guárdelo como CSV": (
        "it expands to %(size)s (at most %(limit)s); save it as CSV"
    ),
    "archivo dañado o XML no válido (%(error)s)": "a damaged file or invalid XML (%(error)s)",
    "El libro tiene %(count)s hojas; se lee solo la primera («%(title)s»)": (
        "the workbook has %(count)s sheets; only the first («%(title)s») is read"
    ),
    "El archivo cambió durante la importación": "the file changed during the import",
    "la base de datos no guardó el bloque de filas de este caso (%(why)s); nada de él quedó a "
    "medias: vuelva a importar estas filas": (
        "the database did not store the chunk with this case (%(why)s); nothing of it was "
        "half-written: import these rows again"
    ),
    "Columnas desconocidas, no importadas (quedan en el archivo original): %(names)s": (
        "unknown columns, not imported (kept in the raw file): %(names)s"
    ),
    "Ninguna columna del encabezado es conocida: ¿es un archivo de casos?": (
        "no header column is known: is this a case file?"
    ),
    "El archivo no tiene columna de institución: indique a qué institución pertenecen sus casos "
    "con --institution CÓDIGO; no se importó nada": (
        "the file has no institution column: say which institution its cases belong to with "
        "--institution CODE; nothing was imported"
    ),
    "No hay columna de referencia del caso: cada fila es un caso y su referencia se deriva del "
    "contenido": (
        "no case reference column: each row is a case, its reference derived from its content"
    ),
    "formato desconocido «%(format)s»": "unknown format «%(format)s»",
    "No se pudo leer el archivo: %(error)s": "could not read the file: %(error)s",
    "La importación se interrumpió: %(error)s. Se guardaron %(stored)s casos antes; vuelva a "
    "importar el archivo (los casos guardados se reconocen)": (
        "the import stopped: %(error)s. %(stored)s cases were stored before; import the file "
        "again (stored cases are recognised)"
    ),
    "El archivo solo tiene el encabezado: no hay filas": "the file has only the header: no rows",
    "solo puede importar casos de su institución, no de «%(code)s»": (
        "you may only import your own institution's cases, not «%(code)s»"
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
