"""Webhooks: per-organization subscriptions, signed at-least-once deliveries with retries and replay."""
