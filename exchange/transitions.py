"""The match's state machine in one place: which side may do what in which state.

    proposed ──agree (the side that has not yet)──► agreed ──confirm (the side that did not
       │                                              │      report)──► delivered ──close
       │                                              │                 (initiative)──► closed
       ├──decline (either side)──► declined           ├──report / correct (either side; stays
       └──(timer: no agreement in time)──► lapsed      │   agreed until the other confirms)
                                                      ├──not delivered (either side)──► lapsed
                                                      └──(timer: no confirmation in time)──► lapsed

The proposer agrees by proposing (its yes is the proposal); the other side's yes completes the
agreement and names the day the help will have been given. A delivery is reported by one side
and confirmed by the other; a correction is a report by the other side, which the first side
then confirms. Messages and the choice to share one's contact details go with every live state.

Services (exchange/services.py) ask `require`, pages ask `allowed`: nothing else repeats the
states.
"""

from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from exchange.models import Match, Side

Status = Match.Status


class Action(StrEnum):
    AGREE = "agree"
    DECLINE = "decline"
    REPORT = "report"
    CONFIRM = "confirm"
    NOT_DELIVERED = "not_delivered"
    CLOSE = "close"
    MESSAGE = "message"
    SHARE = "share"


# The two roles of the table: the initiative, and whoever gives (a partner or a visitor).
INITIATIVE, GIVER = "initiative", "giver"
BOTH = frozenset({INITIATIVE, GIVER})

# state → action → the roles that may take it (before the per-match conditions below).
TRANSITIONS: dict[str, dict[Action, frozenset[str]]] = {
    Status.PROPOSED: {
        Action.AGREE: BOTH,
        Action.DECLINE: BOTH,
        Action.MESSAGE: BOTH,
        Action.SHARE: BOTH,
    },
    Status.AGREED: {
        Action.REPORT: BOTH,
        Action.CONFIRM: BOTH,
        Action.NOT_DELIVERED: BOTH,
        Action.MESSAGE: BOTH,
        Action.SHARE: BOTH,
    },
    Status.DELIVERED: {
        Action.CLOSE: frozenset({INITIATIVE}),
        Action.MESSAGE: BOTH,
        Action.SHARE: BOTH,
    },
    Status.CLOSED: {},
    Status.DECLINED: {},
    Status.LAPSED: {},
}
# Where an action leaves the match (agree: once both sides agreed; the others stay).
TARGET = {
    Action.AGREE: Status.AGREED,
    Action.DECLINE: Status.DECLINED,
    Action.CONFIRM: Status.DELIVERED,
    Action.NOT_DELIVERED: Status.LAPSED,
    Action.CLOSE: Status.CLOSED,
}
# States a match can no longer leave.
FINAL = frozenset(state for state, actions in TRANSITIONS.items() if not actions)


def role_of(side: str) -> str:
    """The table's role of a side: the partner and the visitor both give."""
    return INITIATIVE if side == Side.INITIATIVE else GIVER


def _has_agreed(match: Match, side: str) -> bool:
    agreed_at = match.initiative_agreed_at if side == Side.INITIATIVE else match.giver_agreed_at
    return agreed_at is not None


def _condition_holds(match: Match, side: str, action: Action) -> bool:
    if action == Action.AGREE:
        return not _has_agreed(match, side)
    if action == Action.CONFIRM:
        # Only what the other side reported can be confirmed.
        return bool(match.delivery_reported_by) and role_of(match.delivery_reported_by) != role_of(
            side
        )
    return True


def allowed(match: Match, side: str) -> frozenset[Action]:
    """What `side` (a Side value) may do with the match now."""
    role = role_of(side)
    return frozenset(
        action
        for action, roles in TRANSITIONS[match.status].items()
        if role in roles and _condition_holds(match, side, action)
    )


def require(match: Match, side: str, action: Action) -> None:
    """Raises ValidationError unless `side` may take `action` on the match as it is now."""
    if action in allowed(match, side):
        return
    if match.status in FINAL:
        raise ValidationError(
            _("This match is %(status)s: nothing more can be done with it.")
            % {"status": match.get_status_display()}
        )
    raise ValidationError(_("This is not possible at this stage of the match."))
