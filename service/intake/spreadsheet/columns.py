"""Our columns, and which of a spreadsheet's columns is which: guessed from the headers
practice-management exports use ("First Name", "DOB", "Cell Phone", "MRN"...), and
changed by the person importing when the guess is wrong."""

from collections.abc import Mapping, Sequence
from enum import StrEnum

from service.errors import InvalidInput
from service.patients.folding import fold
from service.validation import whole_number


class Column(StrEnum):
    given_name = "given_name"
    family_name = "family_name"
    full_name = "full_name"  # "GARCIA, MARIA": one column with both, family name first
    birth_date = "birth_date"
    phone = "phone"
    mrn = "mrn"
    procedure_date = "procedure_date"
    procedure_time = "procedure_time"
    language = "language"


LABELS = {
    Column.given_name: "First name",
    Column.family_name: "Last name",
    Column.full_name: "Full name (Last, First)",
    Column.birth_date: "Date of birth",
    Column.phone: "Mobile phone",
    Column.mrn: "MRN",
    Column.procedure_date: "Procedure date",
    Column.procedure_time: "Procedure time",
    Column.language: "Language",
}

# Folded headers (lower case, letters and digits only), best first: where an export has
# both a "Cell Phone" and a "Home Phone", the cell is the number to text.
_HEADERS: dict[Column, tuple[str, ...]] = {
    Column.given_name: (
        "firstname", "patientfirstname", "ptfirstname", "givenname", "fname", "first",
        "forename", "patientfirst",
    ),
    Column.family_name: (
        "lastname", "patientlastname", "ptlastname", "familyname", "surname", "lname",
        "last", "patientlast",
    ),
    Column.full_name: ("patientname", "name", "fullname", "patient", "ptname"),
    Column.birth_date: (
        "dob", "dateofbirth", "birthdate", "patientdob", "ptdob", "birthday", "bday",
        "patientdateofbirth",
    ),
    Column.phone: (
        "mobile", "mobilephone", "cellphone", "cell", "mobilenumber", "cellnumber",
        "cellphonenumber", "mobileno", "textnumber", "smsnumber", "patientmobile",
        "patientcellphone", "phonecell", "phonemobile", "phone", "phonenumber",
        "patientphone", "primaryphone", "homephone",
    ),
    Column.mrn: (
        "mrn", "medicalrecordnumber", "mrnumber", "patientmrn", "chartnumber", "chart",
        "chartno", "patientid", "patientnumber", "accountnumber", "acctno", "account",
        "ptid", "recordnumber",
    ),
    Column.procedure_date: (
        "proceduredate", "surgerydate", "dateofprocedure", "appointmentdate", "apptdate",
        "dateofservice", "dos", "servicedate", "scheduleddate", "date", "appointment",
        "appointmentdatetime", "proceduredatetime", "start", "startdate",
    ),
    Column.procedure_time: (
        "proceduretime", "surgerytime", "appointmenttime", "appttime", "starttime", "time",
        "scheduledtime",
    ),
    Column.language: (
        "language", "preferredlanguage", "primarylanguage", "lang", "patientlanguage",
        "spokenlanguage",
    ),
}  # fmt: skip

REQUIRED_ALWAYS = (Column.phone, Column.procedure_date)

Mapping_ = dict[Column, int]  # our column -> the file's column index


# Second pass, for headers no list names ("Patient Mobile Phone", "Appt Date/Time"):
# words a header contains, and words that rule it out (an end time, a birth date).
_WORDS: dict[Column, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Column.phone: (("mobile", "cell", "sms", "text"), ("home", "work", "fax")),
    Column.procedure_date: (
        ("apptdate", "appointmentdate", "proceduredate", "surgerydate", "servicedate"),
        ("birth", "created", "end", "booked"),
    ),
    Column.procedure_time: (("time",), ("end", "arrival", "checkin", "duration")),
    Column.birth_date: (("birth", "dob"), ()),
    Column.mrn: (("mrn", "chart", "record"), ()),
    Column.language: (("language",), ()),
}
_PREFIXES = ("patients", "patient", "pt")


def _plain_header(header: str) -> str:
    """'Patient Mobile Phone' -> 'mobilephone'; 'CHART #' -> 'chart'."""
    folded = fold(header)
    for prefix in _PREFIXES:
        if folded.startswith(prefix) and len(folded) > len(prefix):
            return folded[len(prefix) :]
    return folded


def guess(headers: Sequence[str]) -> Mapping_:
    """Each of our columns matched to the file's best-named column, each used once."""
    folded = [fold(h) for h in headers]
    plain = [_plain_header(h) for h in headers]
    chosen: Mapping_ = {}
    taken: set[int] = set()
    for column, names in _HEADERS.items():
        for name in names:
            index = next(
                (
                    i
                    for i in range(len(headers))
                    if name in (folded[i], plain[i]) and i not in taken
                ),
                None,
            )
            if index is not None:
                chosen[column] = index
                taken.add(index)
                break
    for column, (wanted, unwanted) in _WORDS.items():
        if column in chosen:
            continue
        for i, header in enumerate(folded):
            if i in taken or any(word in header for word in unwanted):
                continue
            if any(word in header for word in wanted):
                chosen[column] = i
                taken.add(i)
                break
    if Column.given_name in chosen and Column.family_name in chosen:
        chosen.pop(Column.full_name, None)  # "Patient Name" beside first and last: not needed
    return chosen


def from_form(values: Mapping[str, str], width: int) -> Mapping_:
    """A mapping as the person chose it (field -> column number or empty)."""
    chosen: Mapping_ = {}
    for column in Column:
        raw = (values.get(column.value) or "").strip()
        if not raw:
            continue
        number = whole_number(raw)
        if number is None or number >= width:
            raise InvalidInput(f"no column {raw} in the file", field=column.value)
        chosen[column] = number
    return chosen


def check(mapping: Mapping_, headers: Sequence[str]) -> None:
    """Refuse a mapping without what a booking needs, or with a column used twice."""
    names = (Column.given_name in mapping and Column.family_name in mapping) or (
        Column.full_name in mapping
    )
    missing = [LABELS[c] for c in REQUIRED_ALWAYS if c not in mapping]
    if not names:
        missing.insert(0, "First name and Last name (or Full name)")
    if missing:
        raise InvalidInput(
            "the file has no column for " + ", ".join(missing)
            + " (columns found: " + ", ".join(h or "(blank)" for h in headers) + ")",
            field="columns",
        )  # fmt: skip
    used: dict[int, Column] = {}
    for column, index in mapping.items():
        if index in used:
            raise InvalidInput(
                f"column {headers[index]!r} is matched to both {LABELS[used[index]]} "
                f"and {LABELS[column]}",
                field=column.value,
            )
        used[index] = column
