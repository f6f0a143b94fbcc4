"""Routes for /v1/technologies and /v1/demands (one factory, the two share their shape)."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from services.gateway.auth.deps import PrincipalDep
from services.gateway.db import SessionDep
from services.gateway.public import listing_service as svc
from services.gateway.public.schemas import (
    BulkResult,
    DemandBulk,
    DemandWritten,
    OverrideRequest,
    OwnerContacts,
    TechnologyBulk,
    TechnologyWritten,
)
from shared.examples import LISTING_EXAMPLES, body_examples
from shared.openapi import registry_write
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from shared.schemas import (
    DemandCreate,
    DemandPublic,
    DemandUpdate,
    RecordStatus,
    Stage,
    TechnologyCreate,
    TechnologyPublic,
    TechnologyUpdate,
)

NDJSON = "application/x-ndjson"
ATOMIC_HELP = ("true (default): all or nothing, one invalid or forbidden item is a 4xx naming `body.items.<i>.<field>` and "
               "nothing is written. false: the valid items are written and each refused one comes back as outcome "
               "`invalid` with its errors (200).")


# async: FastAPI runs a plain `def` dependency in the thread pool, a thread hop on every list request for nothing
async def _list_params(
    domain: Annotated[str | None, Query(examples=["pollution_control"])] = None,
    subdomain: str | None = None,
    region: Annotated[str | None, Query(description="GB/T 2260 code; a province matches its cities", examples=["330000"])] = None,
    status: Annotated[RecordStatus | None, Query(description="Non-owners see only `published`")] = None,
    stage: Stage | None = None,
    trl_min: Annotated[int | None, Query(ge=1, le=9)] = None,
    owner_org_id: str | None = None,
    source: Annotated[str | None, Query(description="external_ref.source", examples=["zjtm"])] = None,
    updated_since: datetime | None = None,
    q: Annotated[str | None, Query(max_length=200, examples=["烟气脱硫"])] = None,
) -> dict[str, Any]:
    return {
        "domain": domain, "subdomain": subdomain, "region": region, "status": status.value if status else None,
        "stage": stage.value if stage else None, "trl_min": trl_min, "owner_org_id": owner_org_id, "source": source,
        "updated_since": updated_since.isoformat() if updated_since else None, "q": q,
    }


ListParams = Annotated[dict[str, Any], Depends(_list_params)]


def build_router(kind: svc.Kind, create_model: type, update_model: type, public_model: type, written_model: type, bulk_model: type) -> APIRouter:
    plural = kind.path.rsplit("/", 1)[-1]
    router = APIRouter(prefix=kind.path, tags=[plural])
    name = kind.entity
    examples = LISTING_EXAMPLES[name]

    def write(body: str | None = None, *, idempotent: bool = True) -> dict[str, Any]:
        """openapi_extra of a write relayed to the registry: X-Feed-Seq, Idempotency-Key, body examples."""
        extra = registry_write(idempotent=idempotent)
        return {**extra, **body_examples(examples[body])} if body else extra

    @router.post("", status_code=201, response_model=written_model, name=f"create_{name}", openapi_extra=write("create"), summary=f"Create a {name} (screened at once: published, on_hold or rejected)")
    async def create(request: Request, session: SessionDep, principal: PrincipalDep, body: create_model) -> Response:  # type: ignore[valid-type]
        return await svc.create(request, session, principal, kind, body)

    @router.get("", response_model=Page[public_model], name=f"list_{plural}", summary=f"List {name} records (non-owners: published only)")
    async def list_(
        request: Request, principal: PrincipalDep, params: ListParams,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT, cursor: str | None = None,
    ) -> Response:
        return await svc.list_records(request, principal, kind, {**params, "limit": limit, "cursor": cursor})

    @router.get("/export", response_class=Response, name=f"export_{plural}", summary=f"Export {name} records as NDJSON (one record per line)",
                responses={200: {"content": {NDJSON: {"schema": {"type": "string", "description": f"One {public_model.__name__} JSON object per line"},
                                                  "example": '{"id": "tec_01hx3k9q2m", "title": "钢铁烧结烟气脱硫脱硝一体化技术", "status": "published"}\n'}},
                                 "description": f"One {public_model.__name__} per line (application/x-ndjson)"}})
    async def export(request: Request, principal: PrincipalDep, params: ListParams) -> Response:
        return await svc.export(request, principal, kind, params)

    @router.post("/bulk-upsert", response_model=BulkResult, name=f"bulk_upsert_{plural}", openapi_extra=write("bulk"),
                 summary=f"Create or update many {name} records by external_ref (all-or-nothing unless atomic=false)")
    async def bulk_upsert(request: Request, session: SessionDep, principal: PrincipalDep, body: bulk_model,  # type: ignore[valid-type]
                          atomic: Annotated[bool, Query(description=ATOMIC_HELP)] = True) -> Response:
        return await svc.bulk_upsert(request, session, principal, kind, body.items, atomic=atomic)

    @router.get("/{record_id}", response_model=public_model, name=f"get_{name}", summary=f"Get one {name} (others' unpublished records answer 404)")
    async def get(request: Request, principal: PrincipalDep, record_id: str) -> Response:
        return await svc.get_one(request, principal, kind, record_id)

    @router.patch("/{record_id}", response_model=written_model, name=f"update_{name}", openapi_extra=write("patch", idempotent=False), summary=f"Update a {name} (send the `version` you read; stale → 409)")
    async def update(request: Request, session: SessionDep, principal: PrincipalDep, record_id: str, body: update_model) -> Response:  # type: ignore[valid-type]
        return await svc.update(request, session, principal, kind, record_id, body)

    @router.post("/{record_id}/withdraw", response_model=written_model, name=f"withdraw_{name}", openapi_extra=write(), summary=f"Withdraw a {name} from publication")
    async def withdraw(request: Request, session: SessionDep, principal: PrincipalDep, record_id: str) -> Response:
        return await svc.transition(request, session, principal, kind, record_id, "withdraw")

    @router.post("/{record_id}/renew", response_model=written_model, name=f"renew_{name}", openapi_extra=write(), summary=f"Renew a {name} listing (extends expires_at)")
    async def renew(request: Request, session: SessionDep, principal: PrincipalDep, record_id: str) -> Response:
        return await svc.transition(request, session, principal, kind, record_id, "renew")

    @router.post("/{record_id}/override", response_model=written_model, name=f"override_{name}_screening", openapi_extra=write("override"), summary=f"Override the screening result of a {name} (admin)")
    async def override(request: Request, session: SessionDep, principal: PrincipalDep, record_id: str, body: OverrideRequest) -> Response:
        return await svc.override(request, session, principal, kind, record_id, body)

    @router.get("/{record_id}/owner-contacts", response_model=OwnerContacts, name=f"get_{name}_owner_contacts",
                summary="Contact people of the owner (admin, the owner, or a broker whose introduction was accepted)")
    async def owner_contacts(request: Request, session: SessionDep, principal: PrincipalDep, record_id: str) -> Any:
        return await svc.owner_contacts(request, session, principal, kind, record_id)

    return router


technologies_router = build_router(
    svc.Kind("technology", "/v1/technologies"), TechnologyCreate, TechnologyUpdate, TechnologyPublic, TechnologyWritten, TechnologyBulk
)
demands_router = build_router(svc.Kind("demand", "/v1/demands"), DemandCreate, DemandUpdate, DemandPublic, DemandWritten, DemandBulk)
