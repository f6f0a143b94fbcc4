"""Registry and matching functions re-exposed to API-key holders, with the permission matrix applied."""
