"""Query parameters for listing lists and exports, validated into ListingFilters (bad values -> 422)."""
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query

from shared import identifiers, taxonomy
from shared.errors import invalid
from shared.schemas import DemandKind, RecordStatus, Stage
from services.registry.listings.repository import ListingFilters


def _common(domain: str | None, subdomain: str | None, region: str | None, status: list[RecordStatus] | None,
            owner_org_id: str | None, source: str | None, updated_since: datetime | None, q: str | None) -> ListingFilters:
    if domain is not None and not taxonomy.is_domain(domain):
        raise invalid("query.domain", f"Unknown domain {domain!r}; use a code from GET /v1/taxonomy: {', '.join(taxonomy.DOMAINS)}.")
    if subdomain is not None and (domain is None or not taxonomy.is_subdomain(domain, subdomain)):
        raise invalid("query.subdomain", "subdomain needs domain, and must be one of that domain's subdomains (GET /v1/taxonomy).")
    if region is not None:
        try:
            region = identifiers.validate_region(region)
        except ValueError as exc:
            raise invalid("query.region", str(exc)) from None
    if updated_since is not None and updated_since.tzinfo is None:
        updated_since = updated_since.replace(tzinfo=UTC)
    return ListingFilters(domain=domain, subdomain=subdomain, region=region, status=[s.value for s in status] if status else None,
                          owner_org_id=owner_org_id, source=source, updated_since=updated_since, q=q)


Domain = Annotated[str | None, Query(description="Domain code (GET /v1/taxonomy)", examples=["pollution_control"])]
Subdomain = Annotated[str | None, Query(description="Subdomain code (needs domain)", examples=["air_pollution"])]
Region = Annotated[str | None, Query(description="GB/T 2260 code; a province (330000) or city (330100) code matches everything inside it", examples=["330000"])]
Status = Annotated[list[RecordStatus] | None, Query(description="One or more statuses (repeat the parameter)")]
Owner = Annotated[str | None, Query(description="Owner organization id")]
Source = Annotated[str | None, Query(description="external_ref.source of imported records", examples=["zjtm"])]
Since = Annotated[datetime | None, Query(description="Only records updated at or after this UTC time", examples=["2025-01-01T00:00:00Z"])]
Keyword = Annotated[str | None, Query(max_length=100, description="Keywords in title/summary/description/keywords (all must occur)", examples=["脱硫 脱硝"])]


def technology_filters(domain: Domain = None, subdomain: Subdomain = None, region: Region = None, status: Status = None,
                       stage: Annotated[Stage | None, Query(description="Development stage")] = None,
                       trl_min: Annotated[int | None, Query(ge=1, le=9, description="Minimum TRL")] = None,
                       owner_org_id: Owner = None, source: Source = None, updated_since: Since = None, q: Keyword = None) -> ListingFilters:
    f = _common(domain, subdomain, region, status, owner_org_id, source, updated_since, q)
    f.stage = stage.value if stage else None
    f.trl_min = trl_min
    return f


def demand_filters(domain: Domain = None, subdomain: Subdomain = None, region: Region = None, status: Status = None,
                   kind: Annotated[DemandKind | None, Query(description="need (需求) or challenge (揭榜挂帅)")] = None,
                   owner_org_id: Owner = None, source: Source = None, updated_since: Since = None, q: Keyword = None) -> ListingFilters:
    f = _common(domain, subdomain, region, status, owner_org_id, source, updated_since, q)
    f.kind = kind.value if kind else None
    return f
