"""The account's part of a person's data (AVG): the account itself, its addresses, officer
roles, API tokens and authenticators. Only accounts' own tables and allauth's; the privacy
layer (`privacy/registry.py`) lists these parts and deletes the user last."""

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from accounts.models import User
from common.personal_data import PersonalDataPart, deleting, iso


def _account_export(user: User, addresses: list[str]) -> dict[str, Any]:
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "date_joined": iso(user.date_joined),
        "last_login": iso(user.last_login),
    }


def _email_addresses_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    # Every address, verified or not: the person added them, so the list is theirs.
    return [
        {"email": address.email, "primary": address.primary, "verified": address.verified}
        for address in EmailAddress.objects.filter(user=user).order_by("pk")
    ]


def _officer_grants_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "municipality": grant.municipality.code,
            "municipality_name": grant.municipality.name,
            "granted_at": iso(grant.granted_at),
        }
        for grant in user.officer_grants.select_related("municipality").order_by("pk")
    ]


def _api_tokens_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    # Never the key or its hash: the first characters are enough to recognise a token.
    return [
        {
            "name": token.name,
            "starts_with": token.prefix,
            "created_at": iso(token.created_at),
            "last_used_at": iso(token.last_used_at),
            "revoked_at": iso(token.revoked_at),
        }
        for token in user.api_tokens.order_by("created_at", "pk")
    ]


def _authenticators_export(user: User, addresses: list[str]) -> list[dict[str, Any]]:
    # Type and dates only: the secret or the recovery codes would let the file's reader in.
    return [
        {
            "type": authenticator.type,
            "created_at": iso(authenticator.created_at),
            "last_used_at": iso(authenticator.last_used_at),
        }
        for authenticator in Authenticator.objects.filter(user=user).order_by("pk")
    ]


# The user row itself is deleted by the privacy layer, after every other part.
ACCOUNT = PersonalDataPart(key="account", app="accounts", export=_account_export)
EMAIL_ADDRESSES = PersonalDataPart(
    key="email_addresses",
    app="accounts",
    export=_email_addresses_export,
    erase=deleting(
        lambda user, addresses: EmailAddress.objects.filter(user=user), "email_addresses_deleted"
    ),
    counts=("email_addresses_deleted",),
)
OFFICER_GRANTS = PersonalDataPart(
    key="officer_grants",
    app="accounts",
    export=_officer_grants_export,
    erase=deleting(lambda user, addresses: user.officer_grants.all(), "officer_grants_deleted"),
    counts=("officer_grants_deleted",),
)
API_TOKENS = PersonalDataPart(
    key="api_tokens",
    app="accounts",
    export=_api_tokens_export,
    erase=deleting(lambda user, addresses: user.api_tokens.all(), "api_tokens_deleted"),
    counts=("api_tokens_deleted",),
)
TWO_FACTOR_AUTHENTICATORS = PersonalDataPart(
    key="two_factor_authenticators",
    app="accounts",
    export=_authenticators_export,
    erase=deleting(
        lambda user, addresses: Authenticator.objects.filter(user=user), "authenticators_deleted"
    ),
    counts=("authenticators_deleted",),
)
