"""Gateway command line: `python -m services.gateway create-key --role admin --org-id X --name ...`."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Optional

import typer
from sqlmodel import Session

from services.gateway.audit import service as audit
from services.gateway.auth import service
from services.gateway.auth.roles import Role
from services.gateway.auth.schemas import ApiKeyCreate
from services.gateway.db import make_engine, run_migrations
from services.gateway.settings import GatewaySettings

cli = typer.Typer(help="Green tech gateway administration", no_args_is_help=True)


@cli.callback()
def _main() -> None:
    """Gateway administration commands."""


@cli.command("create-key")
def create_key(
    role: Annotated[Role, typer.Option(help="admin | broker | enterprise | platform | evaluator | authority")],
    org_id: Annotated[str, typer.Option("--org-id", help="Registry organization id (tenant)")],
    name: Annotated[str, typer.Option(help="Who or what uses the key")],
    source: Annotated[Optional[str], typer.Option(help="Platform keys: their external_ref.source code")] = None,  # noqa: UP007
    expires_at: Annotated[Optional[datetime], typer.Option("--expires-at", help="UTC expiry")] = None,  # noqa: UP007
) -> None:
    """Create an API key and print it (the only time it is shown)."""
    data = ApiKeyCreate(role=role, org_id=org_id, name=name, source=source, expires_at=expires_at)
    engine = make_engine(GatewaySettings().resolved_database_url())
    run_migrations(engine)
    with Session(engine) as session:
        row, key = service.create_key(session, data, created_by=None)
        audit.record(session, None, "key.create", "api_key", row.id,
                     {"role": row.role, "org_id": row.org_id, "name": row.name, "source": row.source, "via": "cli"})
        session.commit()
    engine.dispose()
    typer.echo(key)
