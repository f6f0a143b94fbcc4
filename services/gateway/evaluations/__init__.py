"""Technology evaluation (技术评价) workflow: owners' requests, evaluators' decisions, evaluations recorded in the
registry (a feed entity other tenants and matching see), owners' responses. docs/evaluation_catalog_challenges.md."""
