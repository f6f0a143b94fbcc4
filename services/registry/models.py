"""Every table, imported in one place so metadata is complete (migrations, tests)."""
from services.registry.catalog.models import CatalogEdition
from services.registry.demands.models import Demand
from services.registry.evaluations.models import Evaluation
from services.registry.feed.models import ChangeEventRow
from services.registry.idempotency.models import IdempotencyRecord
from services.registry.organizations.models import Organization
from services.registry.screening.models import ScreeningRecord
from services.registry.technologies.models import Technology

__all__ = ["CatalogEdition", "ChangeEventRow", "Demand", "Evaluation", "IdempotencyRecord", "Organization", "ScreeningRecord", "Technology"]
