"""Arguments and results of the demo agent's tools (lookup_order, issue_refund, ...)."""

from __future__ import annotations

import json
import random
from typing import Any

from spanscope.demo.story import CARRIERS, CITIES, PRODUCTS

dumps = json.JSONEncoder(separators=(",", ":")).encode

DESCRIPTIONS = {
    "lookup_order": "Fetch an order with its items, payment and delivery details.",
    "get_shipping_status": "Get the carrier tracking status and scan history of an order.",
    "issue_refund": "Refund all or part of an order to the original payment method.",
    "search_kb": "Search the Acme help center articles.",
    "escalate_to_human": "Open a ticket for a human agent and hand the conversation over.",
}
_SCANS = [
    "Label created",
    "Picked up",
    "Departed facility",
    "Arrived at facility",
    "In transit",
    "Out for delivery",
    "Delivery exception: address not accessible",
    "Delivered, front desk",
]


def order_slots(rng: random.Random, days: int | None = None) -> dict[str, str]:
    sku, product, price = rng.choice(PRODUCTS)
    qty = rng.choice((1, 1, 1, 2))
    return {
        "order": f"A-{rng.randint(100000, 999999)}",
        "sku": sku,
        "product": product,
        "amount": f"{price * qty:.2f}",
        "qty": str(qty),
        "days": str(days if days is not None else rng.randint(2, 80)),
        "city": rng.choice(CITIES),
        "carrier": rng.choice(CARRIERS),
        "last4": f"{rng.randint(0, 9999):04d}",
    }


def arguments(tool: str, slots: dict[str, str], topic: str) -> dict[str, Any]:
    if tool == "issue_refund":
        return {
            "order_id": slots["order"],
            "amount": float(slots["amount"]),
            "reason": "damaged" if topic == "damaged" else "customer_request",
        }
    if tool == "search_kb":
        return {"query": f"{topic.replace('_', ' ')} policy", "top_k": 3}
    if tool == "escalate_to_human":
        return {
            "reason": topic,
            "priority": "normal",
            "summary": f"Customer needs help with {topic.replace('_', ' ')} on {slots['order']}",
        }
    return {"order_id": slots["order"]}


def result(rng: random.Random, tool: str, slots: dict[str, str], ctx: dict[str, Any]) -> str:
    """The tool's dict[str, Any] result text for these order ``slots``."""
    if tool == "lookup_order":
        return dumps(_order(rng, slots, ctx))
    if tool == "get_shipping_status":
        return dumps(_shipping(rng, slots))
    if tool == "issue_refund":
        return dumps(
            {
                "refund_id": f"rf_{rng.getrandbits(48):012x}",
                "order_id": slots["order"],
                "amount": float(slots["amount"]),
                "currency": "USD",
                "status": "pending",
                "expected_in_days": rng.choice((5, 7, 10)),
            }
        )
    if tool == "search_kb":
        return dumps(
            {
                "results": [
                    {
                        "id": f"hc-{rng.randint(1000, 9999)}",
                        "title": rng.choice(_TITLES),
                        "snippet": rng.choice(_SNIPPETS),
                    }
                    for _ in range(3)
                ]
            }
        )
    return dumps(
        {
            "ticket_id": f"HD-{rng.randint(10000, 99999)}",
            "queue": "tier2-support",
            "eta_minutes": rng.choice((10, 25, 45, 90)),
            "status": "open",
        }
    )


def _order(rng: random.Random, slots: dict[str, str], ctx: dict[str, Any]) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {
            "sku": slots["sku"],
            "name": slots["product"],
            "qty": int(slots["qty"]),
            "unit_price": round(float(slots["amount"]) / int(slots["qty"]), 2),
        }
    ]
    for _ in range(rng.randint(0, 3)):
        sku, name, price = rng.choice(PRODUCTS)
        items.append({"sku": sku, "name": name, "qty": 1, "unit_price": price})
    days = int(slots["days"])
    return {
        "order_id": slots["order"],
        "status": "delivered" if days > 3 else "in_transit",
        "placed_days_ago": days + rng.randint(2, 6),
        "delivered_days_ago": days,
        "customer": {"id": ctx["user"], "email": "j***@example.com", "tier": ctx["tier"]},
        "items": items,
        "total": round(sum(x["unit_price"] * x["qty"] for x in items), 2),
        "currency": "USD",
        "payment": {"method": "visa", "last4": slots["last4"]},
        "shipping": {"carrier": slots["carrier"], "service": "standard", "city": slots["city"]},
        "notes": rng.choice(("", "", "Gift order", "Customer called about this order before")),
    }


def _shipping(rng: random.Random, slots: dict[str, str]) -> dict[str, Any]:
    n = rng.randint(2, 6)
    return {
        "order_id": slots["order"],
        "carrier": slots["carrier"],
        "tracking_number": f"1Z{rng.getrandbits(60):015X}",
        "status": _SCANS[n].split(",")[0],
        "estimated_delivery": f"in {rng.randint(1, 5)} business days",
        "events": [
            {"days_ago": n - k, "location": rng.choice(CITIES), "description": _SCANS[k]}
            for k in range(n)
        ],
    }


def stuck_shipping(slots: dict[str, str]) -> str:
    """The same unchanging status a runaway agent keeps polling."""
    return dumps(
        {
            "order_id": slots["order"],
            "carrier": slots["carrier"],
            "status": "In transit",
            "estimated_delivery": "unknown",
            "events": [
                {"days_ago": 6, "location": slots["city"], "description": "Departed facility"}
            ],
        }
    )


_TITLES = [
    "Returns and refunds",
    "Tracking your order",
    "Payment methods we accept",
    "Using promo codes and gift cards",
    "Cancelling an order",
    "Damaged or missing items",
    "Printing a return label",
    "Acme Plus membership benefits",
]
_SNIPPETS = [
    "Start a return from the Orders page. Choose the items, the reason, and how you want to be "
    "refunded. We email a prepaid label if your membership includes free returns.",
    "Tracking becomes available once the carrier scans your parcel. If it hasn't moved in five "
    "business days, contact us and we'll open a trace with the carrier.",
    "If your card is declined, check that the billing address matches the one your bank has on "
    "file. Pending authorisations from failed attempts drop off within 3 to 5 days.",
    "Only one promo code can be used per order. Gift cards count as payment, not as a discount, "
    "so you can combine them with a code.",
    "Orders can be cancelled until they enter fulfilment, usually about an hour after checkout.",
]
