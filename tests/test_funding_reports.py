"""Reports of rounds and funds (issue #21, funding/reports.py): the figures of a small known
set, per gemeente and wijk, per year, as CSV and XLSX, in a constant number of queries, for the
fund's managers only."""

import csv
import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funding.models import Application, Payment, PaymentBatch
from funding.reports import fund_report, round_report
from funding.services import application_decide, application_submit
from tests.factories import DistrictFactory, MunicipalityFactory, UserFactory
from tests.funding_helpers import award, complete_draft, make_round, manager_of

pytestmark = pytest.mark.django_db
Status, Grant = Application.Status, Application.Grant
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def at(day: str) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(10), tzinfo=AMSTERDAM
    )


def timed(application: Application, submitted: str, decided: str | None, due: str, **more):
    Application.objects.filter(pk=application.pk).update(
        submitted_at=at(submitted),
        decided_at=at(decided) if decided else None,
        decision_due=datetime.date.fromisoformat(due),
        **more,
    )


def paid(application: Application, day: str) -> None:
    batch = PaymentBatch.objects.create(
        round=application.round, message_id=f"T-{application.pk}", execution_date=at(day).date()
    )
    Payment.objects.create(
        application=application,
        batch=batch,
        amount=application.awarded,
        payee_name="Stichting",
        iban=application.iban,
        paid_on=at(day).date(),
    )


@pytest.fixture
def known():
    """Four applications in two gemeenten (one wijk), with known dates and money:

    - A, Noord/Centrum: € 1000 approved in 5 days (term 10), paid in 10 days (term met),
      settled at € 900;
    - B, Noord (no wijk): € 2000 partly approved (€ 1500) in 20 days (term 10, late), paid in
      30 days (term not met), reclaimed: settled at € 1000, € 500 back;
    - C, Zuid: € 800 rejected in 9 days (term 10);
    - D, Zuid: € 600 submitted, waiting for the decision; and a draft that does not count.
    """
    round_ = make_round(pot="10000")
    manager = manager_of(round_)
    noord = MunicipalityFactory(name="Noord")
    zuid = MunicipalityFactory(name="Zuid")
    centrum = DistrictFactory(municipality=noord, name="Centrum")
    a = award(round_, "1000", manager=manager)
    b = award(round_, "2000", manager=manager, partly="1500")
    c, owner_c = complete_draft(round_, "800")
    application_submit(application=c, user=owner_c)
    application_decide(
        application=c, user=manager, outcome=Status.REJECTED, decision="Nee", grounds="Nee"
    )
    d, owner_d = complete_draft(round_, "600")
    application_submit(application=d, user=owner_d)
    complete_draft(round_, "700")  # a draft
    for application, municipality, district in (
        (a, noord, centrum),
        (b, noord, None),
        (c, zuid, None),
        (d, zuid, None),
    ):
        application.initiative.municipality = municipality
        application.initiative.district = district
        application.initiative.save(update_fields=["municipality", "district"])
    timed(a, "2027-03-01", "2027-03-06", "2027-03-11", payment_due=datetime.date(2027, 3, 20))
    timed(b, "2027-03-01", "2027-03-21", "2027-03-11", payment_due=datetime.date(2027, 4, 1))
    timed(c, "2027-03-02", "2027-03-11", "2027-03-12")
    timed(d, "2027-03-03", None, "2027-03-13")
    paid(a, "2027-03-16")
    paid(b, "2027-04-20")
    Application.objects.filter(pk=a.pk).update(grant=Grant.SETTLED, settled_amount=900)
    Application.objects.filter(pk=b.pk).update(
        grant=Grant.RECLAIMED, settled_amount=1000, reclaimed_amount=500
    )
    return {"round": round_, "manager": manager, "noord": noord, "zuid": zuid}


def test_the_round_report_adds_up_a_known_set(known):
    report = round_report(known["round"])
    total = report.total

    assert total.applications == 4  # the draft is no application yet
    assert dict(total.statuses) == {"approved": 1, "partly": 1, "rejected": 1, "submitted": 1}
    assert total.approvals == 2
    assert (total.asked, total.awarded, total.paid) == (4400, 2500, 2500)
    assert (total.settled, total.reclaimed) == (1900, 500)
    # Decisions took 5, 20 and 9 days; two of the three within their term.
    assert total.decision_median == 9
    assert total.decisions_in_term_percent == Decimal("66.7")
    # Payments took 10 and 30 days after the decision; one within its term.
    assert total.payment_median == 20
    assert total.payments_in_term_percent == 50


