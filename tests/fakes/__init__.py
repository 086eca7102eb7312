"""Test doubles: fake Discord and Telegram servers and harnesses (used by tests and source-checkout benches)."""
