"""/v1/demands (needs and 揭榜挂帅 challenges): the shared listing routes with demand filters and Chinese examples."""
from services.registry.listings.endpoints import build_router
from services.registry.listings.filters import demand_filters
from services.registry.listings.kinds import DEMAND
from shared.examples import LISTING_EXAMPLES

router = build_router(DEMAND, demand_filters, LISTING_EXAMPLES["demand"])
