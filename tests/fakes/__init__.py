"""Test doubles: fake Discord and Telegram servers and harnesses (only tests and source-checkout benchmarks use them)."""
