"""sample: generated, realistic credit-application documents for the quick start, tests and benchmark."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Iterator
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

FAIL_SHARE = 0.02  # records that must fail mapping: a bad date or an overlong last name

FIRST = (
    "Maria",
    "James",
    "José",
    "Zoë",
    "Björn",
    "Łukasz",
    "Siobhán",
    "François",
    "Mary-Jane",
    "D'Andre",
    "Aiko",
    "Olumide",
    "Ingrid",
    "Chloé",
    "Rafał",
    "Nuño",
    "Sven",
    "Priya",
    "Dmitri",
    "Ana",
    "Kwame",
    "Ewa",
    "Hannah",
    "Mohammed",
    "Lucía",
    "Noah",
    "Emma",
    "Liam",
    "Olivia",
    "Ren",
)
LAST = (
    "González-Ruiz",
    "O'Connor",
    "Müller",
    "Nguyễn",
    "Søreide",
    "D'Amico",
    "Ó Briain",
    "Kowalczyk",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "García",
    "Martínez",
    "Okafor",
    "Yamamoto",
    "Åberg",
    "Dvořák",
    "Rossi",
    "Lefèvre",
    "O'Neil",
    "Schröder",
    "Petrov",
    "Papadopoulos",
    "Silva",
    "Kim",
    "Chen",
    "Patel",
)
STREETS = (
    "Elm Street",
    "Harbor View Road",
    "Main St",
    "Rue de l'Église",
    "Maple Avenue",
    "Königsallee",
    "Oak Lane",
    "Cedar Court",
    "Sunset Blvd",
    "Calle Mayor",
    "Birch Way",
    "Lakeshore Drive",
)
CITIES = (
    ("Boston", "MA", "021"),
    ("Quincy", "MA", "021"),
    ("Hartford", "CT", "061"),
    ("Newark", "NJ", "071"),
    ("Austin", "TX", "787"),
    ("Seattle", "WA", "981"),
    ("Denver", "CO", "802"),
    ("Miami", "FL", "331"),
    ("San José", "CA", "951"),
    ("Chicago", "IL", "606"),
)
EMPLOYERS = (
    "Acme Robotics Inc.",
    "O'Connor Design LLC",
    "Northwind Traders",
    "Contoso Ltd",
    "Initech",
    "Globex Corporation",
    "Umbrella Health",
    "Stark & Wayne",
    "Fabrikam, Inc.",
    "Café Müller GmbH",
)
POSITIONS = (
    "Senior Engineer",
    "Owner",
    "Designer",
    "Nurse",
    "Teacher",
    "Analyst",
    "Driver",
    "Accountant",
    "Sales Manager",
    "Chef",
)
CREDITORS = (
    "First Auto Finance",
    "Bank of Examples",
    "EduLend",
    "Crédit Général",
    "Mortgage & Co",
    "Retail Card Services",
    "Medical Billing LLC",
)
LIABILITY_TYPES = ("AUTO", "CREDIT_CARD", "STUDENT_LOAN", "MORTGAGE", "PERSONAL", "MEDICAL")
INCOME_TYPES = ("SALARY", "RENTAL", "SELF_EMPLOYMENT", "PENSION", "DIVIDENDS", "ALIMONY")
PRODUCTS = (
    ("MORT30", "30-year fixed mortgage"),
    ("MORT15", "15-year fixed mortgage"),
    ("HELOC", "Home equity line of credit"),
    ("AUTO60", "Auto loan, 60 months"),
    ("PERS36", "Personal loan – 36 months"),
)
PURPOSES = ("PURCHASE", "REFINANCE", "CASH_OUT", "HOME_IMPROVEMENT", "CONSTRUCTION")
REASONS = (
    ("DTI_OK", "Debt-to-income ratio within policy"),
    ("SCORE_OK", "Credit score above product minimum"),
    ("DTI_HIGH", "Debt-to-income ratio > 43%"),
    ("LTV_HIGH", "Loan-to-value above 80% – PMI required"),
    ("INCOME_UNVERIFIED", "Income could not be verified"),
    ("EMPLOYMENT_SHORT", "Employment < 2 years"),
)


def _el(tag: str, text: object, attrs: str = "") -> str:
    return f"<{tag}{attrs}>{escape(str(text))}</{tag}>"


def _date(rng: random.Random, start_year: int, end_year: int) -> dt.date:
    start = dt.date(start_year, 1, 1).toordinal()
    return dt.date.fromordinal(rng.randint(start, dt.date(end_year, 12, 31).toordinal()))


def _money(rng: random.Random, low: float, high: float) -> str:
    return f"{rng.uniform(low, high):.2f}"


def _address(rng: random.Random, kind: str) -> str:
    city, state, zip3 = rng.choice(CITIES)
    line2 = rng.choice(("<Line2/>", _el("Line2", f"Apt {rng.randint(1, 40)}"), ""))
    return (
        f'<Address type="{kind}">'
        + _el("Line1", f"{rng.randint(1, 9999)} {rng.choice(STREETS)}")
        + line2
        + _el("City", city)
        + _el("State", state)
        + _el("Zip", f"{zip3}{rng.randint(0, 99):02d}")
        + _el("Country", "US")
        + _el("YearsAtAddress", rng.randint(0, 30))
        + _el("Ownership", rng.choice(("RENT", "OWN", "FAMILY")))
        + "</Address>"
    )


def _employer(rng: random.Random, current: bool) -> str:
    start = _date(rng, 1995, 2024)
    parts = [
        _el("Name", rng.choice(EMPLOYERS)),
        _el("Position", rng.choice(POSITIONS)),
        _el("StartDate", start.isoformat()),
    ]
    if not current:
        parts.append(_el("EndDate", (start + dt.timedelta(days=rng.randint(200, 3000))).isoformat()))
    parts += [
        _el("MonthlyIncome", _money(rng, 1800, 16000)),
        _el("SelfEmployed", rng.choice(("false", "false", "true"))),
    ]
    status = "CURRENT" if current else "PREVIOUS"
    return f'<Employer status="{status}">' + "".join(parts) + "</Employer>"


def _applicant(rng: random.Random, role: str, fail: str | None) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    if fail == "name":
        last = f"{last}-{'-'.join(rng.choice(LAST) for _ in range(6))}"[:60].ljust(51, "x")
    dob = "1985-13-40" if fail == "date" else _date(rng, 1940, 2004).isoformat()
    email_tag = rng.choice(("Email", "Email", "EmailAddress"))
    slug = unicodedata.normalize("NFKD", f"{first}.{last}".lower()).encode("ascii", "ignore").decode()
    slug = slug.replace("'", "").replace(" ", "")
    parts = [
        _el("FirstName", first),
        _el("LastName", last),
        _el("DOB", dob),
        _el("SSN", f"{rng.randint(100, 899)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"),
        _el(email_tag, f"{slug}@example.com"),
        _el(
            "Phone",
            f"+1-{rng.randint(200, 999)}-555-{rng.randint(0, 9999):04d}",
            f' type="{rng.choice(("MOBILE", "HOME", "WORK"))}"',
        ),
        _el("MaritalStatus", rng.choice("MSDWX")),
        _el("Dependents", rng.randint(0, 5)),
        _el("Citizen", rng.choice(("Y", "N", "true", "false"))),
    ]
    addresses = ["CURRENT"] + ["PREVIOUS"] * rng.randint(0, 3)
    parts.append("<Addresses>" + "".join(_address(rng, k) for k in addresses) + "</Addresses>")
    jobs = [True] + [False] * rng.randint(0, 3)
    parts.append("<Employment>" + "".join(_employer(rng, c) for c in jobs) + "</Employment>")
    incomes = []
    for _ in range(rng.randint(1, 4)):
        attrs = (
            f' type="{rng.choice(INCOME_TYPES)}" frequency="{rng.choice(("MONTHLY", "ANNUAL", "WEEKLY"))}"'
        )
        incomes.append(
            f"<Income{attrs}>"
            + _el("Amount", _money(rng, 200, 15000))
            + _el("Verified", rng.choice(("yes", "no", "Y", "N")))
            + "</Income>"
        )
    parts.append("<Incomes>" + "".join(incomes) + "</Incomes>")
    return f"<Applicant role={quoteattr(role)}>" + "".join(parts) + "</Applicant>"


def _liability(rng: random.Random) -> str:
    return (
        f'<Liability type="{rng.choice(LIABILITY_TYPES)}">'
        + _el("Creditor", rng.choice(CREDITORS))
        + _el("AccountNumber", f"{rng.choice('ABCDEFGH')}{rng.choice('FLX')}-{rng.randint(1000, 99999)}")
        + _el("Balance", _money(rng, 0, 450000))
        + _el("MonthlyPayment", _money(rng, 15, 3500))
        + _el("OpenedOn", _date(rng, 1995, 2025).isoformat())
        + "</Liability>"
    )


def generate_document(app_id: int, rng: random.Random) -> str:
    """One credit application in the shape of mappings/samples/credit_application.xml."""
    fail = None
    if rng.random() < FAIL_SHARE:
        fail = rng.choice(("date", "name"))
    submitted = dt.datetime(2024, 1, 1) + dt.timedelta(seconds=rng.randint(0, 2 * 365 * 86400))
    offset = rng.choice(("Z", "+01:00", "-05:00", "-08:00", "+00:00"))
    code, product = rng.choice(PRODUCTS)
    amount = rng.uniform(5000, 900000)
    head = (
        f'<CreditApplication version="{rng.choice(("2.0", "2.1"))}">'
        + "<Header>"
        + _el("ApplicationNumber", f"CA-{submitted.year}-{abs(app_id) % 10**6:06d}")
        + _el("SubmittedAt", submitted.isoformat() + offset)
        + rng.choice(
            (
                '<Channel code="WEB">Online banking</Channel>',
                '<Channel code="BR">Branch</Channel>',
                '<Channel code="MOB">Mobile app</Channel>',
            )
        )
        + _el("Branch", f"{rng.randint(1, 400):04d}")
        + "</Header>"
    )
    loan = (
        "<Loan>"
        + _el("Product", product, f' code="{code}"')
        + _el("Amount", f"{amount:.2f}", f' currency="{rng.choice(("USD", "USD", "EUR"))}"')
        + _el("TermMonths", rng.choice((36, 60, 120, 180, 360)))
        + _el("InterestRate", f"{rng.uniform(2, 12):.3f}")
        + _el("Purpose", rng.choice(PURPOSES))
        + _el("PropertyValue", f"{amount * rng.uniform(1.0, 1.6):.2f}")
        + "</Loan>"
    )
    roles = ["PRIMARY"] + (["CO_APPLICANT"] if rng.random() < 0.45 else [])
    fail_at = rng.randrange(len(roles))
    applicants = "".join(_applicant(rng, r, fail if i == fail_at else None) for i, r in enumerate(roles))
    liabilities = "".join(_liability(rng) for _ in range(rng.choice((0, 1, 2, 3, 5, 8, 12, 20, 30, 40))))
    status = rng.choice(("APPROVED", "APPROVED", "DECLINED", "REFERRED", "PENDING"))
    decision = "<Decision>" + _el("Status", status)
    decision += _el("Score", rng.choice((str(rng.randint(480, 850)),) * 9 + ("N/A",)))
    if status != "PENDING":
        decided = submitted + dt.timedelta(minutes=rng.randint(5, 20000))
        decision += _el("DecidedAt", decided.isoformat() + "Z")
        reasons = rng.sample(REASONS, rng.randint(1, 4))
        decision += "<Reasons>" + "".join(_el("Reason", t, f' code="{c}"') for c, t in reasons) + "</Reasons>"
    decision += "</Decision>"
    body = (
        head
        + loan
        + "<Applicants>"
        + applicants
        + "</Applicants><Liabilities>"
        + liabilities
        + "</Liabilities>"
        + decision
        + "</CreditApplication>"
    )
    return _indent(body)


def _indent(xml: str) -> str:
    """Two-space indentation like the hand-written sample (and real exports): whitespace-only text nodes."""
    root = etree.fromstring(xml.encode())
    etree.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode") + "\n"


def documents(count: int, seed: int = 42, start_id: int = 1) -> Iterator[tuple[int, str]]:
    """(app_id, xml) for `count` consecutive ids; each document depends only on (seed, app_id)."""
    for app_id in range(start_id, start_id + count):
        yield app_id, generate_document(app_id, random.Random(f"{seed}:{app_id}"))
