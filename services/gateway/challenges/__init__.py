"""Open challenges (揭榜挂帅) from publication to award: campaigns gathering needs, challenges on published demands,
confidential entries, scoring by appointed evaluators, awards that open deals. docs/evaluation_catalog_challenges.md."""
