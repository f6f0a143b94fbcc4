"""How often the suggested domain is right, on records whose domain a person chose.

`python -m services.registry suggestion-accuracy` measures the demo technologies and demands (written by the
project with domains) and, when given, the WIPO GREEN wind file (every record is wind energy: clean_energy/wind).
Nothing is fitted on these records, so no cross-validation is needed; the lexicon was written by hand, by
someone who had seen the demo records, so the demo figures are optimistic and the WIPO figure is the
out-of-sample check (English text).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from shared.domain_suggestion import suggest_for_record

BANDS = ((0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01))


def measure(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Coverage (share with a suggestion), domain and subdomain accuracy, accuracy per confidence band."""
    total = suggested = right = sub_total = sub_right = 0
    bands: dict[str, list[int]] = {f"{lo:.1f}-{min(hi, 1.0):.1f}": [0, 0] for lo, hi in BANDS}
    confusions: Counter[str] = Counter()
    for record in records:
        if not record.get("domain"):
            continue
        total += 1
        suggestion = suggest_for_record({**record, "domain": None, "subdomain": None})
        if suggestion is None:
            continue
        suggested += 1
        ok = suggestion.domain == record["domain"]
        right += ok
        if not ok:
            confusions[f"{record['domain']} -> {suggestion.domain}"] += 1
        band = next(f"{lo:.1f}-{min(hi, 1.0):.1f}" for lo, hi in BANDS if lo <= suggestion.confidence < hi)
        bands[band][0] += 1
        bands[band][1] += ok
        if ok and suggestion.subdomain and record.get("subdomain"):
            sub_total += 1
            sub_right += suggestion.subdomain == record["subdomain"]
    return {
        "records": total,
        "suggested": suggested,
        "coverage": round(suggested / total, 3) if total else None,
        "domain_accuracy": round(right / suggested, 3) if suggested else None,
        "subdomain_accuracy_when_domain_right": round(sub_right / sub_total, 3) if sub_total else None,
        "accuracy_by_confidence": {band: {"n": n, "accuracy": round(k / n, 2) if n else None} for band, (n, k) in bands.items()},
        "top_confusions": confusions.most_common(5),
    }


def wipo_wind_records(raw: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """WIPO GREEN wind file as records with their known domain (the English fields only)."""
    return [{"title": r.get("technologyNameEN"), "description": r.get("description"), "domain": "clean_energy", "subdomain": "wind"}
            for r in raw]
