"""Normalisation and encodings: what a linkage user relies on, without Splink."""

from collections import Counter

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from nanduti.linkage import files, model
from nanduti.linkage.encoding import (
    BLOCK_FIELDS,
    ENCODED_FIELDS,
    RARE_FIELD,
    TOKEN_FIELDS,
    Encoder,
    Memo,
    Parameters,
    clear_features,
    fingerprint,
    is_withheld,
    suppress_common,
    withhold_common_bands,
)
from nanduti.linkage.normalise import birth_date, document_digits, identity, split_name
from nanduti.linkage.pipeline import bands_withheld, features_table, rare_withheld
from nanduti.linkage.records import VictimRecord


def dice(a: bytes, b: bytes) -> float:
    x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
    return 2 * (x & y).bit_count() / (x.bit_count() + y.bit_count())


def test_names_fold_accents_case_particles_nicknames_and_compounds():
    assert split_name("MARÍA JOSÉ  Benítez de la Cruz") == (
        ("maria", "jose"),
        ("benitez", "cruz"),
    )
    # A compound given name written as one word, and a nickname, become the same words.
    assert split_name("Mariajose Benítez Ortiz")[0] == ("maria", "jose")
    assert split_name("Majo Benítez Ortiz")[0] == ("maria", "jose")
    assert split_name("Pepe Martínez") == (("jose",), ("martinez",))
    # Three words: the second is a surname unless it is a known given name.
    assert split_name("Ana Benítez Ortiz") == (("ana",), ("benitez", "ortiz"))
    assert split_name("Ñandú Núñez") == (("nandu",), ("nunez",))


def test_document_digits_and_birth_dates():
    assert document_digits("C.I. 1.234.567") == "1234567"
    assert document_digits("0") == ""  # placeholder, not an identifier
    assert document_digits("0000") == ""
    assert birth_date("2005-03-04") == (2005, 3, 4)
    assert birth_date("04/03/2005") == (2005, 3, 4)
    assert birth_date("20050304") == (2005, 3, 4)
    assert birth_date("31/02/2005") is None
    assert birth_date("hace años") is None


def test_identity_without_any_identifier_is_said_so():
    assert not identity("", "", "", "female", "PY", "central").has_identifier
    assert identity("", "1234567").has_identifier
    assert identity(nationality="unknown").nationality == ""


def test_swapped_surnames_and_swapped_day_month_meet():
    a = clear_features(identity("Ana Benítez Ortiz", birth="2005-03-04"))
    b = clear_features(identity("ANA ORTIZ BENITEZ", birth="03/04/2005"))
    assert a["name"] == b["name"]
    assert a["dob"] != b["dob"] and a["dob_swap"] == b["dob_swap"]


def test_encoding_hides_values_and_depends_on_the_key():
    person = identity("María Benítez", "1234567", "2005-03-04", "female", "PY", "central")
    one, other = Encoder(b"clave compartida"), Encoder(b"otra clave")
    encoded = one.encode(person)
    text = repr(encoded)
    for clear in ("maria", "benitez", "1234567", "2005", "female", "central"):
        assert clear not in text
    assert encoded == one.encode(person)  # deterministic for the same key
    assert encoded["doc"] != other.encode(person)["doc"]
    assert fingerprint(b"clave compartida") == one.fingerprint != other.fingerprint
    assert "clave" not in repr(one.header())


def test_balanced_filters_have_constant_weight_and_dice_orders_similarity():
    enc = Encoder(b"k", Parameters(bloom_bits=512))
    names = ["ana", "maria jose", "guadalupe concepcion", "x"]
    weights = {
        int.from_bytes(enc.bloom(clear_features(identity(n))["name"]), "big").bit_count()
        for n in names
    }
    assert weights == {512}  # the ones' count no longer tells a name's length
    same = enc.bloom(clear_features(identity("Gabriela Ortiz"))["name"])
    typo = enc.bloom(clear_features(identity("Gabriella Ortiz"))["name"])
    other = enc.bloom(clear_features(identity("Rosa Ortiz"))["name"])
    assert dice(same, same) == 1.0
    assert dice(same, typo) > dice(same, other)


