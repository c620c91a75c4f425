"""The one place that decides whether a deal may enter a stage, be won, lost or reopened.

The services call these before they change anything, and `selectors.allowed_moves` calls the same
functions to tell the board which columns a card may go to: the rules exist once.

Decisions (issue 6, item 2):
- strict kind: forward by exactly one active stage; back to any earlier stage (re-qualification,
  recorded like any move); each stage entered must meet its entry conditions; won only from the
  last active stage;
- manual kind: any active stage; entry conditions are only warnings (shown, not enforced);
- non-process kind: no stages at all, only the statuses;
- every kind: win conditions are enforced; a won or lost deal moves nowhere until reopened.
"""

from django.utils.translation import gettext as _

from . import conditions
from .models import Deal, DealKindMode, DealStatus, SalesStage


def active_stages(kind) -> list[SalesStage]:
    return list(SalesStage.objects.filter(kind=kind, is_active=True).order_by("position"))


def _closed_refusal(deal: Deal) -> str | None:
    if deal.status == DealStatus.WON:
        return _("The deal is won: reopen it before moving it to another stage.")
    if deal.status == DealStatus.LOST:
        return _("The deal is lost: reopen it before moving it to another stage.")
    return None


def _missing_text(unmet) -> str:
    return "; ".join(str(c.missing) for c in unmet)


def move_refusal(deal: Deal, target: SalesStage, *, stages=None, cache=None) -> str | None:
    """None if the deal may enter `target` now, else why not (in the user's language)."""
    refusal = _closed_refusal(deal)
    if refusal:
        return refusal
    kind = deal.kind
    if kind.mode == DealKindMode.NON_PROCESS:
        return _("Deals of the kind «%(kind)s» have no stages.") % {"kind": kind.name}
    if target.kind_id != deal.kind_id:
        return _("Stage «%(stage)s» is not a stage of the kind «%(kind)s».") % {
            "stage": target.name,
            "kind": kind.name,
        }
    if not target.is_active:
        return _("Stage «%(stage)s» is no longer used.") % {"stage": target.name}
    if target.pk == deal.stage_id:
        return _("The deal is already at stage «%(stage)s».") % {"stage": target.name}
    if kind.mode == DealKindMode.MANUAL:
        return None
    stages = active_stages(kind) if stages is None else stages
    skipped = _skipped_to(deal.stage, target, stages)
    if skipped is not None:
        return _("Stages cannot be skipped in a strict process: move to «%(stage)s» first.") % {
            "stage": skipped.name
        }
    return entry_refusal(deal, target, cache=cache)


def _skipped_to(current: SalesStage | None, target: SalesStage, stages) -> SalesStage | None:
    """The stage that must come first when moving forward past it, else None (going back is free)."""
    if current is not None and target.position < current.position:
        return None
    following = [s for s in stages if current is None or s.position > current.position]
    if following and following[0].pk != target.pk:
        return following[0]
    return None


def entry_refusal(deal: Deal, target: SalesStage, *, cache=None) -> str | None:
    unmet = conditions.unmet(deal, target.conditions, cache)
    if not unmet:
        return None
    return _("Stage «%(stage)s» cannot be entered: %(missing)s.") % {
        "stage": target.name,
        "missing": _missing_text(unmet),
    }


def stage_warnings(deal: Deal, target: SalesStage, *, cache=None) -> list[str]:
    """For a manual kind: the entry conditions of `target` the deal does not meet (not enforced)."""
    return [str(c.missing) for c in conditions.unmet(deal, target.conditions, cache)]


def win_refusal(deal: Deal, *, stages=None, cache=None) -> str | None:
    if deal.status == DealStatus.WON:
        return _("The deal is already won.")
    if deal.status == DealStatus.LOST:
        return _("The deal is lost: reopen it before marking it won.")
    kind = deal.kind
    if kind.mode == DealKindMode.STRICT:
        stages = active_stages(kind) if stages is None else stages
        if stages and deal.stage_id != stages[-1].pk:
            return _("A deal of a strict process is won only from its last stage «%(stage)s».") % {
                "stage": stages[-1].name
            }
    unmet = conditions.unmet(deal, kind.win_conditions, cache)
    if unmet:
        return _("The deal cannot be won: %(missing)s.") % {"missing": _missing_text(unmet)}
    return None


def lose_refusal(deal: Deal) -> str | None:
    if deal.status == DealStatus.LOST:
        return _("The deal is already lost.")
    if deal.status == DealStatus.WON:
        return _("The deal is won: reopen it before marking it lost.")
    return None


def reopen_refusal(deal: Deal) -> str | None:
    if deal.status == DealStatus.IN_PROGRESS:
        return _("The deal is in progress: only a won or lost deal can be reopened.")
    return None
