"""Request and response models of the matching API (contract: docs/contracts.md "Matching").

Shared so the gateway publishes and validates exactly what the matching service accepts (services never
import each other).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.schemas import Cny, RegionCode, Stage, TransferMode
from shared.taxonomy import DOMAINS
from shared.text import normalize

MAX_K = 100
MAX_QUERY_CHARS = 2000
MAX_BATCH = 50
MAX_RECORD_BATCH = 500  # a feed page of new records (gateway follower pages are at most 1000 events, usually 100)
Target = Literal["technology", "demand"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchFilters(_Strict):
    domain: str | None = Field(None, description="Domain code from the registry's GET /v1/taxonomy", examples=["pollution_control"])
    region: RegionCode | None = Field(None, description="GB/T 2260 code; a province or city code matches everything inside it")
    trl_min: int | None = Field(None, ge=1, le=9, description="Technologies only: minimum readiness level")
    stage: Stage | None = Field(None, description="Technologies only: development stage")
    transfer_modes: list[TransferMode] = Field(default_factory=list, max_length=5, description="Any of these modes")
    budget_max_cny: Cny | None = Field(None, description="Technologies only: asking price_min_cny must not exceed this")
    price_max_cny: Cny | None = Field(None, description="Demands only: the demand's budget must reach this")
    evaluated: bool | None = Field(None, description="Technologies only: true = has a current third-party evaluation "
                                   "(技术评价, valid_until not passed), false = has none")
    min_evaluation_score: float | None = Field(None, ge=0, le=100, description="Technologies only: the current "
                                               "evaluation's overall score (0–100) must reach this")

    @field_validator("domain")
    @classmethod
    def _known_domain(cls, v: str | None) -> str | None:
        if v is not None and v not in DOMAINS:
            raise ValueError(f"unknown domain {v!r}; use one of: {', '.join(DOMAINS)}")
        return v


class _Query(_Strict):
    k: int = Field(10, ge=1, le=MAX_K, description=f"Number of hits, 1..{MAX_K}")
    filters: SearchFilters | None = None
    min_seq: int | None = Field(None, ge=0, description="Read your write: wait until the feed position is indexed")


class SearchRequest(_Query):
    query: str = Field(description=f"Free text, at most {MAX_QUERY_CHARS} characters after normalisation",
                       examples=["我们是家具厂，喷漆车间有机废气浓度低、风量大，需要治理方案"])
    target: Target = Field("technology", description="Search technologies (supply) or demands (needs)")

    @field_validator("query")
    @classmethod
    def _normalised(cls, v: str) -> str:
        if any("\ud800" <= ch <= "\udfff" for ch in v):  # JSON allows "\ud800"; it is no character and cannot be encoded
            raise ValueError("query contains a lone UTF-16 surrogate (not valid Unicode): send the text as UTF-8")
        text = normalize(v)
        if not text:
            raise ValueError("query is empty: describe the need or technology in a few words")
        if len(text) > MAX_QUERY_CHARS:
            raise ValueError(f"query has {len(text)} characters; shorten it to at most {MAX_QUERY_CHARS}")
        return text


class RecordQuery(_Query):
    """Body of /v1/demands/{id}/technologies and /v1/technologies/{id}/demands."""


class SimilarRequest(_Strict):
    entity: Target = Field(description="Look for near-duplicates among these records")
    id: str | None = Field(None, max_length=100, description="A record already indexed (it is left out of the hits)")
    text: str | None = Field(None, description="Or a draft text (e.g. before publishing)", examples=["钢铁烧结烟气脱硫脱硝一体化"])
    k: int = Field(5, ge=1, le=MAX_K)
    min_seq: int | None = Field(None, ge=0)

    @field_validator("text")
    @classmethod
    def _normalised(cls, v: str | None) -> str | None:
        return None if v is None else SearchRequest._normalised(v)

    @model_validator(mode="after")
    def _one_of(self) -> "SimilarRequest":
        if (self.id is None) == (self.text is None):
            raise ValueError("give exactly one of `id` (an indexed record) or `text` (a draft)")
        return self


class BatchRequest(_Strict):
    queries: list[SearchRequest] = Field(min_length=1, max_length=MAX_BATCH, description=f"1..{MAX_BATCH} searches")


def _no_lone_surrogate(v: str) -> str:
    # JSON allows "\ud800"; it is no character, and echoing it back would fail to encode as UTF-8
    if any("\ud800" <= ch <= "\udfff" for ch in v):
        raise ValueError("contains a lone UTF-16 surrogate (not valid Unicode): send the id as UTF-8")
    return v


class RecordBatchRequest(_Query):
    """Body of /v1/records/batch: the record-to-record match of several records of one entity in one call."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"source": "technology", "ids": ["tec_01HZX3T6Q9", "tec_01HZX3T7AB"], "k": 20, "min_seq": 1024}]})
    source: Target = Field(description="Entity of the given records; hits are of the other entity "
                           "(technology → demands, demand → technologies)")
    ids: list[Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_no_lone_surrogate)]] = Field(
        min_length=1, max_length=MAX_RECORD_BATCH, description=f"1..{MAX_RECORD_BATCH} record ids, answered in this order")