def test_the_round_report_per_gemeente_and_wijk(known):
    report = round_report(known["round"])

    gemeenten = {line.name: line.totals for line in report.municipalities}
    assert [line.code for line in report.municipalities] == [
        known["noord"].code,
        known["zuid"].code,
    ]
    assert (gemeenten["Noord"].applications, gemeenten["Noord"].awarded) == (2, 2500)
    assert (gemeenten["Zuid"].applications, gemeenten["Zuid"].awarded) == (2, 0)
    assert gemeenten["Zuid"].decision_median == 9
    assert [(line.name, line.totals.applications) for line in report.districts] == [("Centrum", 1)]
    assert report.districts[0].totals.settled == 900


def test_the_fund_report_per_year_of_submission(known):
    later = make_round(pot="5000", slug="tweede", fund=known["round"].fund)
    next_year = award(later, "800", manager=known["manager"])
    timed(next_year, "2028-01-10", "2028-01-12", "2028-01-20")

    report = fund_report(known["round"].fund)

    assert [(line.code, line.totals.applications) for line in report.years] == [
        ("2027", 4),
        ("2028", 1),
    ]
    assert report.years[1].totals.awarded == 800
    assert report.total.applications == 5 and report.total.awarded == 3300


def test_the_report_downloads_as_csv_and_xlsx(client, known):
    client.force_login(known["manager"])
    url = f"/mijn/regelingen/rondes/{known['round'].pk}/rapport"

    response = client.get(f"{url}.csv")
    assert response["Content-Disposition"].startswith('attachment; filename="rapport-')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [row["Niveau"] for row in rows] == ["totaal", "gemeente", "gemeente", "wijk"]
    assert rows[0]["Aanvragen"] == "4" and rows[0]["Toegekend (€)"] == "2500,00"
    assert rows[0]["Teruggevorderd (€)"] == "500,00"
    assert rows[0]["Besluiten binnen de termijn (%)"] == "66,7"
    assert rows[1]["CBS-code of jaar"] == known["noord"].code

    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"{url}.xlsx").getvalue()))
    sheet = list(workbook.active.iter_rows(values_only=True))
    header = sheet[0]
    assert sheet[1][header.index("Betaald (€)")] == 2500
    assert sheet[1][header.index("Beslistijd, mediaan (dagen)")] == 9
    assert client.get(f"{url}.pdf").status_code == 404


def test_the_report_pages_show_the_figures(client, known):
    client.force_login(known["manager"])
    html = client.get(f"/mijn/regelingen/rondes/{known['round'].pk}/rapport/").content.decode()
    assert "Per gemeente" in html and "Noord" in html and "Centrum" in html
    assert "66,7%" in html
    fund = client.get(f"/mijn/regelingen/fondsen/{known['round'].fund.slug}/rapport/")
    assert fund.status_code == 200 and "2027" in fund.content.decode()


def test_the_report_reads_in_a_constant_number_of_queries(
    client, known, django_assert_max_num_queries
):
    client.force_login(known["manager"])
    urls = [
        f"/mijn/regelingen/rondes/{known['round'].pk}/rapport/",
        f"/mijn/regelingen/fondsen/{known['round'].fund.slug}/rapport/",
    ]
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    for _ in range(4):
        award(known["round"], "500", manager=known["manager"])
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)


def test_only_the_funds_managers_read_the_reports(client, known):
    round_ = known["round"]
    urls = [
        f"/mijn/regelingen/rondes/{round_.pk}/rapport/",
        f"/mijn/regelingen/rondes/{round_.pk}/rapport.csv",
        f"/mijn/regelingen/fondsen/{round_.fund.slug}/rapport/",
        f"/mijn/regelingen/fondsen/{round_.fund.slug}/rapport.xlsx",
    ]
    for user in (UserFactory(), manager_of(make_round())):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [404] * 4
