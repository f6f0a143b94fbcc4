"""API and configuration shapes for commissions (amounts in yuan with 2 decimals on the wire, fen inside)."""
from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.gateway.commissions.engine import CommissionRules, Tier, TierMode, yuan_to_fen
from shared.schemas import Cny


class TierSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    up_to_cny: Cny | None = Field(None, description="Upper bound of the tier in yuan (inclusive); null for the last tier")
    rate: Decimal = Field(ge=0, le=1, description="Rate as a fraction: 0.05 means 5 %", examples=["0.05"])


class CommissionRulesSpec(BaseModel):
    """Commission rules (佣金规则), configured by `GATEWAY_COMMISSION_RULES` (JSON) or `GATEWAY_COMMISSION_RULES_FILE`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "mode": "marginal",
                    "tiers": [
                        {"up_to_cny": "1000000.00", "rate": "0.05"},
                        {"up_to_cny": "5000000.00", "rate": "0.03"},
                        {"up_to_cny": None, "rate": "0.01"},
                    ],
                    "minimum_cny": "5000.00",
                    "cap_cny": "500000.00",
                    "description": "技术合同成交额超额累进：100万元以内5%，100万至500万元3%，500万元以上1%；最低5000元，最高50万元",
                }
            ]
        },
    )
    mode: TierMode = Field(TierMode.marginal, description="`marginal` 超额累进 (each slice at its rate) or `flat` 全额累进")
    tiers: list[TierSpec] = Field(min_length=1, max_length=20)
    minimum_cny: Cny = Decimal("0.00")
    cap_cny: Cny | None = None
    description: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _valid(self) -> "CommissionRulesSpec":
        self.to_rules()  # raises ValueError with a readable message
        return self

    def to_rules(self) -> CommissionRules:
        return CommissionRules(
            tiers=tuple(
                Tier(None if t.up_to_cny is None else yuan_to_fen(t.up_to_cny), t.rate) for t in self.tiers
            ),
            mode=self.mode,
            minimum_fen=yuan_to_fen(self.minimum_cny),
            cap_fen=None if self.cap_cny is None else yuan_to_fen(self.cap_cny),
        )


class AllocationPublic(BaseModel):
    broker_org_id: str = Field(examples=["org_5f2a9c"])
    share_percent: Decimal = Field(examples=["60"])
    amount_cny: Decimal = Field(examples=["21000.00"])


class CommissionPreview(BaseModel):
    contract_amount_cny: Decimal = Field(examples=["3000000.00"])
    commission_cny: Decimal = Field(examples=["110000.00"])
    rules: CommissionRulesSpec


class CommissionPublic(BaseModel):
    deal_id: str
    contract_amount_cny: Decimal = Field(examples=["3000000.00"])
    commission_cny: Decimal = Field(examples=["110000.00"])
    allocations: list[AllocationPublic]
    rules: CommissionRulesSpec = Field(description="The rules in force when the commission was computed")
