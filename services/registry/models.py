"""Every table, imported in one place so metadata is complete (migrations, tests)."""
from services.registry.catalog.models import CatalogEdition
from services.registry.demands.models import Demand, DemandGram
from services.registry.evaluations.models import Evaluation
from services.registry.feed.models import ChangeEventRow
from services.registry.idempotency.models import IdempotencyRecord
from services.registry.finance.models import FinanceProductRow, FinancingNeedRow
from services.registry.infringements.models import InfringementEntryRow, InfringementRow
from services.registry.organizations.models import Organization
from services.registry.patents.models import PatentEventRow, PatentOwner, PatentRow, PatentTechnology
from services.registry.screening.models import ScreeningRecord
from services.registry.technologies.models import Technology, TechnologyGram

__all__ = ["CatalogEdition", "ChangeEventRow", "Demand", "DemandGram", "Evaluation", "FinanceProductRow", "FinancingNeedRow", "IdempotencyRecord",
           "InfringementEntryRow", "InfringementRow", "Organization", "PatentEventRow", "PatentOwner", "PatentRow", "PatentTechnology",
           "ScreeningRecord", "Technology", "TechnologyGram"]