def test_namesakes_with_another_birth_year_or_department_have_distant_filters():
    # The record-level filter holds the birth year, sex and department with many
    # positions, so a common name alone does not make two encodings alike (nor put them in
    # one LSH band), which is what a frequency attack would count.
    enc = Encoder(b"k")

    def encoded(birth, department):
        return enc.encode(identity("María González", "", birth, "female", "PY", department))

    a = encoded("1990-05-01", "central")
    typo = enc.encode(identity("Maria Gonzales", "", "1990-05-01", "female", "PY", "central"))
    other_year, other_place = encoded("1991-05-01", "central"), encoded("1990-05-01", "itapua")
    assert dice(a["name"], typo["name"]) > dice(a["name"], other_year["name"])
    assert dice(a["name"], typo["name"]) > dice(a["name"], other_place["name"])
    shared = {
        n: len(set(a["bands"]) & set(o["bands"]))
        for n, o in (("typo", typo), ("year", other_year), ("place", other_place))
    }
    assert shared["typo"] >= 1  # a misspelt name still meets its record in some band
    assert shared["year"] <= 1 and shared["place"] <= 1


def test_encoding_equals_the_clear_features_encoded_field_by_field():
    # ``Encoder.encoded`` encodes what recurs once per distinct value; it must still give
    # exactly the HMAC of each clear feature and the filter of each element set.
    enc = Encoder(b"k")
    people = [
        identity("María José Benítez Ortiz", "1.234.567", "2005-03-04", "female", "PY", "central"),
        identity("Ana", birth="2005-03-04"),
        identity("", "7654321"),
        identity("ANA ORTIZ BENITEZ", "", "03/04/2005", "male", "", "itapua"),
        identity("Pepe", "", "", "male"),
        identity("", "", "1999-12-31", "female", "AR", "central"),
        identity("Ana Benítez", "", "", "", "", "alto_parana"),
    ]
    for person in people * 2:  # the second time from the memos
        clear = clear_features(person)
        expected = {f: enc._token(f, clear[f]) for f in TOKEN_FIELDS}
        expected |= {f: enc._token("block", clear[f]) for f in BLOCK_FIELDS}
        expected |= {f: enc.bloom(clear[f]) for f in ("name", "document")}
        assert enc.encode_values(person) == expected
        assert tuple(expected[f] for f in ENCODED_FIELDS) == enc.encoded(person)
    assert enc.encode_values(people[2])["name"] == b""  # no name: no record-level filter
    assert enc.encode_values(people[5])["name"] == b""  # attributes alone make none


def test_memo_remembers_and_stays_bounded():
    calls = []
    memo = Memo(lambda k: calls.append(k) or k * 2, most=3)
    assert [memo[k] for k in (1, 2, 1, 3, 4, 4)] == [2, 4, 2, 6, 8, 8]
    assert calls == [1, 2, 3, 4] and len(memo) <= 3


def test_empty_key_is_refused():
    with pytest.raises(ValueError, match="empty"):
        Encoder(b"")


