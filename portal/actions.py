"""Run one action from a page and answer the way every Tandem page does.

Bad input re-renders the page with the form's errors (400); a refusal because of the
object's state re-renders it with the service's message (409); success redirects with
a flash message. Pages pass a `rerender(forms=..., error=..., status=...)` callable.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from .errors import Conflict


def run_page_action(
    request,
    perform: Callable[[], Any],
    *,
    success: str | Callable[[Any], str],
    redirect_to,
    rerender: Callable[..., object],
    form=None,
    form_name: str = "",
):
    forms = {form_name: form} if form is not None else {}
    if form is not None and not form.is_valid():
        return rerender(forms=forms, status=400)
    try:
        result = perform()
    except ValidationError as error:
        if form is not None:
            form.add_error(None, error)
            return rerender(forms=forms, status=400)
        return rerender(error=" ".join(error.messages), status=400)
    except Conflict as conflict:
        return rerender(forms=forms, error=conflict.message, status=409)
    messages.success(request, success(result) if callable(success) else success)
    return redirect(redirect_to)


WAITING_FOR_THE_OTHER_TEAM = "Approved for your team. Waiting for the other team's lead."


def run_joint_approval(
    request,
    approve: Callable[[], Any],
    *,
    agreed: Callable[[Any], str],
    redirect_to,
    rerender: Callable[..., object],
):
    """A lead's approval of an agreement both teams' leads must approve (the SLA, targets).

    `approve` returns the agreement (see portal.services.approve_jointly); the flash
    message says `agreed(agreement)` once both teams approved, else that the other
    team's lead is still to approve. A refusal re-renders the page with why (409).
    """

    def said(agreement) -> str:
        active = agreement.status == type(agreement).Status.ACTIVE
        return agreed(agreement) if active else WAITING_FOR_THE_OTHER_TEAM

    return run_page_action(
        request, approve, success=said, redirect_to=redirect_to, rerender=rerender
    )
