"""Recovery check-in answers as FHIR Observations: pain with LOINC 72514-3 ("Pain severity -
0-10 verbal numeric rating [Score] - Reported"), walking with a local code of this
service (no LOINC code asks our own walking question); a question a clinic added, with its
key as a local code of this service. Only answered check-ins."""

from datetime import UTC
from typing import Any

from fhir.resources.R4B.observation import Observation
from sqlmodel import Session, col, select

from service.checkins.models import CheckInAnswer
from service.checkins.questions import Kind, find_question

LOCAL_CODES = "https://github.com/mild-reminders/codes/check-in"
CODES: dict[str, dict[str, str]] = {
    "pain": {
        "system": "http://loinc.org",
        "code": "72514-3",
        "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    },
    "walking": {
        "system": LOCAL_CODES,
        "code": "walking-minutes",
        "display": "About how many minutes the patient can walk before needing to stop",
    },
}
UNITS = {
    "pain": {"unit": "score", "system": "http://unitsofmeasure.org", "code": "{score}"},
    "walking": {"unit": "min", "system": "http://unitsofmeasure.org", "code": "min"},
}
LIMIT = 200


def observation(answer: CheckInAnswer, kind: Kind = Kind.scale) -> Observation:
    """`kind`: of a clinic's own question (pain and walking have theirs)."""
    assert answer.value is not None and answer.answered_at is not None
    code = CODES.get(answer.question) or {
        "system": LOCAL_CODES,
        "code": answer.question,
        "display": f"The clinic's check-in question '{answer.question}'",
    }
    unit = UNITS.get(answer.question) or UNITS["walking" if kind is Kind.minutes else "pain"]
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(answer.id),
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                    }
                ]
            }
        ],
        "code": {"coding": [code], "text": answer.question},
        "subject": {"reference": f"Patient/{answer.patient_id}"},
        "effectiveDateTime": answer.answered_at.astimezone(UTC).isoformat(),
        "valueQuantity": {"value": answer.value, **unit},
        "note": [{"text": f"check-in day {answer.day} from the procedure"}],
    }
    if answer.low is not None and answer.high is not None and answer.low != answer.high:
        data["note"].append({"text": f"answered as a range {answer.low:g}-{answer.high:g}"})
    return Observation.model_validate(data)


def get(session: Session, answer_id: int) -> CheckInAnswer | None:
    answer = session.get(CheckInAnswer, answer_id)
    return answer if answer is not None and answer.value is not None else None


def find(session: Session, patient_id: int | None) -> list[CheckInAnswer]:
    query = select(CheckInAnswer).where(col(CheckInAnswer.value).is_not(None))
    if patient_id is not None:
        query = query.where(CheckInAnswer.patient_id == patient_id)
    query = query.order_by(col(CheckInAnswer.answered_at), col(CheckInAnswer.id)).limit(LIMIT)
    return list(session.exec(query))


def kind_of(session: Session, question: str) -> Kind:
    found = find_question(session, question)
    return found.kind if found is not None else Kind.scale
