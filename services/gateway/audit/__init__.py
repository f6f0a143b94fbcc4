"""Append-only audit log of every state change made through the gateway."""
