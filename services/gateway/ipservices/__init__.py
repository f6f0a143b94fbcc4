"""IP services: patents (registry records) seen through the gateway, the green IPC table, green patent statistics."""
