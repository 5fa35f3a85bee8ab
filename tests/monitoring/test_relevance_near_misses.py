"""Near misses the offence's name alone would make relevant, and cases phrased like them.

Texts of our own (below), labelled by the labelling guide before the rules
were written; five of the near misses were taken for trafficking by the session-start code
(migrant crossings called "red de trata", the trafficking unit ruling a crossing out, a bill,
revenge porn between adults, a denial), and of the later list (written after the first
rules, run once) two near misses and one case were wrong before this session and one case
after the first rules.
"""

import pytest

from nanduti.monitoring.extract.gazetteer import fold_keep_length
from nanduti.monitoring.extract.pipeline import extract_item
from nanduti.monitoring.extract.relevance import lexicon

# Each entry: (title, text), invented, labelled by the guide's definitions.
NEAR_MISSES = {
    "migrant smuggling called trata": (
        "Desarticulan red de trata que llevaba cubanos hacia Argentina",
        "La Policía Nacional desarticuló en Encarnación una red que trasladaba migrantes "
        "cubanos hasta la frontera con Argentina. Cada migrante pagaba 3.000 dólares por el "
        "viaje y el cruce en lancha. Los 14 cubanos, que viajaban por voluntad propia, "
        "quedaron a cargo de Migraciones y tres paraguayos fueron detenidos.",
    ),
    "smuggling of Haitians, trafficking unit rules it out": (
        "Detienen a conductor que transportaba haitianos sin documentos",
        "En un control en la ruta PY02 fueron interceptados nueve ciudadanos haitianos que "
        "intentaban llegar a Brasil. El chofer cobraba 500 dólares por persona. La Fiscalía "
        "de Trata de Personas intervino para descartar cualquier situación de explotación y "
        "los migrantes fueron derivados a la Dirección de Migraciones.",
    ),
    "smuggling pt": (
        "PF prende coiote que levava paraguaios para os Estados Unidos",
        "A Polícia Federal prendeu em Foz do Iguaçu um homem suspeito de promover a "
        "migração ilegal de paraguaios para os Estados Unidos. Segundo a PF, cada migrante "
        "pagava até 15 mil dólares pela travessia pelo México. Os viajantes foram ouvidos e "
        "liberados.",
    ),
    "job scam that only took money": (
        "Estafa con falsas ofertas de trabajo en España",
        "Al menos 20 personas denunciaron a una supuesta agencia de empleo de San Lorenzo que "
        "cobraba 2 millones de guaraníes por gestionar contratos de trabajo en España. Los "
        "contratos nunca llegaron y la oficina cerró. La Fiscalía investiga el hecho como "
        "estafa.",
    ),
    "whatsapp scam": (
        "Alertan sobre estafas por WhatsApp con falsas ofertas de empleo",
        "La Policía advirtió sobre mensajes de WhatsApp que ofrecen trabajos desde casa con "
        "pagos por dar 'me gusta' a videos. Tras ganar la confianza de la víctima, los "
        "estafadores piden depósitos para 'desbloquear' ganancias. Una mujer de Luque perdió "
        "así 8 millones de guaraníes.",
    ),
    "pt pix scam": (
        "Golpe da falsa vaga de emprego faz vítimas em Ponta Porã",
        "Criminosos anunciavam vagas de emprego em redes sociais e cobravam taxas via Pix "
        "para um suposto curso de capacitação. Pelo menos 12 vítimas registraram boletim de "
        "ocorrência. A Polícia Civil investiga o golpe.",
    ),
    "missing teenager found": (
        "Hallan a adolescente de 15 años que había desaparecido en Capiatá",
        "La adolescente reportada como desaparecida desde el sábado fue encontrada en la "
        "casa de una amiga en Itauguá. Según la Policía, se había ido por voluntad propia tras "
        "una discusión con su madre. Se encuentra en buen estado de salud y ya volvió con su "
        "familia.",
    ),
    "missing woman search": (
        "Buscan a joven desaparecida en Ciudad del Este",
        "Familiares de una joven de 22 años piden ayuda para encontrarla. Fue vista por última "
        "vez el martes al salir de su trabajo en el microcentro. La Policía difundió su "
        "fotografía y pide a quien tenga información comunicarse al 911.",
    ),
    "domestic violence": (
        "Detienen a hombre por violencia familiar en Limpio",
        "Un hombre de 34 años fue aprehendido tras golpear a su pareja y amenazarla con un "
        "cuchillo frente a sus hijos menores. La mujer realizó la denuncia en la comisaría "
        "y el fiscal de turno imputó al agresor por violencia familiar y amenaza.",
    ),
    "femicide": (
        "Feminicidio en San Pedro: mujer muerta a manos de su expareja",
        "Una mujer de 29 años fue asesinada por su expareja en la compañía Santa Rosa. El "
        "autor, que tenía una orden de alejamiento, huyó y es buscado por la Policía.",
    ),
    "labour dispute": (
        "Trabajadores de frigorífico denuncian salarios impagos",
        "Unos 200 trabajadores de un frigorífico de Villa Hayes se manifestaron frente a la "
        "planta para reclamar tres meses de salarios atrasados. El Ministerio de Trabajo "
        "convocó a una mesa de diálogo con la empresa y el sindicato.",
    ),
    "labour inspection without exploitation": (
        "Inspección laboral detecta empleados sin seguro social",
        "Inspectores del Ministerio de Trabajo visitaron 15 comercios de Encarnación y "
        "detectaron 40 empleados sin inscripción en el IPS. Las empresas fueron notificadas "
        "y tienen 30 días para regularizar la situación.",
    ),
    "child abuse by relative, no exploitation": (
        "Condenan a 12 años a padrastro por abuso sexual de su hijastra",
        "El Tribunal de Sentencia de Caacupé condenó a un hombre de 45 años por abuso sexual "
        "en niños. La víctima, de 11 años, contó lo ocurrido a su maestra, que hizo la "
        "denuncia. Los hechos ocurrieron en la vivienda familiar.",
    ),
    "drug trafficking": (
        "Incautan 300 kilos de marihuana en Amambay",
        "Agentes de la Senad incautaron 300 kilos de marihuana en una estancia de Pedro Juan "
        "Caballero y detuvieron a dos personas. La droga iba a ser trasladada a Brasil.",
    ),
    "cigarette contraband pt": (
        "Receita apreende carga de cigarros paraguaios na Ponte da Amizade",
        "Auditores da Receita Federal apreenderam 400 caixas de cigarros contrabandeados do "
        "Paraguai em um caminhão na Ponte da Amizade. O motorista foi preso em flagrante por "
        "contrabando.",
    ),
    "wildlife trafficking": (
        "Rescatan loros víctimas del tráfico de fauna silvestre",
        "La Policía Ambiental rescató 30 loros y dos monos que eran ofrecidos por Facebook en "
        "Fernando de la Mora. Los animales, víctimas del tráfico ilegal de especies, fueron "
        "derivados al Ministerio del Ambiente.",
    ),
    "migration and remittances": (
        "Remesas de paraguayos en España crecen 8 %",
        "Los paraguayos que viven en España enviaron más dinero a sus familias este año, "
        "según el Banco Central. La mayoría trabaja en el cuidado de personas mayores y en el "
        "servicio doméstico en Madrid y Barcelona.",
    ),
    "bill on trafficking without a case": (
        "Senado estudia proyecto que endurece penas por trata de personas",
        "La comisión de Legislación del Senado analizó un proyecto de ley que eleva las penas "
        "del delito de trata de personas y crea un fondo para la asistencia a víctimas. El "
        "proyecto será tratado en la próxima sesión ordinaria.",
    ),
    "revenge porn between adults": (
        "Denuncia a su expareja por difundir fotos íntimas",
        "Una mujer de 30 años denunció en la comisaría de Lambaré a su expareja, que publicó "
        "en Facebook fotos íntimas de ella tras la separación. La Fiscalía investiga el caso "
        "como violación de la intimidad.",
    ),
    "trata only in related-news teaser": (
        "Intendente inaugura nuevo mercado municipal en Caaguazú",
        "El intendente de Caaguazú inauguró el nuevo mercado municipal, con 120 puestos para "
        "productores de la zona. La obra costó 4.000 millones de guaraníes.\n"
        "Lea también: Rescatan a dos adolescentes víctimas de trata de personas en Caaguazú\n"
        "Los puestos serán adjudicados por sorteo la semana próxima.",
    ),
    "negated trafficking": (
        "Fiscalía descarta trata en caso de jóvenes halladas en Luque",
        "La Fiscalía descartó que se trate de un caso de trata de personas. Las tres jóvenes, "
        "mayores de edad, habían viajado por su cuenta a Luque para una fiesta y no sufrieron "
        "ningún tipo de explotación, según el fiscal.",
    ),
}

