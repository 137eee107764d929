"""Run one action from a page and answer the way every Tandem page does.

Bad input re-renders the page with the form's errors (400); a refusal because of the
object's state re-renders it with the service's message (409); success redirects with
a flash message. Pages pass a `rerender(forms=..., error=..., status=...)` callable;
an object's detail page makes its action views' adapter with `object_actions`. A page
with one create or edit form runs it with `run_form_page`.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .errors import Conflict
from .permissions import rule_required


def next_url(request, default: str) -> str:
    """Where a form asked to go back to (`next`), if it is a page of this site; else default.

    Anything else (another site, a 1 MB string, a route name) goes to `default`: `next`
    comes from the browser, so it is neither an open redirect nor a server error.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)


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


def object_actions(load: Callable[[int], Any], detail: Callable[..., Any]):
    """The adapter the action views of one detail page share (campaign, asset, lead page).

    `load(pk)` gives the object (or raises Http404); `detail(request, pk, forms=, error=,
    status=)` is the page view that re-renders it. The adapter runs `perform(obj)`:

        _act = object_actions(_campaign_or_404, campaign_detail)
        return _act(request, pk, lambda c: launch_campaign(c, by=request.user), "Live!")
    """

    def act(request, pk: int, perform, success: str, form_name: str = "", form=None):
        obj = load(pk)
        return run_page_action(
            request,
            lambda: perform(obj),
            success=success,
            redirect_to=obj,
            rerender=lambda **kwargs: detail(request, pk, **kwargs),
            form=form,
            form_name=form_name,
        )

    return act


def run_form_page(
    request,
    form,
    save: Callable[[], Any],
    *,
    success: str | Callable[[Any], str],
    template: str,
    context: dict | None = None,
    redirect_to=None,
):
    """A page with one form that creates or edits through a service.

    On a valid POST `save()` calls the service; its ValidationError or Conflict lands on
    the form. Success redirects to `redirect_to`, else to what `save()` returned, with the
    flash message `success` (or `success(saved)`). Otherwise the page renders, with 400
    when the form has errors; an edited object shows as stored, not as the form changed it.
    """
    if request.method == "POST" and form.is_valid():
        try:
            saved = save()
        except ValidationError as error:
            form.add_error(None, error)
        except Conflict as conflict:
            form.add_error(None, conflict.message)
        else:
            messages.success(request, success(saved) if callable(success) else success)
            return redirect(redirect_to or saved)
    instance = getattr(form, "instance", None)
    if instance is not None and instance.pk:
        instance.refresh_from_db()
    return render(
        request, template, {"form": form, **(context or {})}, status=400 if form.errors else 200
    )


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
