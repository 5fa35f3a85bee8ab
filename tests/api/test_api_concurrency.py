"""Lost updates through the API (issue 15, F6): ETag / If-Match, PATCH of named fields
only, victims added and removed explicitly."""

import json
import threading

import pytest
from django.db import connection

from nanduti.api.tokens import create_token
from nanduti.registry.models import Case, Victim


@pytest.fixture
def headers(officer):
    _, raw = create_token(officer, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def case(institutions):
    case = Case.objects.create(institution=institutions["UFETESI"], reference="UF-1", year=2023)
    Victim.objects.create(case=case, reference="1", sex="female", age=16)
    return case


def patch(client, case_id, data, headers, **extra):
    return client.patch(
        f"/api/cases/{case_id}",
        json.dumps(data),
        content_type="application/json",
        **headers,
        **extra,
    )


def test_get_sends_etag_and_a_write_made_from_an_old_version_is_412(client, headers, case):
    got = client.get(f"/api/cases/{case.pk}", **headers)
    etag = got["ETag"]
    assert etag == f'"{got.json()["version"]}"'
    first = patch(client, case.pk, {"summary": "primera"}, headers, HTTP_IF_MATCH=etag)
    assert first.status_code == 200 and first["ETag"] != etag
    stale = patch(client, case.pk, {"summary": "segunda"}, headers, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert "cambió" in stale.json()["detail"] and "changed" in stale.json()["detail"]
    case.refresh_from_db()
    assert case.summary == "primera"
    fresh = patch(client, case.pk, {"summary": "segunda"}, headers, HTTP_IF_MATCH=first["ETag"])
    assert fresh.status_code == 200


def test_stale_delete_is_412_and_keeps_the_case(client, headers, case):
    etag = client.get(f"/api/cases/{case.pk}", **headers)["ETag"]
    patch(client, case.pk, {"summary": "cambiado"}, headers)
    assert client.delete(f"/api/cases/{case.pk}", HTTP_IF_MATCH=etag, **headers).status_code == 412
    assert Case.objects.filter(pk=case.pk).exists()


def test_victims_left_out_of_a_list_are_kept_and_removed_only_explicitly(client, headers, case):
    first = case.victims.get()
    added = patch(client, case.pk, {"victims": [{"sex": "male", "age": 15}]}, headers)
    assert added.status_code == 200
    assert len(added.json()["victims"]) == 2  # the first victim was not deleted
    removed = patch(client, case.pk, {"remove": {"victims": [first.pk]}}, headers)
    assert [v["sex"] for v in removed.json()["victims"]] == ["male"]
    wrong = patch(client, case.pk, {"remove": {"victims": [first.pk]}}, headers)
    assert wrong.status_code == 422 and "remove.victims" in wrong.json()["detail"]


def test_parallel_victim_additions_are_all_kept(client, headers, case):
    for n in range(5):
        response = patch(client, case.pk, {"victims": [{"sex": "female", "age": 10 + n}]}, headers)
        assert response.status_code == 200
    assert case.victims.count() == 6
    assert sorted(case.victims.values_list("reference", flat=True), key=int) == [
        str(n) for n in range(1, 7)
    ]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_parallel_patches_in_threads_lose_nothing(officer, institutions):
    """Real concurrency: 10 threads PATCH 10 different fields and add a victim each."""
    from django.test import Client

    case = Case.objects.create(institution=institutions["UFETESI"], reference="UF-T")
    _, raw = create_token(officer, "threads")
    fields = {
        "summary": "resumen",
        "route": "ruta",
        "department": "itapua",
        "district": "",
        "modality": "unknown",
        "lure": "not_asked",
        "legal_status": "investigation",
        "transfer_type": "unknown",
        "destination_country": "AR",
        "exploitation_country": "PY",
    }
    barrier = threading.Barrier(len(fields))
    statuses = []

    def worker(name, value):
        client = Client()
        barrier.wait()
        response = patch(
            client,
            case.pk,
            {name: value, "victims": [{"sex": "female"}]},
            {"HTTP_AUTHORIZATION": f"Bearer {raw}"},
        )
        statuses.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=worker, args=item) for item in fields.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * len(fields)
    case.refresh_from_db()
    assert {name: getattr(case, name) for name in fields} == fields
    assert case.victims.count() == len(fields)
    assert case.version == 1 + len(fields)
