"""The process-wide movie-night scheduler lives in the core (`bot.polls.announce`); re-exported here."""

from bot.polls.announce import SharedScheduler, shared_scheduler
from bot.polls.service import FAR_FUTURE

__all__ = ["FAR_FUTURE", "SharedScheduler", "shared_scheduler"]
