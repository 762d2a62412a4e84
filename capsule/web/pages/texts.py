"""The words pages use for the service's codes (kinds, states, statuses, events, field errors).

Marked with N_ for the catalogs and translated where shown: `{{ _(texts.KINDS[kind]) }}`.
"""

from __future__ import annotations

from typing import Final

from capsule.i18n import N_

KINDS: Final = {
    "goal": N_("Strategic goal"),
    "priority": N_("Priority"),
    "appeal": N_("Appeal"),
}

KINDS_PLURAL: Final = {
    "goal": N_("Strategic goals"),
    "priority": N_("Priorities"),
    "appeal": N_("Appeals"),
}

KIND_HINTS: Final = {
    "goal": N_("Where the volunteer movement should be in the years to come."),
    "priority": N_("What matters most now: a direction, a task, a need."),
    "appeal": N_("A message from the leaders of volunteer organizations "
                 "to those who open the capsule."),
}

STATES: Final = {
    "draft": N_("Draft"),
    "collecting": N_("Collecting"),
    "sealed": N_("Sealed"),
    "opened": N_("Opened"),
}

STATUSES: Final = {
    "pending": N_("Waiting for review"),
    "accepted": N_("Accepted"),
    "rejected": N_("Not accepted"),
    "withdrawn": N_("Withdrawn"),
    "sealed": N_("Sealed in the capsule"),
    "excluded": N_("Left out at sealing"),
}

# The public log in plain words; the organization, when an event names one, is shown beside it.
EVENTS: Final = {
    "capsule.created": N_("The capsule was created"),
    "capsule.updated": N_("The capsule's settings were changed"),
    "capsule.published": N_("The capsule opened for contributions"),
    "invitation.created": N_("An invitation was created"),
    "invitation.revoked": N_("An invitation was revoked"),
    "contribution.submitted": N_("A contribution arrived"),
    "contribution.edited": N_("A contribution was changed by its author"),
    "contribution.withdrawn": N_("A contribution was withdrawn by its author"),
    "contribution.accepted": N_("A contribution was accepted"),
    "contribution.rejected": N_("A contribution was not accepted"),
    "contribution.read": N_("An organizer read a contribution for review"),
    "contribution.excluded": N_("A contribution was left out at sealing"),
    "capsule.sealed": N_("The capsule was sealed"),
    "capsule.opening_started": N_("The opening began"),
    "share.entered": N_("A custodian entered a key share"),
    "share.refused": N_("A key share was refused"),
    "lock.opened": N_("A lock was opened"),
    "capsule.opened": N_("The capsule was opened"),
}

ACTORS: Final = {
    "organizer": N_("organizer"),
    "contributor": N_("contributor"),
    "custodian": N_("custodian"),
    "system": N_("the service"),
    "public": N_("anyone"),
}

LANGUAGE_NAMES: Final = {"kk": N_("Kazakh"), "ru": N_("Russian"), "en": N_("English")}

# Contribution form fields, for labels and the error summary.
FIELDS: Final = {
    "kind": N_("Kind"),
    "title": N_("Title"),
    "body": N_("Text"),
    "author_name": N_("Your name"),
    "author_role": N_("Your role"),
    "organization": N_("Organization"),
    "language": N_("Language of the text"),
    "attachments": N_("Attachments"),
}

FIELD_ERRORS: Final = {
    "required": N_("Please fill in this field."),
    "too_long": N_("This is longer than %(max)s characters."),
    "invalid": N_("Please choose one of the options."),
}

# Capsule settings form.
CAPSULE_FIELDS: Final = {
    "title": N_("Title"),
    "description": N_("Description"),
    "slug": N_("Address (slug)"),
    "timezone": N_("Time zone"),
    "opening_at": N_("Opening date"),
    "submissions_close_at": N_("Submission deadline"),
    "locks": N_("Locks"),
    "lock_policy": N_("With more than one lock"),
    "translations": N_("Translations"),
    "threshold": N_("Custodians needed to open"),
    "shares": N_("Custodians in all"),
}

INVITATION_FIELDS: Final = {
    "organization": N_("Organization"),
    "name": N_("Leader's name"),
    "email": N_("Email"),
    "max_contributions": N_("Contribution limit"),
}
