"""The claims a company's identity provider sends: names, email, groups, region."""

from oauth2_provider.oauth2_validators import OAuth2Validator

REGION_PREFIX = "region:"  # a region is kept as a group named region:<name>


class CompanyValidator(OAuth2Validator):
    # Groups and region come with the "groups" scope, as at many providers.
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "groups": "groups",
        "region": "groups",
    }

    def get_additional_claims(self, request):
        user = request.user
        names = sorted(user.groups.values_list("name", flat=True))
        regions = [n.removeprefix(REGION_PREFIX) for n in names if n.startswith(REGION_PREFIX)]
        claims = {
            "preferred_username": user.username,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "email": user.email,
            "email_verified": True,
            "groups": [n for n in names if not n.startswith(REGION_PREFIX)],
        }
        if regions:
            claims["region"] = regions[0]
        return claims
