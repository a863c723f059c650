"""The member administration's part of a person's data (AVG): the contact persons of member
organisations recorded at one of their verified addresses (`addresses`, from the privacy
layer), compared whole.

Exported, not erased with the account: a contact person is the organisation's record, kept
by LSA staff, who erase it on request with `members.services.contact_erase` (which keeps a
record of the erasure). Earlier versions in the history tables are redacted with every other
history table by the privacy layer."""

from typing import Any

from accounts.models import User
from common.personal_data import PersonalDataPart, email_in, iso
from members.models import ContactPerson


def _member_contacts_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "organisation": contact.organisation.name,
            "name": contact.name,
            "role": contact.role,
            "email": contact.email,
            "phone": contact.phone,
            "is_primary": contact.is_primary,
            "created_at": iso(contact.created_at),
        }
        for contact in ContactPerson.objects.filter(email_in("email", addresses))
        .select_related("organisation")
        .order_by("pk")
    ]


MEMBER_CONTACTS = PersonalDataPart(
    key="member_contacts", app="members", export=_member_contacts_export
)