RELEVANT = {
    "smuggling turned exploitation": (
        "Migrantes cubanos eran obligados a trabajar sin paga en un aserradero",
        "Seis migrantes cubanos que habían pagado para llegar a Argentina fueron retenidos en "
        "un aserradero de Alto Paraná, donde los obligaban a trabajar 14 horas diarias sin paga "
        "para saldar una supuesta deuda del viaje. La Fiscalía imputó a dos hombres por trata "
        "de personas con fines de explotación laboral.",
    ),
    "job offer that ended in a brothel": (
        "Rescatan en Buenos Aires a paraguaya captada con oferta de empleo",
        "Una joven de 20 años de Coronel Oviedo, que viajó a Buenos Aires con la promesa de "
        "trabajar en una panadería, fue rescatada de un departamento donde era obligada a "
        "prostituirse. Dos personas fueron detenidas.",
    ),
    "missing teenager found exploited": (
        "Adolescente desaparecida fue hallada en un prostíbulo de Ponta Porã",
        "La adolescente de 16 años, de Concepción, cuya desaparición había sido denunciada "
        "hace un mes, fue encontrada en un local nocturno de Ponta Porã, donde era explotada "
        "sexualmente. La dueña del local fue detenida.",
    ),
    "sextortion": (
        "Detienen a joven que extorsionaba a adolescentes con fotos íntimas",
        "Un hombre de 23 años fue detenido en Fernando de la Mora acusado de contactar a "
        "adolescentes por Instagram, pedirles fotos íntimas y luego exigirles más material "
        "bajo amenaza de difundirlas.",
    ),
    "criadazgo": (
        "Niña de 12 años era criadita en una casa de Asunción",
        "Una niña de 12 años, traída desde Caazapá, realizaba todas las tareas domésticas de "
        "una familia en Asunción sin ir a la escuela ni recibir pago. La Codeni intervino y la "
        "Fiscalía investiga el caso.",
    ),
    "slave labour pt": (
        "Paraguaios são resgatados em condições análogas à escravidão em fazenda",
        "Fiscais do Ministério do Trabalho resgataram 11 trabalhadores paraguaios em uma "
        "fazenda de mandioca em Mato Grosso do Sul. Eles dormiam em barracos de lona, sem "
        "água potável, e tinham dívidas com o empregador.",
    ),
    "csam": (
        "Allanan vivienda de hombre que compartía material de abuso sexual infantil",
        "Agentes de la Policía allanaron una vivienda en Encarnación y detuvieron a un hombre "
        "de 41 años que compartía material de abuso sexual infantil por Telegram. El caso se "
        "inició con un reporte del NCMEC.",
    ),
    "forced begging": (
        "Rescatan a niños indígenas obligados a pedir limosna en semáforos",
        "La Policía rescató a cinco niños indígenas que eran obligados a pedir dinero en los "
        "semáforos de Asunción. Un adulto los llevaba cada mañana y se quedaba con lo "
        "recaudado. La Fiscalía lo imputó.",
    ),
}

