"""Campaign planning: campaigns, sales review and sign-off, the calendar, scheduling, launch.

The same file set as `campaigns.messaging`: services (writes with rules), selectors
(reads), api, views, forms, filters, urls. URL namespace `campaigns` (/campaigns/).
"""
