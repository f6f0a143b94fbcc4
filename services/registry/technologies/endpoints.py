"""/v1/technologies (supply): the shared listing routes with technology filters and Chinese examples."""
from services.registry.listings.endpoints import build_router
from services.registry.listings.filters import technology_filters
from services.registry.listings.kinds import TECHNOLOGY
from shared.examples import LISTING_EXAMPLES

router = build_router(TECHNOLOGY, technology_filters, LISTING_EXAMPLES["technology"])
