"""Describe an interaction for log lines (shared by handlers and components without an import cycle)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import discord


def where(interaction: discord.Interaction[Any]) -> str:
    """Context for log lines: which command or component, who, where."""
    what: object = interaction.command.qualified_name if interaction.command else None
    if what is None and isinstance(interaction.data, Mapping):
        what = interaction.data.get("custom_id") or interaction.data.get("name")
    return (
        f"interaction={interaction.id} type={interaction.type.name} what={what!r} "
        f"user={interaction.user.id} guild={interaction.guild_id} channel={interaction.channel_id}"
    )
