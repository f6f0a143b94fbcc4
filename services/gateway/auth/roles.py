from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"  # 平台管理员
    broker = "broker"  # 技术经纪人
    enterprise = "enterprise"  # 企业 (需求方/供给方)
    platform = "platform"  # 第三方交易平台 (bulk sync)
    evaluator = "evaluator"  # 技术评价机构
    authority = "authority"  # 行政执法/司法机关 (市场监管局、知识产权局、法院): records infringement decisions
