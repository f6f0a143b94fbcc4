"""GET /v1/changes: the ordered change feed followers (matching, gateway) read."""
from typing import Annotated

from fastapi import APIRouter, Query

from shared.feed_schemas import ChangeFeedPage
from shared.schemas import ChangesPage
from services.registry.deps import Context
from services.registry.feed import service

router = APIRouter(prefix="/v1", tags=["feed"])
MAX_CHANGES = 1000
MAX_SEQ = 2**63 - 1  # seq is a 64-bit integer in the database: a larger `after` is a 422, not an overflow (500)


@router.get("/changes", response_model=ChangeFeedPage, name="list_changes",
            summary="Change events after a seq, in order, each with the record's current public form (null = deleted)")
def changes(ctx: Context,
            after: Annotated[int, Query(ge=0, le=MAX_SEQ, description="Last seq you processed (0 = from the start)")] = 0,
            limit: Annotated[int, Query(ge=1, le=MAX_CHANGES)] = 100) -> ChangesPage:
    with ctx.database.read() as session:
        return service.changes(session, after, limit)
