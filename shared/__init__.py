"""The project's small common kernel, imported by every service (services never import each other)."""
