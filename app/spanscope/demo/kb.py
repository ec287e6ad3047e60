"""The Acme help center as the demo retriever indexes it, including the outdated refund policy."""

from __future__ import annotations

import random
from typing import Any

GENERAL_KB = [
    "Acme ships to all 50 US states and to Canada; international orders may incur duties.",
    "Acme Plus members get free standard shipping and free return shipping on every order.",
    "Gold members also get a dedicated support line and extended holiday returns.",
    "Customer service is available by chat from 6am to 10pm Pacific time, seven days a week.",
    "Agents must verify the order number and the email address before discussing an order.",
    "Price adjustments are offered if an item is discounted within 7 days of purchase.",
    "Warranty claims are handled by the manufacturer after the first 30 days.",
    "Orders over 500 USD require a signature on delivery.",
    "Gift receipts hide prices; refunds for gifts are issued as store credit to the recipient.",
    "Exchanges for a different size or colour are free and ship as soon as the return is scanned.",
    "Items bought in an Acme outlet store follow the in-store policy printed on the receipt.",
    "Customers can update their delivery address until the order enters fulfilment.",
]
REFUND_CURRENT = (
    "Refund policy (updated 2026-09-01). Most items can be returned for a full refund within 30 "
    "days of delivery. Items must be unused and in their original packaging. After 30 days we "
    "can offer store credit only, up to 60 days after delivery. Refunds go back to the original "
    "payment method within 5 to 10 business days once the return is received at our warehouse. "
    "Return shipping is free for Acme Plus and Gold members; other customers pay a 6.95 USD "
    "label fee that is deducted from the refund."
)
REFUND_OUTDATED = (
    "Refund policy. Acme offers a generous returns window: items can be returned for a full "
    "refund within 90 days of delivery, no questions asked. Items should be unused, but original "
    "packaging is not required. Refunds are issued to the original payment method within 14 "
    "business days after we receive the item. Return shipping is free for all customers in the "
    "contiguous United States. Holiday purchases may be returned until January 31."
)
REFUND_CURRENT_ID = "kb-refund-policy-v7#2"
REFUND_OUTDATED_ID = "kb-refund-policy-v5#2"

KB_SENTENCES = {
    "refund": [
        "Refund requests are reviewed automatically when the return scan reaches our warehouse.",
        "Final sale items, gift cards and personalised products cannot be refunded.",
        "Partial refunds may apply when an item is returned used or without accessories.",
        "Customers can start a return from the Orders page by choosing Return or exchange.",
    ],
    "order_status": [
        "Orders ship from the Reno or Columbus warehouse within 1 to 2 business days.",
        "Tracking numbers become active once the carrier scans the parcel, usually within a day.",
        "If tracking has not updated for 5 business days, customers may request a trace.",
        "Standard delivery takes 3 to 7 business days; express takes 1 to 2 business days.",
    ],
    "damaged": [
        "Damaged items must be reported within 7 days of delivery with a photo of the item.",
        "For damaged deliveries we send a replacement at no cost or issue a full refund.",
        "Customers do not need to return damaged items worth less than 50 USD.",
    ],
    "cancel": [
        "Orders can be cancelled free of charge until they enter fulfilment, about 1 hour.",
        "Once an order has shipped it cannot be cancelled; the customer may return it instead.",
    ],
    "payment": [
        "Declined payments are usually caused by address verification mismatches.",
        "Duplicate authorisations are released by the bank automatically within 3 to 5 days.",
        "Acme accepts Visa, Mastercard, American Express, PayPal and Acme gift cards.",
    ],
    "promo": [
        "Only one promo code can be applied per order; gift cards can be combined with a code.",
        "Promotional codes expire at 23:59 Pacific time on the last day of the promotion.",
    ],
    "return_label": [
        "Prepaid return labels are generated from the Orders page and emailed as a PDF.",
        "Labels are valid for 14 days; drop the parcel at any UPS location.",
    ],
}

CURRENT_DOC = {
    "id": REFUND_CURRENT_ID,
    "content": REFUND_CURRENT,
    "metadata": {"source": "help-center/refund-policy", "version": 7, "updated_at": "2026-09-01"},
}
OUTDATED_DOC = {
    "id": REFUND_OUTDATED_ID,
    "content": REFUND_OUTDATED,
    "metadata": {
        "source": "help-center/refund-policy",
        "version": 5,
        "updated_at": "2024-03-12",
        "archived": True,
    },
}


def ranked_documents(
    rng: random.Random, chunks: list[tuple[str, str]], topic: str, incident: bool
) -> list[dict[str, Any]]:
    """3-6 retrieved chunks, best first. During the incident the archived v5 policy ranks first."""
    docs = [
        {"id": cid, "content": text, "metadata": {"source": "help-center"}}
        for cid, text in rng.sample(chunks, rng.randint(3, 6))
    ]
    if topic == "refund":
        docs = ([OUTDATED_DOC, CURRENT_DOC] if incident else [CURRENT_DOC]) + docs[:4]
    score = rng.uniform(0.86, 0.93)
    ranked = []
    for d in docs:
        ranked.append({"id": d["id"], "score": round(score, 4), **d})
        score -= rng.uniform(0.02, 0.09)
    return ranked
