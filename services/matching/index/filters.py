"""Structured filters as numpy columns aligned to the dense index's labels, kept current on upsert/delete.

    from services.matching.index.filters import FilterIndex
    filters = FilterIndex(Entity.technology)
    filters.set(labels, records)                 # labels from DenseIndex.upsert, records = their fields
    filters.clear(labels)                         # on delete
    mask = filters.allowed(SearchFilters(domain="pollution_control", region="330000"), capacity)

Each filter field is one array with an entry per label: small integer codes for domain and stage (a code
compared with `==` is the posting bitmap of that value, computed in tens of microseconds at 100k labels
instead of being stored per value), the region as three integer prefixes (province `33`, city `3301`, county
`330106`, so a province, city or county filter is one comparison), the transfer/cooperation modes as a bit set
per label, trl as int16 (-1 unknown) and price/budget as float64 (NaN unknown; CNY amounts below 1e12 with
two decimals keep their order as floats). `allowed()` combines the requested columns with numpy into a bool mask
over labels, the same decisions as `services/matching/fit.passes` (which stays the reference; the tests check
them against each other on random records).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from services.matching.fit import _amount, _modes, effective_domain, evaluation_score
from shared.matching_schemas import SearchFilters
from shared.schemas import Entity, Stage, TransferMode

_MODE_BIT = {m.value: 1 << i for i, m in enumerate(TransferMode)}
_STAGE_CODE = {s.value: i for i, s in enumerate(Stage)}


class FilterIndex:
    def __init__(self, entity: Entity | str) -> None:
        self.entity = Entity(entity)
        self._domains: dict[str, int] = {}  # domain code -> small int (grows with new codes)
        self._size = 0
        self.domain = np.zeros(0, dtype=np.int32)  # -1 unknown
        self.province = np.zeros(0, dtype=np.int32)  # region prefixes, -1 unknown
        self.city = np.zeros(0, dtype=np.int32)
        self.county = np.zeros(0, dtype=np.int32)
        self.stage = np.zeros(0, dtype=np.int8)
        self.modes = np.zeros(0, dtype=np.uint8)
        self.trl = np.zeros(0, dtype=np.int16)
        self.price = np.zeros(0, dtype=np.float64)  # technologies: price_min_cny
        self.budget = np.zeros(0, dtype=np.float64)  # demands: budget_max_cny
        # technologies: governing evaluation's overall score and valid_until (date ordinal), NaN / -1 none; whether
        # it is still current is decided at query time, so an evaluation expires without any feed event
        self.eval_score = np.zeros(0, dtype=np.float64)
        self.eval_until = np.zeros(0, dtype=np.int32)

    _COLUMNS = ("domain", "province", "city", "county", "stage", "modes", "trl", "price", "budget", "eval_score", "eval_until")

    # ------------------------------------------------------------------ writes
    def set(self, labels: Iterable[int], records: Iterable[dict[str, Any]]) -> None:
        """Record the filter fields of `records` at `labels` (replacing whatever the labels held)."""
        for label, record in zip(labels, records):
            label = int(label)
            self._ensure(label + 1)
            self.domain[label] = self._domain_code(effective_domain(record)[0])  # own domain, else the suggested one
            self.province[label], self.city[label], self.county[label] = _region_prefixes(record.get("region"))
            self.stage[label] = _STAGE_CODE.get(str(record.get("stage")), -1)
            self.modes[label] = _mode_bits(_modes(record, self.entity))
            self.trl[label] = _int_or(record.get("trl"), -1)
            self.price[label] = _float_or_nan(record.get("price_min_cny"))
            self.budget[label] = _float_or_nan(record.get("budget_max_cny"))
            self.eval_score[label], self.eval_until[label] = _evaluation_columns(record)

    def clear(self, labels: Iterable[int]) -> None:
        """Forget the labels' fields (they match no filter value until set again)."""
        labels = np.asarray([int(x) for x in labels if int(x) < self._size], dtype=np.int64)
        if len(labels):
            for name in ("domain", "province", "city", "county", "stage", "trl", "eval_until"):
                getattr(self, name)[labels] = -1
            self.modes[labels] = 0
            self.price[labels] = self.budget[labels] = self.eval_score[labels] = np.nan

    def _ensure(self, size: int) -> None:
        if size <= self._size:
            return
        capacity = max(size, 2 * self._size, 1024)
        fill = {"modes": 0, "price": np.nan, "budget": np.nan, "eval_score": np.nan}
        for name in self._COLUMNS:
            old = getattr(self, name)
            new = np.full(capacity, fill.get(name, -1), dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)
        self._size = capacity

    def _domain_code(self, domain: Any) -> int:
        if not domain:
            return -1
        return self._domains.setdefault(str(domain), len(self._domains))

    # ------------------------------------------------------------------ reads
    def allowed(self, filters: SearchFilters | None, capacity: int) -> np.ndarray | None:
        """Bool mask over labels [0, capacity) passing every requested filter; None when nothing is requested
        (the caller then searches without a filter). Liveness is the dense index's business."""
        if filters is None or not filters.model_dump(exclude_defaults=True):
            return None
        self._ensure(capacity)
        n = capacity
        mask = np.ones(n, dtype=bool)
        if filters.domain:
            code = self._domains.get(filters.domain)
            if code is None:
                return np.zeros(n, dtype=bool)
            mask &= self.domain[:n] == code
        if filters.region:
            mask &= _region_mask(self, filters.region, n)
        if filters.trl_min is not None:
            mask &= self.trl[:n] >= filters.trl_min  # unknown (-1) fails, as in fit.passes
        if filters.stage is not None:
            mask &= self.stage[:n] == _STAGE_CODE[filters.stage.value]
        if filters.transfer_modes:
            wanted = _mode_bits(m.value for m in filters.transfer_modes)  # a list may repeat a mode
            mask &= (self.modes[:n] & wanted) != 0
        if filters.budget_max_cny is not None:
            mask &= ~(self.price[:n] > float(filters.budget_max_cny))  # unknown price (NaN) passes
        if filters.price_max_cny is not None:
            mask &= ~(self.budget[:n] < float(filters.price_max_cny))  # unknown budget (NaN) passes
        if filters.evaluated is not None or filters.min_evaluation_score is not None:
            current = self.eval_until[:n] >= datetime.now(UTC).date().toordinal()  # same clock as fit.evaluation_score
            if filters.evaluated is not None:
                mask &= current if filters.evaluated else ~current
            if filters.min_evaluation_score is not None:
                mask &= current & (self.eval_score[:n] >= filters.min_evaluation_score)
        return mask


