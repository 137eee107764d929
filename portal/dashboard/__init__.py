"""The composition layer: pages that gather every app (home, shared dashboard).

Only this package and portal/urls.py may import the feature apps; the rest of the core
(users, permissions, notifications) never does.
"""
