"""Green finance through the gateway: finance products, financing needs, eligibility matching, introductions to financiers, statistics."""
