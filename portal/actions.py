"""Run one action from a page and answer the way every Tandem page does.

Bad input re-renders the page with the form's errors (400); a refusal because of the
object's state re-renders it with the service's message (409); success redirects with
a flash message. Pages pass a `rerender(forms=..., error=..., status=...)` callable.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from .errors import Conflict
from .permissions import rule_required


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


def joint_agreement_views(
    *,
    model,
    form_class,
    propose: Callable[..., Any],
    approve: Callable[..., Any],
    page: Callable[..., Any],
    url: str,
    proposed: Callable[[Any], str],
    agreed: Callable[[Any], str],
):
    """The propose and approve views of an agreement both teams' leads approve (SLA, targets).

    `propose(by=, **form.service_fields())` and `approve(agreement, by=)` are the services
    (see portal.services.approve_jointly); `page(request, forms=, error=, status=)`
    renders the agreement's page at `url`. A bad proposal re-renders it with the form's
    errors (400), a refused approval with why (409); success goes back to the page saying
    `proposed(agreement)`, `agreed(agreement)` once both teams approved, or that the other
    team's lead is still to approve.
    """

    @require_POST
    @rule_required("approve_agreements")
    def propose_view(request):
        form = form_class(request.POST)
        return run_page_action(
            request,
            lambda: propose(by=request.user, **form.service_fields()),
            success=proposed,
            redirect_to=url,
            rerender=lambda **kwargs: page(request, **kwargs),
            form=form,
            form_name="propose",
        )

    @require_POST
    @rule_required("approve_agreements")
    def approve_view(request, pk: int):
        agreement = get_object_or_404(model, pk=pk)

        def said(agreement) -> str:
            active = agreement.status == model.Status.ACTIVE
            return agreed(agreement) if active else WAITING_FOR_THE_OTHER_TEAM

        return run_page_action(
            request,
            lambda: approve(agreement, by=request.user),
            success=said,
            redirect_to=url,
            rerender=lambda **kwargs: page(request, **kwargs),
        )

    return propose_view, approve_view
