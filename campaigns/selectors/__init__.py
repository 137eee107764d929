"""Campaign reads for pages, the API, the home page and notifications."""

from .messaging import *  # noqa: F403
from .planning import *  # noqa: F403
