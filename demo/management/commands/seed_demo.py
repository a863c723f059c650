"""`manage.py seed_demo`: demo data across apps, each app's seeder in turn (idempotent)."""

from django.core.management.base import BaseCommand, CommandParser

from common.pagecache import EVERYTHING, generation_bump
from exchange.demo import exchange_demo_seed
from funding.demo import COMMITTEE_LOGINS, committee_demo_seed, funding_demo_seed
from impact.demo import impact_demo_seed
from initiatives.demo import DEMO_PASSWORD, demo_seed
from members.demo import members_demo_seed


class Command(BaseCommand):
    help = "Creates demo logins, realistic published initiatives and members (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=300)
        parser.add_argument("--months", type=int, default=24)

    def handle(self, *args: object, **options: object) -> None:
        report = demo_seed(count=int(options["count"]), months=int(options["months"]))
        self.stdout.write(f"Demo initiatives created: {report.created}")
        # What they do: activities and monthly indicator quantities (bin/setup then computes
        # every handprint with recompute_handprints --all).
        impact = impact_demo_seed()
        self.stdout.write(
            f"Demo initiatives given activities: {impact.initiatives} "
            f"({impact.quantities} monthly indicator quantities)"
        )
        # After the initiatives: some members are linked to initiatives in their gemeente.
        members = members_demo_seed()
        self.stdout.write(f"Demo member organisations created: {members.created}")
        # A fund with applications in every state, on published initiatives.
        funding = funding_demo_seed()
        self.stdout.write(f"Demo funding applications created: {funding.created}")
        # A gemeente's committee round: reviews, payments, accountability, settlement.
        committee = committee_demo_seed()
        self.stdout.write(f"Demo committee-round applications created: {committee.created}")
        # Partners, their offers and matches in every state, on the initiatives' needs.
        exchange = exchange_demo_seed()
        self.stdout.write(f"Demo exchange matches created: {exchange.created}")
        # The seeders write in bulk (no signals): every cached page is out of date.
        generation_bump(EVERYTHING)
        self.stdout.write(f"Demo logins (password “{DEMO_PASSWORD}”):")
        committee_logins = {"committee": COMMITTEE_LOGINS[0]}
        partner_logins = {"partner": f"{exchange.logins[0]} … {exchange.logins[-1]}"}
        logins = {**report.logins, "fund": funding.login, **committee_logins, **partner_logins}
        for role, email in logins.items():
            self.stdout.write(f"  {role:9} {email}")
