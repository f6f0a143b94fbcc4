"""Promotion catalog (推广目录) workflow: calls for nominations, nominations, expert review, publication (the
edition is a registry record), dynamic adjustment, adoption reports, JSON/xlsx export."""
