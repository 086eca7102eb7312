"""A durable, per-key ordered inbox for updates that several worker processes receive (Telegram webhook
workers on one PostgreSQL database). The design is in `bot.inbox.ordered`."""
