"""The funding app's part of a person's data (AVG): the funds they manage.

Applications, awards and payments join here with "Funding rounds I/II"; awards and payments
are kept seven years and pseudonymised on erasure (AVG art. 17(3)(b)), docs/funding.md.
"""

from typing import Any

from accounts.models import User
from common.personal_data import PersonalDataPart, deleting, iso


def _fund_grants_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    return [
        {"fund": grant.fund.name, "granted_at": iso(grant.granted_at)}
        for grant in user.fund_grants.select_related("fund").order_by("pk")
    ]


FUND_MANAGER_GRANTS = PersonalDataPart(
    key="fund_manager_grants",
    app="funding",
    export=_fund_grants_export,
    erase=deleting(lambda user, addresses: user.fund_grants.all(), "fund_manager_grants_deleted"),
    counts=("fund_manager_grants_deleted",),
)
