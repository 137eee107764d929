"""What personas tells the apps above it, which it does not import (portal <- personas <-
campaigns <- leads): they connect from their AppConfig.ready()."""

from django.dispatch import Signal

# An ICP segment was saved or is being deleted (sent in its transaction, before a delete);
# arguments: segment, by, deleted. Lead scoring rescores the leads it reads it for.
segment_changed = Signal()
