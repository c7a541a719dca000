"""The front desk finds a patient by name, phone or MRN; a second record needs a yes."""

from tests.conftest import enroll


def _ids(response):
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()]


def test_front_desk_finds_a_patient_by_the_start_of_each_name_in_any_case(client, staff):
    maria = enroll(client, staff, given_name="Maria", family_name="Lopez")
    enroll(client, staff, given_name="Mark", family_name="Lowe", phone="(212) 555-0199")
    enroll(client, staff, given_name="Ana", family_name="Marquez", phone="(212) 555-0177")

    assert _ids(client.get("/v1/patients", params={"q": "lop"}, headers=staff)) == [maria["id"]]
    assert _ids(client.get("/v1/patients", params={"q": "MAR LOP"}, headers=staff)) == [maria["id"]]
    # "ma" starts Maria, Mark and Marquez: sorted by family name, then given name.
    names = [
        p["family_name"]
        for p in client.get("/v1/patients", params={"q": "ma"}, headers=staff).json()
    ]
    assert names == ["Lopez", "Lowe", "Marquez"]
    # A name is matched from its start, and LIKE wildcards are only characters.
    assert _ids(client.get("/v1/patients", params={"q": "opez"}, headers=staff)) == []
    assert _ids(client.get("/v1/patients", params={"q": "%"}, headers=staff)) == []


def test_front_desk_finds_a_patient_by_phone_in_any_format_or_by_mrn(client, staff):
    maria = enroll(client, staff, mrn="mrn-004512 ")
    assert maria["mrn"] == "MRN-004512"
    enroll(client, staff, given_name="Ana", family_name="Reyes", phone="(212) 555-0177")

    by_phone = client.get("/v1/patients", params={"q": "+1 212-555-0142"}, headers=staff)
    assert _ids(by_phone) == [maria["id"]]
    by_mrn = client.get("/v1/patients", params={"q": "Mrn-004512"}, headers=staff)
    assert _ids(by_mrn) == [maria["id"]]


def test_a_long_list_comes_in_pages_with_a_total_and_a_next_link(client, staff):
    for n in range(5):
        enroll(client, staff, given_name=f"Pat{n}", family_name="Garcia", phone=f"(212) 555-01{n}5")
    first = client.get("/v1/patients", params={"q": "garcia", "limit": 2}, headers=staff)
    assert first.headers["X-Total-Count"] == "5"
    assert first.headers["Link"] == '</v1/patients?q=garcia&limit=2&offset=2>; rel="next"'
    assert [p["given_name"] for p in first.json()] == ["Pat0", "Pat1"]
    last = client.get(
        "/v1/patients", params={"q": "garcia", "limit": 2, "offset": 4}, headers=staff
    )
    assert [p["given_name"] for p in last.json()] == ["Pat4"]
    assert "Link" not in last.headers


def test_a_search_needs_words_and_staff(client, staff):
    missing = client.get("/v1/patients", headers=staff)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "q"
    assert client.get("/v1/patients", params={"q": "lop"}).status_code == 401
    nul = client.get("/v1/patients", params={"q": "lop\x00ez"}, headers=staff)
    assert nul.status_code == 422 and nul.json()["errors"][0]["field"] == "q"


def test_enrolling_the_same_patient_twice_is_refused_naming_the_first_record(client, staff):
    maria = enroll(client, staff)
    again = client.post(
        "/v1/patients",
        json={
            "given_name": "Maria",
            "family_name": "LOPEZ",
            "phone": "212 555 0142",
            "sms_consent": True,
        },
        headers=staff,
    )
    assert again.status_code == 409, again.text
    body = again.json()
    assert body["existing_patient_ids"] == [maria["id"]]
    assert body["errors"][0]["field"] == "phone"
    assert f"patient {maria['id']}" in body["detail"]
    assert _ids(client.get("/v1/patients", params={"q": "lopez"}, headers=staff)) == [maria["id"]]


def test_a_family_member_on_the_same_phone_is_enrolled_once_confirmed(client, staff):
    maria = enroll(client, staff)
    jose = enroll(client, staff, given_name="Jose", allow_duplicate=True)
    assert jose["id"] != maria["id"] and jose["phone"] == maria["phone"]
    # Another family name on the phone is not a likely duplicate at all.
    enroll(client, staff, given_name="Ana", family_name="Reyes")


def test_an_mrn_belongs_to_one_patient_even_when_a_duplicate_is_allowed(client, staff):
    maria = enroll(client, staff, mrn="A-1")
    other = client.post(
        "/v1/patients",
        json={
            "given_name": "Ana",
            "family_name": "Reyes",
            "phone": "(212) 555-0177",
            "sms_consent": True,
            "mrn": "a-1",
            "allow_duplicate": True,
        },
        headers=staff,
    )
    assert other.status_code == 409
    assert other.json()["errors"][0]["field"] == "mrn"
    assert other.json()["existing_patient_ids"] == [maria["id"]]
    bad = client.post(
        "/v1/patients",
        json={
            "given_name": "Ana",
            "family_name": "Reyes",
            "phone": "(212) 555-0177",
            "sms_consent": True,
            "mrn": "A 1\n",
        },
        headers=staff,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "mrn"
