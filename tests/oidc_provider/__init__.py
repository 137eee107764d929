"""A small, real OpenID Connect provider for the tests: django-oauth-toolkit's OIDC support
in its own Django project and its own process (serve.py), with an RSA key made at start.

The tests drive it as a company's identity provider would be: people sign in on its
login page, groups and a region travel as claims, and Tandem fetches tokens, keys and
userinfo from it over HTTP. `/control/…` (guarded by a per-run token) lets a test add
people and register Tandem as a client.
"""
