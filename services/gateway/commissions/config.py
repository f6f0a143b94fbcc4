"""Where the commission rules come from: env JSON, a JSON file, or the built-in default."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from services.gateway.commissions.schemas import CommissionRulesSpec

# A common shape for technology-market brokerage fees: marginal tiers with a floor and a ceiling.
DEFAULT_RULES = {
    "mode": "marginal",
    "tiers": [
        {"up_to_cny": "1000000.00", "rate": "0.05"},
        {"up_to_cny": "5000000.00", "rate": "0.03"},
        {"up_to_cny": "10000000.00", "rate": "0.02"},
        {"up_to_cny": None, "rate": "0.01"},
    ],
    "minimum_cny": "5000.00",
    "cap_cny": "500000.00",
    "description": "超额累进：100万元以内5%，100万-500万元部分3%，500万-1000万元部分2%，1000万元以上部分1%；最低5000元，封顶50万元",
}


class CommissionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")
    commission_rules: str | None = None  # JSON text of CommissionRulesSpec
    commission_rules_file: Path | None = None


def load_rules(settings: CommissionSettings | None = None) -> CommissionRulesSpec:
    s = settings or CommissionSettings()
    if s.commission_rules:
        return CommissionRulesSpec.model_validate_json(s.commission_rules)
    if s.commission_rules_file:
        return CommissionRulesSpec.model_validate(json.loads(s.commission_rules_file.read_text(encoding="utf-8")))
    return CommissionRulesSpec.model_validate(DEFAULT_RULES)


@lru_cache(maxsize=1)
def current_rules() -> CommissionRulesSpec:
    """Rules read once per process (a bad configuration fails at start-up, not on the first deal)."""
    return load_rules()
