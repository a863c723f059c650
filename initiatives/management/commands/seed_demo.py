from django.core.management.base import BaseCommand, CommandParser

from initiatives.demo import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "Creates demo logins and realistic published initiatives (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=300)
        parser.add_argument("--months", type=int, default=24)

    def handle(self, *args: object, **options: object) -> None:
        report = demo_seed(count=int(options["count"]), months=int(options["months"]))
        self.stdout.write(f"Demo initiatives created: {report.created}")
        self.stdout.write(f"Demo logins (password “{DEMO_PASSWORD}”):")
        for role, email in report.logins.items():
            self.stdout.write(f"  {role:9} {email}")
