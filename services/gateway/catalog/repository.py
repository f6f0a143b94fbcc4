"""Catalog workflow queries."""
from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, select

from services.gateway.catalog.models import AdoptionReport, CatalogCall, CatalogNomination, CatalogReview


def call(session: Session, call_id: str) -> CatalogCall | None:
    return session.get(CatalogCall, call_id)


def calls(session: Session) -> Sequence[CatalogCall]:
    return session.exec(select(CatalogCall).order_by(CatalogCall.id.desc())).all()  # type: ignore[union-attr]


def nomination(session: Session, nomination_id: str) -> CatalogNomination | None:
    return session.get(CatalogNomination, nomination_id)


def nomination_for(session: Session, call_id: str, technology_id: str) -> CatalogNomination | None:
    stmt = select(CatalogNomination).where(CatalogNomination.call_id == call_id, CatalogNomination.technology_id == technology_id)
    return session.exec(stmt).first()


def nominations(session: Session, call_id: str) -> Sequence[CatalogNomination]:
    return session.exec(select(CatalogNomination).where(CatalogNomination.call_id == call_id)
                        .order_by(CatalogNomination.id)).all()  # type: ignore[arg-type]


def reviews(session: Session, nomination_id: str) -> Sequence[CatalogReview]:
    return session.exec(select(CatalogReview).where(CatalogReview.nomination_id == nomination_id)
                        .order_by(CatalogReview.id)).all()  # type: ignore[arg-type]


def review_by(session: Session, nomination_id: str, org_id: str) -> CatalogReview | None:
    stmt = select(CatalogReview).where(CatalogReview.nomination_id == nomination_id, CatalogReview.reviewer_org_id == org_id)
    return session.exec(stmt).first()


def adoption_reports(session: Session, edition_id: str) -> Sequence[AdoptionReport]:
    return session.exec(select(AdoptionReport).where(AdoptionReport.edition_id == edition_id)
                        .order_by(AdoptionReport.id)).all()  # type: ignore[arg-type]
