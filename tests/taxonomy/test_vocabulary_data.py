"""The vocabulary files are complete and consistent, and messy values find their codes."""

import csv
import shutil

import pytest

from nanduti.taxonomy import loader, vocab


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A writable copy of the data folder that ``vocab`` reads instead of the real one."""
    folder = tmp_path / "data"
    shutil.copytree(vocab.DATA_DIR, folder)
    monkeypatch.setattr(vocab, "DATA_DIR", folder)
    vocab.get.cache_clear()
    vocab.manifest.cache_clear()
    yield folder
    vocab.get.cache_clear()
    vocab.manifest.cache_clear()


def test_shipped_vocabularies_pass_validation():
    report = loader.validate()
    assert report.errors == []


def test_every_declared_vocabulary_has_terms():
    for name in vocab.names():
        assert len(vocab.get(name)) > 0, name


@pytest.mark.parametrize(
    ("vocabulary", "value", "code", "method"),
    [
        ("platform", "wsp", "whatsapp", "alias"),
        ("platform", "Face", "facebook", "alias"),
        ("platform", "feisbuk", "facebook", "alias"),
        ("platform", "tik tok", "tiktok", "alias"),
        ("platform", "only fans", "onlyfans", "alias"),
        ("platform", "IG", "instagram", "alias"),
        ("platform", "Twitter", "x_twitter", "alias"),
        ("platform", "Google Meet", "google_meet", "exact"),
        ("platform", "Whatsaap", "whatsapp", "fuzzy"),
        ("district", "CDE", "alto_parana.ciudad_del_este", "alias"),
        ("district", "Ciudad Pte. Stroessner", "alto_parana.ciudad_del_este", "alias"),
        ("district", "PJC", "amambay.pedro_juan_caballero", "alias"),
        ("district", "Fdo. de la Mora", "central.fernando_de_la_mora", "alias"),
        ("district", "MRA", "central.mariano_roque_alonso", "alias"),
        ("district", "Cnel. Oviedo", "caaguazu.coronel_oviedo", "alias"),
        ("district", "Mcal. Estigarribia", "boqueron.mariscal_jose_felix_estigarribia", "alias"),
        ("district", "ÑEMBY", "central.nemby", "exact"),
        ("department", "ASUNCION", "asuncion", "exact"),
        ("department", "Capital", "asuncion", "alias"),
        ("department", "Itapua", "itapua", "exact"),
        ("department", "Pte. Hayes", "presidente_hayes", "alias"),
        ("department", "Neembucu", "neembucu", "exact"),
        ("department", "Dpto. Central", "central", "alias"),
        ("country", "españoles", "ES", "alias"),
        ("country", "brasilera", "BR", "alias"),
        ("country", "EE.UU.", "US", "alias"),
        ("country", "argentina", "AR", "exact"),
        ("country", "Spain", "ES", "exact"),
        ("exploitation_type", "ESNNA", "esnna", "exact"),
        ("exploitation_type", "pornografía infantil", "csam", "alias"),
        ("recruiter_relation", "novio", "partner", "alias"),
        ("platform", "no preguntado", "not_asked", "special"),
        ("platform", "desconocido", "unknown", "special"),
        ("district", "No preguntado", "not_asked", "special"),
    ],
)
def test_messy_values_find_their_code(vocabulary, value, code, method):
    match = vocab.get(vocabulary).normalize(value)
    assert match is not None, value
    assert (match.code, match.method) == (code, method)


@pytest.mark.parametrize("value", ["xyzzy", "", "   ", "zz"])
def test_nonsense_finds_nothing(value):
    assert vocab.get("platform").normalize(value) is None


def test_fuzzy_match_reports_its_score_below_100():
    match = vocab.get("platform").normalize("Whatsaap")
    assert vocab.FUZZY_THRESHOLD <= match.score < 100


def test_labels_follow_the_contract_names():
    platforms, departments = vocab.get("platform"), vocab.get("department")
    assert platforms.label("whatsapp", "en") == "WhatsApp"
    assert platforms.label("tiktok", "en") == "TikTok"
    assert departments.label("alto_parana", "es") == "Alto Paraná"
    assert vocab.get("country").label("ES", "en") == "Spain"
    assert vocab.get("country").label("ES", "es") == "España"
    assert vocab.get("district").label("san_pedro.san_pedro_del_ycuamandyyu") == (
        "San Pedro del Ycuamandyyú"
    )


def test_same_district_name_in_two_departments_is_told_apart_by_parent():
    districts = vocab.get("district")
    assert districts.normalize("Bella Vista", parent="amambay").code == "amambay.bella_vista"
    assert districts.normalize("Bella Vista", parent="itapua").code == "itapua.bella_vista"
    assert set(districts.candidates("Bella Vista")) == {"amambay.bella_vista", "itapua.bella_vista"}
    # a district named like its department keeps its own code
    assert districts.normalize("Concepción").code == "concepcion.concepcion"
    assert vocab.get("department").normalize("Concepción").code == "concepcion"


def test_geography_is_complete():
    departments, districts = vocab.get("department"), vocab.get("district")
    assert len(departments) == 18
    assert {t.extra["iso_3166_2"] for t in departments} >= {"PY-ASU", "PY-16", "PY-19"}
    assert departments.get("boqueron").extra["iso_3166_2"] == "PY-19"
    for dept in departments:
        assert districts.children(dept.code), dept.code
        assert dept.extra["capital"] in districts.by_code
    assert len(districts) >= 255
    added = [t for t in districts if t.extra.get("added") == "project"]
    assert added and all("dgeec_code" not in t.extra for t in added)


def test_platforms_cover_the_study_and_flag_ambiguous_words():
    platforms, technology = vocab.get("platform"), vocab.get("technology")
    assert len(platforms) >= 60
    for code in ("facebook", "whatsapp", "discord", "onlyfans", "free_fire", "muv", "clasipar"):
        assert code in platforms.by_code
    assert all(t.parent in technology.by_code for t in platforms)
    for code in ("zoom", "bolt", "signal", "kick"):
        assert platforms.get(code).extra.get("monitor_ambiguous") == "1", code
    assert platforms.get("facebook").extra.get("monitor_ambiguous") is None
    assert "face" in platforms.get("facebook").extra["ambiguous_aliases"].split("|")
    assert "x" in platforms.get("x_twitter").extra["ambiguous_aliases"].split("|")


def test_countries_are_iso_3166_with_ctdc_mappings():
    countries = vocab.get("country")
    assert len(countries) >= 249
    assert countries.get("PY").extra == {"alpha3": "PRY", "iso_numeric": "600"}
    ctdc = {t.code: t.extra["ctdc"] for t in vocab.get("exploitation_type")}
    assert ctdc["sexual"] == "isSexualExploit" and ctdc["organ_removal"] == "isOrganRemoval"
    means = vocab.get("means_of_control")
    assert all(t.extra["ctdc"].startswith("meansOfControl") for t in means)


def test_validation_reports_an_alias_naming_two_codes(data_copy):
    path = data_copy / "platform.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["code"] == "tiktok":
            row["aliases"] += "|wsp"  # already WhatsApp's
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = loader.validate()
    assert any("'wsp'" in e and "tiktok" in e and "whatsapp" in e for e in report.errors)


def test_validation_reports_missing_parent_and_duplicate_code(data_copy):
    path = data_copy / "district.csv"
    text = path.read_text(encoding="utf-8")
    text += "central.luque,Luque,Luque,central,,,,\nnowhere.x,X,X,atlantis,,,,\n"
    path.write_text(text, encoding="utf-8")
    errors = "\n".join(loader.validate().errors)
    assert "duplicate code 'central.luque'" in errors
    assert "parent 'atlantis'" in errors


OFFICIAL_DISTRICTS = vocab.DATA_DIR / "reference" / "paraguay_departamentos_distritos.csv"


def official_district_errors() -> list[str]:
    """Districts of the statistics office's list (the copy shipped in the package) that the
    ``district`` vocabulary lacks or puts under another department."""
    departments, districts = vocab.get("department"), vocab.get("district")
    dept_by_dgeec = {t.extra.get("dgeec_code"): t.code for t in departments}
    by_dgeec = {t.extra.get("dgeec_code"): t for t in districts if t.extra.get("dgeec_code")}
    errors = []
    with open(OFFICIAL_DISTRICTS, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code, name = row["codigo_concatenado"], row["distrito"]
            term = by_dgeec.get(code)
            if term is None:
                errors.append(f"district {code} {name} is missing")
            elif term.parent != dept_by_dgeec.get(row["dept_code"]):
                errors.append(f"district {code} {name} is under {term.parent}")
    return errors


def test_every_official_district_has_its_term_under_its_department():
    with open(OFFICIAL_DISTRICTS, encoding="utf-8", newline="") as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == 250
    assert official_district_errors() == []


def test_a_missing_official_district_is_reported(data_copy):
    path = data_copy / "district.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("central.luque,")))
    assert official_district_errors() == ["district 1109 LUQUE is missing"]