# Written after the rules above, run once against them (session 6): whether the rules carry
# over to phrasing they were not written from.
LATER_NEAR_MISSES = {
    "pt smuggling ring called trafficking": (
        "PF desarticula rede de tráfico de pessoas que levava brasileiros aos EUA",
        "A Polícia Federal cumpriu mandados de prisão contra uma quadrilha de coiotes em "
        "Foz do Iguaçu. Cada viajante pagava 20 mil dólares pela travessia até a fronteira "
        "mexicana. Segundo a PF, os migrantes viajavam por vontade própria.",
    ),
    "missing girl, family fears trafficking": (
        "Familia teme que adolescente desaparecida haya caído en una red de trata",
        "La familia de una adolescente de 14 años de Itá pide ayuda para encontrarla. Salió de "
        "su casa el domingo y no volvió. La Policía investiga si existe alguna relación con "
        "personas que conoció por redes sociales.",
    ),
    "visa scam with job abroad": (
        "Imputan a mujer que cobraba por visas de trabajo a Italia que nunca llegaron",
        "Una mujer fue imputada por estafa tras cobrar entre 3 y 5 millones de guaraníes a "
        "unas 15 personas a quienes prometía visas de trabajo en Italia. Ninguna pudo viajar y "
        "el dinero no fue devuelto.",
    ),
}

