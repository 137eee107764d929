"""What a test may ask of the provider: add or change a person, register a client."""

import json
import os

from django.contrib.auth.models import Group, User
from django.http import HttpResponseForbidden, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import Application

from .validator import REGION_PREFIX


def _allowed(request) -> bool:
    return constant_time_compare(
        request.headers.get("X-Control-Token", ""), os.environ["PROVIDER_CONTROL_TOKEN"]
    )


@csrf_exempt
@require_POST
def person(request):
    """{username, password, email, first_name, last_name, groups: [...], region, is_active}"""
    if not _allowed(request):
        return HttpResponseForbidden()
    data = json.loads(request.body)
    user, _ = User.objects.get_or_create(username=data["username"])
    user.email = data.get("email", "")
    user.first_name = data.get("first_name", "")
    user.last_name = data.get("last_name", "")
    user.is_active = data.get("is_active", True)
    user.set_password(data["password"])
    user.save()
    names = list(data.get("groups", []))
    if data.get("region"):
        names.append(REGION_PREFIX + data["region"])
    user.groups.set([Group.objects.get_or_create(name=name)[0] for name in names])
    return JsonResponse({"sub": str(user.pk)})


@csrf_exempt
@require_POST
def client(request):
    """{client_id, client_secret, redirect_uris: [...]}: a confidential web client."""
    if not _allowed(request):
        return HttpResponseForbidden()
    data = json.loads(request.body)
    app = Application.objects.filter(client_id=data["client_id"]).first() or Application(
        client_id=data["client_id"]
    )
    app.name = "Tandem"
    app.client_secret = data["client_secret"]  # hashed on save
    app.client_type = Application.CLIENT_CONFIDENTIAL
    app.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    app.redirect_uris = " ".join(data["redirect_uris"])
    app.algorithm = Application.RS256_ALGORITHM
    app.skip_authorization = True  # a company's own app: no consent screen
    app.save()
    return JsonResponse({"client_id": app.client_id})
