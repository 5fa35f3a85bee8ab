"""Victims' age and platforms, session 8 (issue #12 item 2).

Victim is a minor: grown-up victims of labour exploitation named as workers, people or a
nationality; the role word nearest to an age says whose age it is; a claimed identity ("afirman
ser menores") and a word of a capitalised name ("Día contra la Trata de Mujeres y Niñas") name
no minor victim; stated adult ages outweigh "adolescentes"; a baby sold is the victim, and a
victim's baby stays hers when named again. Platforms: the outlet's news-by-WhatsApp lines, a
sentence that speaks to the reader, photo credits and links, an alias inside a fixed phrase
("juegos de azar"); "Pix" as Brazilian outlets spell it; "Marketplace" in a story that names
Facebook.

Texts written by the Ñandutí project for these tests (not quotes of the dev set); each class
has a counterpart that must still be read.
"""

import pytest

from nanduti.monitoring.extract.facts import extract_facts

GROWN_UP = [
    # labour exploitation: workers, people, a nationality, a people
    "Inspectores del Ministerio de Trabajo hallaron a 12 trabajadores en condiciones análogas a "
    "la esclavitud en una estancia del Chaco.",
    "Fiscales rescataron a 9 personas que cosechaban yerba en condiciones infrahumanas; la causa "
    "es por explotación laboral.",
    "A fiscalização resgatou 14 bolivianos mantidos em condições análogas à escravidão numa "
    "oficina de costura.",
    "Los peones contaron que nunca cobraron; la fiscalía investiga reducción a la servidumbre en "
    "el establecimiento.",
    "Veinte indígenas fueron liberados de un obraje donde eran sometidos a trabajo forzoso.",
    # the rescue is nearer to the age than the police
    "A polícia resgatou uma jovem de 23 anos que era explorada sexualmente.",
    # a claimed identity: sextortion of grown-ups
    "Los estafadores envían fotos de mujeres que luego dicen ser menores de edad y exigen dinero "
    "a los hombres que respondieron.",
    # a capitalised name: an awareness day
    "La explotación sexual de mujeres adultas crece, advirtieron en el Día contra la Trata de "
    "Mujeres y Niñas organizado en Asunción.",
    # stated ages of 18 and more, then "las adolescentes"
    "Dos mujeres de 19 años fueron rescatadas de una red de trata; el padre de las adolescentes "
    "había denunciado su desaparición.",
]

MINOR = [
    # a child among the workers is still a child
    "Inspectores hallaron a 12 trabajadores en condiciones análogas a la esclavitud, entre ellos "
    "tres menores de edad.",
    # the age after a rescue by the police is the victim's
    "La Policía rescató a una adolescente de 15 años explotada en un bar.",
    # lower-case minor words after a capitalised word stay the story's
    "En Pedro Juan Caballero niñas de la zona eran ofrecidas por redes sociales.",
    # a baby sold by her mother is a victim
    "Una mujer fue detenida, acusada de vender a su beba recién nacida a una pareja.",
    # an adult age that is the suspect's does not outweigh "adolescente"
    "Un hombre de 31 años, vecino de Luque, fue denunciado por captar a una adolescente a "
    "través de una red social.",
    # a stated minor age with "adolescentes"
    "Dos adolescentes de 16 y 17 años fueron rescatadas de una whiskería.",
]


# a victim's baby stays hers when named again
GROWN_UP.append(
    "La red de trata vendió al bebé de una de ellas. Las mujeres fueron rescatadas en un "
    "prostíbulo y la Justicia asumió la tutela del bebé."
)


@pytest.mark.parametrize(
    ("text", "minor"), [(t, False) for t in GROWN_UP] + [(t, True) for t in MINOR]
)
def test_whether_a_victim_is_a_minor(text, minor):
    assert extract_facts(text).victim_minor is minor


def test_the_suspects_age_is_not_the_victims():
    facts = extract_facts(
        "La fiscalía imputó a un hombre de 45 años que explotaba a mujeres en un local nocturno."
    )
    assert 45 not in facts.victim_ages


NOT_PLATFORMS = [
    "Recibí por WhatsApp las noticias más importantes del día.",
    "Notícias no seu WhatsApp: entre no canal.",
    "Estamos no Instagram (clique aqui).",
    "Denuncie cualquier oferta sospechosa por WhatsApp al 0981 123 456.",
    "Desconfíe de las ofertas de empleo que llegan por Telegram sin datos de la empresa.",
    "La madre denunció el hecho ante la comisaría (WhatsApp/Diario del Sur).",
    "Los operativos siguieron en la zona (Captura: Facebook).",
    "La policía difundió el video pic.twitter.com/AbCdEf123 en la mañana.",
    "La red también ofrecía juegos de azar online a sus clientes.",
]


PLATFORMS = [
    (
        "La víctima fue contactada por WhatsApp con una oferta de trabajo en Buenos Aires.",
        "WhatsApp",
    ),
    ("O aliciador pedia que as vítimas pagassem a passagem via Pix.", "Pix (Brazil)"),
    (
        "El tratante captaba a las jóvenes con ofertas de empleo publicadas en Facebook, según la "
        "fiscalía del caso. En Marketplace había de todo, dijo el fiscal.",
        "Facebook Marketplace",
    ),
    ("Le escribieron por Instagram y la citaron en una plaza de Luque.", "Instagram"),
    # a question quoted in the story is no advice to the reader
    (
        "Ela respondeu pelo WhatsApp perguntas como “Você aceita viajar?” antes de ser levada.",
        "WhatsApp",
    ),
]


@pytest.mark.parametrize(
    ("text", "platforms"), [(t, []) for t in NOT_PLATFORMS] + [(t, [p]) for t, p in PLATFORMS]
)
def test_platforms_tied_to_the_story(text, platforms):
    """Furniture and generic sentences name none; the case's contact platforms are read."""
    found = extract_facts(text).platforms
    assert set(platforms) <= set(found) and (platforms or not found), found
