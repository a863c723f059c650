"""Every part of a person's data, in one explicit list: the order of the export file and of
the erasure.

A list rather than each app registering itself in `AppConfig.ready()`: the order matters
(initiatives are handed over before the history tables are redacted, so that rows written
by the hand-over are redacted too; the export keeps its keys in a fixed order) and is read
here in one place, and the apps below never import the privacy layer — it imports them.
A new app that holds personal data writes `<app>/privacy.py` and adds its parts here;
`tests/test_privacy_registry.py` lists the apps expected to be here.
"""

from accounts import privacy as accounts
from common.personal_data import PersonalDataPart
from exchange import privacy as exchange
from funding import privacy as funding
from impact import privacy as impact
from initiatives import privacy as initiatives
from members import privacy as members
from outbox import privacy as outbox
from privacy import history

PARTS: tuple[PersonalDataPart, ...] = (
    accounts.ACCOUNT,
    accounts.EMAIL_ADDRESSES,
    accounts.OFFICER_GRANTS,
    funding.FUND_MANAGER_GRANTS,
    funding.COMMITTEE_GRANTS,
    exchange.PARTNER_STAFF_GRANTS,
    accounts.API_TOKENS,
    accounts.TWO_FACTOR_AUTHENTICATORS,
    history.SESSIONS,
    initiatives.INITIATIVES,
    initiatives.NEEDS,
    initiatives.ACTIVITY_REPORTS,
    initiatives.ACTIVITY_REPORT_REVISIONS,
    impact.INDICATOR_QUANTITIES,
    # Before the offers of help: a visitor's offers find their match messages and matches.
    exchange.MATCH_MESSAGES,
    exchange.MATCHES,
    initiatives.HELP_OFFERS_SENT,
    initiatives.CO_OWNER_INVITATIONS_RECEIVED,
    initiatives.INITIATIVE_HISTORY,
    history.CHANGE_HISTORY,
    history.ADMIN_LOG,
    outbox.MAILS,
    members.MEMBER_CONTACTS,
    funding.FUNDING_APPLICATIONS,
    funding.FUNDING_ACCOUNTABILITIES,
    funding.FUNDING_REVIEWS,
    funding.FUNDING_PAYMENTS,
)
