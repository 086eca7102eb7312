"""A fake Discord (REST + gateway) and the harness that drives the real discord.py client against it."""
