"""Staff read the words a patient will get: the active text, signed as this clinic."""

from tests.conftest import book, enroll


def test_staff_preview_the_active_text_signed_with_the_clinics_name(client, staff, admin):
    shown = client.post("/v1/templates/preview", json={"step": "ice"}, headers=staff)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["text"].startswith("Lakeside Spine: Hi Maria.")
    assert "(555) 201-3344" in body["text"]
    assert (body["step"], body["version"], body["language"]) == ("ice", 0, "en")

    saved = client.put(
        "/v1/templates/ice/en", json={"body": "Keep icing 20 minutes at a time."}, headers=admin
    )
    assert saved.status_code == 200, saved.text
    again = client.post("/v1/templates/preview", json={"step": "ice"}, headers=staff).json()
    assert "Keep icing 20 minutes at a time." in again["text"]
    assert again["version"] == 1


def test_a_preview_for_a_real_procedure_in_spanish_names_its_patient(client, staff):
    patient = enroll(client, staff, given_name="Ana", language="es", timezone="America/Chicago")
    procedure = book(client, staff, patient["id"], "2027-03-16T07:00:00")
    shown = client.post(
        "/v1/templates/preview",
        json={"step": "fasting", "procedure_id": procedure["id"]},
        headers=staff,
    ).json()
    assert shown["language"] == "es" and shown["version"] == 0
    assert shown["text"].startswith("Lakeside Spine: Hola, Ana.")
    assert "11:00 p.m." in shown["text"]  # 8 hours before 7:00 in Chicago


def test_a_preview_of_an_unknown_step_or_a_broken_draft_names_the_field(client, staff):
    unknown = client.post("/v1/templates/preview", json={"step": "nap"}, headers=staff)
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "step"
    broken = client.post(
        "/v1/templates/preview", json={"step": "ice", "body": "{{ given_name"}, headers=staff
    )
    assert broken.status_code == 422 and broken.json()["errors"][0]["field"] == "body"
    assert client.post("/v1/templates/preview", json={"step": "ice"}).status_code == 401
