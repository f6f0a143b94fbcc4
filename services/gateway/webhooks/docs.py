"""The OpenAPI 3.1 `webhooks` section: one entry per event the gateway POSTs to subscribers."""
# No `from __future__ import annotations`: FastAPI reads the per-event body type from the annotation.

from typing import Annotated, Any

from fastapi import Body, FastAPI, Header, Response

from services.gateway.webhooks.schemas import EVENT_MODELS, EventType

SUMMARIES = {
    EventType.introduction_requested: "有经纪人申请引荐 (to the candidate's owner organization)",
    EventType.introduction_accepted: "引荐已接受，交易开启 (to the broker; `data.deal_id` is the new deal)",
    EventType.introduction_declined: "引荐被拒绝 (to the broker, with the reason)",
    EventType.deal_stage_changed: "交易阶段变更 (to every organization in the deal)",
    EventType.commission_computed: "佣金已计算 (to the brokers sharing the deal, when it closes)",
    EventType.match_found: "发现新的匹配技术 (to the organization whose interest or demand it fits)",
    EventType.trade_listing_published: "挂牌公示开始 (to the seller)",
    EventType.trade_listing_objection_raised: "公示期收到异议 (to the seller and the platform operator)",
    EventType.trade_listing_objection_resolved: "异议已处理 (to the seller and the objector)",
    EventType.trade_listing_applied: "有意向受让方报名 (to the seller)",
    EventType.trade_listing_concluded: "挂牌结束：协议成交、转入拍卖、流拍、中止或撤回 (to the seller and applicants)",
    EventType.auction_opened: "拍卖开始 (to the seller and qualified applicants)",
    EventType.auction_bidder_registered: "竞买人登记并缴纳保证金 (to the seller)",
    EventType.auction_bid_placed: "出价 (English: to the seller, bidders; sealed: a receipt to the bidder only)",
    EventType.auction_extended: "延时竞价：结束时间顺延 (to the seller and bidders)",
    EventType.auction_closed: "拍卖结束，成交或流拍 (to the seller and bidders)",
    EventType.tender_published: "招标公告发布 (to the buyer)",
    EventType.tender_offer_submitted: "投标回执 (to the bidder only: offers stay sealed)",
    EventType.tender_opened: "开标 (to the buyer and every bidder)",
    EventType.tender_awarded: "中标结果 (to the buyer and every bidder)",
    EventType.contract_registered: "技术合同已登记 (to the parties and brokers)",
    EventType.patent_status_changed: "专利法律状态变更 (to the holder organizations)",
    EventType.infringement_recorded: "侵权行为信息记录 (to the accused and the claimant)",
    EventType.infringement_updated: "侵权记录答辩、申诉、复核或更正 (to the accused and the claimant)",
    EventType.finance_introduction_requested: "融资对接申请 (to the need's organization and the financier)",
    EventType.finance_introduction_answered: "融资对接已答复 (accepted or declined)",
    EventType.finance_granted: "融资已发放 (the granted amount)",
    EventType.evaluation_requested: "技术评价申请 (to the evaluator asked)",
    EventType.evaluation_request_decided: "评价申请已接受、拒绝或撤回 (to the owner or the evaluator)",
    EventType.evaluation_recorded: "技术评价已出具或撤回 (to the technology's owner)",
    EventType.evaluation_responded: "持有方对评价的回应 (to the evaluator)",
    EventType.catalog_nominated: "技术被提名入推广目录 (to the technology's owner, when someone else nominated it)",
    EventType.catalog_published: "推广目录发布 (to the owner of each technology in the edition)",
    EventType.catalog_entry_withdrawn: "目录动态调整：条目撤出 (to the owner, with the reason)",
    EventType.challenge_published: "揭榜挂帅发布 (to the appointed evaluators)",
    EventType.challenge_solver_proposed: "平台推荐您揭榜 (to owners of technologies matching proposed)",
    EventType.challenge_entry_submitted: "收到揭榜方案 (to the challenge owner)",
    EventType.challenge_awarded: "揭榜结果：立项奖励 (to the owner and each awarded solver)",
}
RECEIVER_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Any 2xx acknowledges the delivery; anything else (or no answer in time) is retried with backoff"},
}


def document_webhooks(app: FastAPI) -> None:
    for event_type, model in EVENT_MODELS.items():
        _register(app, event_type, model)


def _register(app: FastAPI, event_type: EventType, model: type) -> None:
    async def receiver(
        body: Annotated[model, Body()],  # type: ignore[valid-type]
        x_greentech_signature: Annotated[str, Header(alias="X-Greentech-Signature", description="`t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>` with your subscription secret")],
        x_greentech_event_id: Annotated[str, Header(alias="X-Greentech-Event-Id", description="Event id: deliveries are at least once, dedupe by it")],
        x_greentech_event: Annotated[str, Header(alias="X-Greentech-Event", description="The event type", examples=[event_type.value])],
    ) -> Response:
        raise NotImplementedError  # documentation only: subscribers implement this endpoint

    app.webhooks.post(event_type.value, name=f"on_{event_type.value.replace('.', '_')}", summary=SUMMARIES[event_type],
                      tags=["webhooks"], responses=RECEIVER_RESPONSES, status_code=200)(receiver)