def test_name_similarity_does_not_count_a_missing_birth_date_or_moved_department_twice():
    # The record-level filter holds the birth year and department too; they have
    # comparisons of their own, so the names' similarity adds back what they took away.
    # Without that, one person's record without a birth date falls to a lower name level
    # than a stranger's with a slightly different name.
    enc = Encoder(b"k")
    full = identity("Ana Benítez Ortiz", "", "2001-07-09", "female", "PY", "central")
    others = {
        "no birth date": identity("Ana Benítez Ortiz", "", "", "female", "PY", "central"),
        "moved": identity("Ana Benítez Ortiz", "", "2001-07-09", "female", "PY", "itapua"),
        "other name": identity("Ana Benítez Ortega", "", "2001-07-09", "female", "PY", "central"),
    }
    rows = [enc.encode(full), *(enc.encode(o) for o in others.values())]
    con = duckdb.connect()
    con.register("f", model.features_table(rows, "encoded"))
    columns = ", ".join(
        f"CAST(l.{c} AS BIT) AS {c}_bits_l, CAST(r.{c} AS BIT) AS {c}_bits_r"
        if c in model.BLOOM_COLUMNS
        else f"l.{c} AS {c}_l, r.{c} AS {c}_r"
        for c in (*model.TOKEN_COLUMNS, *model.BLOOM_COLUMNS)
    )
    raw = model.dice("encoded", "name")
    scores = con.sql(
        f"""SELECT {raw}, {model.name_similarity("encoded")} FROM (
            SELECT {columns}, r.unique_id AS i FROM f l, f r
            WHERE l.unique_id = 0 AND r.unique_id > 0) ORDER BY i"""
    ).fetchall()
    raw_dice = dict(zip(others, (s[0] for s in scores), strict=True))
    similarity = dict(zip(others, (s[1] for s in scores), strict=True))
    # The raw Dice puts one person's record without a birth date below a stranger's name.
    assert raw_dice["no birth date"] < raw_dice["other name"]
    assert similarity["no birth date"] > similarity["other name"]
    assert similarity["moved"] > similarity["other name"]
    assert similarity["no birth date"] >= model.NAME_LEVELS["encoded"][1]


def test_a_file_holds_rare_name_tokens_only_where_few_records_share_them(tmp_path):
    # Five María González (other birth years) and one Zunilda Ocampos written twice: once
    # with her birth date and both surnames, once with neither.
    people = [
        identity("María González", "", f"{1990 + i}-01-02", "female", "PY", "central")
        for i in range(5)
    ]
    people += [
        identity("Zunilda Ocampos Vera", "", "1990-05-03", "female", "PY", "central"),
        identity("ZUNILDA OCAMPOS", "", "", "female", "PY", "central"),
    ]
    encoder = Encoder(b"clave compartida")
    records = [VictimRecord(i, "MINNA", f"M-{i}", "", p) for i, p in enumerate(people)]
    path = tmp_path / "minna.enc"
    files.write(path, "MINNA", records, encoder)
    rare = [f[RARE_FIELD] if f else None for f in files.read(path).features]
    # The common name's token is withheld (more than rare_most records share it), so the
    # file holds no frequent name token to align with a list of common names.
    assert encoder.parameters.rare_most < 5
    assert rare[:5] == [b""] * 5
    # Zunilda's two records share theirs (a birth date and a surname apart, their filters
    # rarely share an LSH band).
    assert rare[5] and rare[5] == rare[6]
    assert "zunilda" not in path.read_text(encoding="utf-8").lower()


def test_suppress_common_keeps_values_shared_by_few_and_empty_values():
    values = ["a", "a", "b", "b", "b", "", None, "c"]
    assert suppress_common(values, most=2) == ["a", "a", None, None, None, "", None, "c"]


def test_rare_withheld_on_the_table_withholds_what_suppress_common_does():
    values = [b"a", b"a", b"b", None, b"b", b"b", None, None, b"c", b"a"]
    table = pa.table({"unique_id": range(len(values)), RARE_FIELD: pa.array(values, pa.binary())})
    for most in (1, 2, 3):
        kept = rare_withheld(table, most).column(RARE_FIELD).to_pylist()
        assert kept == suppress_common(values, most)
    assert rare_withheld(table, 2).column(RARE_FIELD).to_pylist()[:3] == [None, None, None]


def _namesakes() -> list:
    # Six María González of Central without a birth date (their filters are equal, so
    # every band is one bucket of six) and two strangers of rare names.
    people = [identity("María González", "", "", "female", "PY", "central") for _ in range(6)]
    people += [
        identity("Zunilda Ocampos Vera", "", "1990-05-03", "female", "PY", "central"),
        identity("Aurelio Ñamandú", "", "1961-11-30", "male", "PY", "guaira"),
    ]
    return people


