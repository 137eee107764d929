"""Campaign writes. `planning`: campaigns, review, launch. `messaging`: talking points,
collateral, feedback, field insights. Import from here: `from campaigns import services`."""

from .messaging import *  # noqa: F403
from .planning import *  # noqa: F403
