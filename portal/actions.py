"""Run one action from a page and answer the way every Tandem page does.

Bad input re-renders the page with the form's errors (400); a refusal because of the
object's state re-renders it with the service's message (409); success redirects with
a flash message. Pages pass a `rerender(forms=..., error=..., status=...)` callable.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from .errors import Conflict


def run_page_action(
    request,
    perform: Callable[[], object],
    *,
    success: str,
    redirect_to,
    rerender: Callable[..., object],
    form=None,
    form_name: str = "",
):
    forms = {form_name: form} if form is not None else {}
    if form is not None and not form.is_valid():
        return rerender(forms=forms, status=400)
    try:
        perform()
    except ValidationError as error:
        if form is not None:
            form.add_error(None, error)
            return rerender(forms=forms, status=400)
        return rerender(error=" ".join(error.messages), status=400)
    except Conflict as conflict:
        return rerender(forms=forms, error=conflict.message, status=409)
    messages.success(request, success)
    return redirect(redirect_to)