class Components(BaseModel):
    dense: float = Field(description="Cosine similarity of the embeddings, -1..1")
    lexical: float = Field(description="IDF-weighted share of the query's terms found in the record, 0..1")
    structured: float | None = Field(description="Share of compared structured fields that fit, 0..1; null if none compared "
                                     "(explained, not used to order)")
    dense_z: float | None = Field(None, description="How many standard deviations the cosine lies above the query's "
                                  "cosine to a background sample of the index (raw cosines are compressed)")
    terms: float | None = Field(None, description="IDF-weighted share of the query's specific words found in the record, 0..1")


class Fit(BaseModel):
    matched: list[str] = Field(default_factory=list, examples=[["domain: 同属污染治理"]])
    conflicts: list[str] = Field(default_factory=list, examples=[["price: 报价起点3,000,000元超出预算2,000,000元"]])


class Hit(BaseModel):
    id: str
    entity: Target
    title: str = Field(examples=["家具喷涂VOCs沸石转轮吸附浓缩+RTO治理技术"])
    domain: str | None = None
    region: str | None = None
    score: float = Field(ge=0, le=1, description="Calibrated probability (0..1) that a broker would judge this hit at least "
                         "partly useful, estimated from the components by a model fitted on graded labels; hits are "
                         "ordered by it")
    strength: Literal["strong", "possible", "weak"] = Field(description="Band of `score`: strong and possible have "
                                                             "fixed lower bounds on the probability (docs/matching.md)")
    components: Components
    shared_terms: list[str] = Field(default_factory=list, examples=[["喷涂", "vocs", "废气"]])
    fit: Fit


class SearchResponse(BaseModel):
    items: list[Hit]
    indexed_seq: int = Field(description="Feed position the index reflects")


class BatchResponse(BaseModel):
    results: list[SearchResponse]


class RecordMatches(BaseModel):
    id: str = Field(description="The record asked for")
    found: bool = Field(description="False when the record is not indexed (never seen, deleted or not published): "
                        "`items` is then empty, as `/v1/technologies/{id}/demands` would answer 404")
    items: list[Hit]


class RecordBatchResponse(BaseModel):
    results: list[RecordMatches] = Field(description="One per requested id, in request order")
    indexed_seq: int = Field(description="Feed position the index reflects")


class StatusResponse(BaseModel):
    indexed_seq: int
    head_seq: int | None = Field(description="Registry feed head at the last poll; null before the first poll")
    counts: dict = Field(description="Per entity: indexed records, dense index kind, tombstones, records seen by status")
    model: str
    syncing: bool
    rebuilding: bool = Field(False, description="A full rebuild is in progress (answers come from the old index meanwhile)")
    last_error: str | None = None


class RebuildResponse(BaseModel):
    status: Literal["started", "already_running"]