def test_a_file_withholds_every_band_value_its_records_share(tmp_path):
    # The LSH bands of namesakes without a birth date were what the frequency attack
    # aligned with a list of common names (docs/benchmarks/linkage.md, session 8): a file
    # writes no band value that more than band_most of its records share.
    encoder = Encoder(b"clave compartida")
    people = _namesakes()
    assert encoder.parameters.band_most < 6
    records = [VictimRecord(i, "MINNA", f"M-{i}", "", p) for i, p in enumerate(people)]
    path = tmp_path / "minna.enc"
    files.write(path, "MINNA", records, encoder)
    read = files.read(path)
    bands = [f["bands"] for f in read.features if f]
    withheld = [sum(is_withheld(k) for k in b) for b in bands]
    assert withheld[:6] == [encoder.parameters.lsh_bands] * 6
    assert withheld[6:] == [0, 0]
    # No value but the withheld marker is shared by more than band_most records.
    shared = Counter(k for b in bands for k in b if not is_withheld(k))
    assert max(shared.values()) <= encoder.parameters.band_most
    # What is withheld reads back as its band's withheld key, the rest as written.
    assert bands[6] == encoder.encode(people[6])["bands"]
    assert {k[:2] for k in bands[0]} == {(0x8000 | b).to_bytes(2, "big") for b in range(24)}
    assert ":-" in path.read_text(encoding="utf-8")


def test_withheld_bands_are_shared_by_their_band_only_and_stay_withheld():
    keys = np.array(
        [[0, 1, 7, 7], [0, 1, 7, 7], [0, 1, 7, 7], [0, 2, 7, 7], [0, 2, 7, 7], [0, 1, 9, 9]],
        dtype=np.uint8,
    )
    once = withhold_common_bands(keys, most=2)
    # Band 1's value 7,7 (three records) is withheld; band 2's (two) and 9,9 are kept.
    assert [is_withheld(bytes(k)) for k in once] == [True] * 3 + [False] * 3
    assert bytes(once[0]) == bytes([0x80, 1, 0, 0]) and (once[3:] == keys[3:]).all()
    assert (withhold_common_bands(once, most=2) == once).all()
    eight = np.zeros((5, 8), dtype=np.uint8)
    eight[:, 1], eight[:, 7] = 3, [1, 1, 1, 2, 2]
    assert [is_withheld(bytes(k)) for k in withhold_common_bands(eight, 2)] == [True] * 3 + [
        False
    ] * 2


def test_the_encoded_table_withholds_the_bands_the_linker_would_not_block_on():
    # Centrally, band values held by more than the model's bucket cap are withheld from
    # the linkage table itself; the model counts the withheld key as a crowded band and
    # never blocks on it. Clear mode keeps its bands.
    people = _namesakes() * 2  # twelve María González: more than BAND_BUCKET_CAP
    assert 6 <= model.BAND_BUCKET_CAP < 12
    encoder = Encoder(b"clave compartida")
    encoded = features_table(people, "encoded", encoder).table.column("bands").to_pylist()
    assert all(is_withheld(k) for b in encoded[:6] for k in b)
    assert not any(is_withheld(k) for b in encoded[6:8] for k in b)
    clear = features_table(people, "clear", None).table.column("bands").to_pylist()
    assert not any(is_withheld(k) for b in clear for k in b)
    bands, crowd = model._crowding(pa.array(encoded, pa.list_(pa.binary())))
    assert crowd.to_pylist()[0] > model.BAND_BUCKET_CAP
    assert bands.to_pylist()[0] == []


def test_bands_withheld_on_the_table_withholds_what_the_file_does():
    encoder = Encoder(b"clave compartida")
    people = _namesakes()
    rows = [encoder.encode(p)["bands"] for p in people]
    table = pa.table({"bands": pa.array(rows, pa.list_(pa.binary()))})
    kept = bands_withheld(table, 3).column("bands").to_pylist()
    flat = np.array([list(k) for b in rows for k in b], dtype=np.uint8)
    expected = withhold_common_bands(flat, 3)
    assert [k for b in kept for k in b] == [bytes(k) for k in expected]
