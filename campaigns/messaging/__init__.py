"""Messaging: talking points, the collateral library, call sheets and field insights.

The same file set as `campaigns.planning`: services (writes with rules), selectors
(reads), api, views, forms, filters, urls, plus uploads (checks on collateral files).
People know this area as the Collateral tab, so its URL namespace, paths and template
folder keep that name: `collateral:` (/collateral/), templates in `collateral/`.
"""
