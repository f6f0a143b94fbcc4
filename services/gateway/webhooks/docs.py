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
