"""A fake Telegram Bot API server that the real python-telegram-bot Application talks to."""
