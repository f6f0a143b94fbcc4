"""Identity: API keys, roles, tenants (organizations), permissions."""