LATER_RELEVANT = {
    "pt slave labour with debt": (
        "Paraguaios trabalhavam sem salário para pagar dívida em fábrica de cigarros",
        "Sete paraguaios foram resgatados de uma fábrica clandestina de cigarros no interior "
        "de São Paulo. Eles eram obrigados a trabalhar 15 horas por dia e não podiam sair do "
        "galpão. O dono da fábrica foi preso.",
    ),
    "grooming by a coach": (
        "Detienen a entrenador que acosaba a niñas por Instagram",
        "Un entrenador de fútbol de 38 años fue detenido en San Lorenzo. Según la denuncia, "
        "enviaba mensajes de contenido sexual a tres niñas de 12 y 13 años por Instagram y les "
        "pedía que le enviaran imágenes.",
    ),
}

NEAR = NEAR_MISSES | LATER_NEAR_MISSES
CASES = RELEVANT | LATER_RELEVANT


def _extract(title: str, text: str) -> dict:
    return extract_item({"id": "probe", "title": title, "text": text})


@pytest.mark.parametrize("kind", sorted(NEAR))
def test_near_miss_is_not_relevant(kind):
    out = _extract(*NEAR[kind])
    assert not out["is_trafficking"], (kind, out["score"], out["relevance"]["cues"])


@pytest.mark.parametrize("kind", sorted(CASES))
def test_case_is_relevant(kind):
    out = _extract(*CASES[kind])
    assert out["is_trafficking"], (kind, out["score"], out["relevance"]["cues"])


def test_paid_consenting_crossing_takes_back_the_offence_name():
    """The name "trata" stays a cue; the consent cancels it when no act is described."""
    named = lexicon(fold_keep_length("Desarticulan red de trata que llevaba cubanos."))
    crossing = lexicon(
        fold_keep_length(
            "Desarticulan red de trata que llevaba cubanos. Cada migrante pagaba 3.000 dolares "
            "por el cruce y viajaban por voluntad propia."
        )
    )
    assert named.score > 2
    assert crossing.score <= 0


def test_an_exploitation_act_keeps_a_paid_crossing_relevant():
    result = lexicon(
        fold_keep_length(
            "Red de trata: los migrantes pagaban 3.000 dolares por el viaje y al llegar los "
            "obligaban a trabajar sin paga para saldar una supuesta deuda."
        )
    )
    assert result.score > 3
    assert any(h.act for h in result.hits)