def _evaluation_columns(record: dict[str, Any]) -> tuple[float, int]:
    """(overall score, valid_until ordinal) of the record's evaluation summary; (NaN, -1) if none or malformed."""
    score = evaluation_score(record, today=date.min)  # any valid_until: `allowed` compares it with today itself
    if score is None:
        return float("nan"), -1
    return score, date.fromisoformat(str(record["evaluation"]["valid_until"])).toordinal()


def _mode_bits(modes: Iterable[str]) -> int:
    bits = 0
    for mode in modes:
        bits |= _MODE_BIT.get(mode, 0)
    return bits


def _region_mask(index: FilterIndex, region: str, n: int) -> np.ndarray:
    if region.endswith("0000"):
        return index.province[:n] == int(region[:2])
    if region.endswith("00"):
        return index.city[:n] == int(region[:4])
    return index.county[:n] == int(region)


def _region_prefixes(region: Any) -> tuple[int, int, int]:
    """(province, city, county) integer prefixes of a 6-digit GB/T 2260 code; -1s if absent or malformed."""
    code = str(region or "")
    if len(code) != 6 or not code.isdigit():
        return -1, -1, -1
    return int(code[:2]), int(code[:4]), int(code)


def _int_or(value: Any, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def _float_or_nan(value: Any) -> float:
    amount = _amount(value)
    return float("nan") if amount is None else float(amount)
