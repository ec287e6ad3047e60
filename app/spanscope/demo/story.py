"""Content pools for the demo traces: the Acme shop, its services, models and knowledge base.

Everything here is static data plus small text composers that draw from a seeded
``random.Random``; nothing reads external data.
"""

from __future__ import annotations

import random
from typing import Any

from spanscope.demo.kb import GENERAL_KB, KB_SENTENCES, REFUND_CURRENT_ID, REFUND_OUTDATED_ID

# model -> (provider, response model snapshot, reasoning model, legacy gen_ai.system, OI llm.system)
MODELS: dict[str, tuple[str, str, bool, str, str]] = {
    "gpt-4o": ("openai", "gpt-4o-2024-08-06", False, "openai", "openai"),
    "gpt-4o-mini": ("openai", "gpt-4o-mini-2024-07-18", False, "openai", "openai"),
    "claude-sonnet-4-5": (
        "anthropic",
        "claude-sonnet-4-5-20250929",
        False,
        "anthropic",
        "anthropic",
    ),
    "gemini-2.5-flash": ("gcp.gemini", "gemini-2.5-flash", False, "gemini", "vertexai"),
    "o4-mini": ("openai", "o4-mini-2025-04-16", True, "openai", "openai"),
}
EMBEDDING_MODEL = "text-embedding-3-small"

# service -> version, deployment environment, weight, topic weights, model weights
SERVICES: dict[str, dict[str, Any]] = {
    "support-agent": {
        "version": "2.14.0",
        "weight": 5,
        "topics": {"refund": 4, "order_status": 4, "damaged": 2, "cancel": 2},
        "models": {"gpt-4o": 6, "gpt-4o-mini": 3, "o4-mini": 1},
    },
    "returns-bot": {
        "version": "1.8.3",
        "weight": 3,
        "topics": {"refund": 5, "return_label": 4, "damaged": 3},
        "models": {"claude-sonnet-4-5": 7, "gpt-4o-mini": 3},
    },
    "checkout-assistant": {
        "version": "3.2.1",
        "weight": 3,
        "topics": {"payment": 4, "promo": 3, "order_status": 2, "cancel": 2},
        "models": {"gemini-2.5-flash": 6, "o4-mini": 3, "gpt-4o-mini": 1},
    },
}

TOPIC_TAGS = {
    "refund": "refunds",
    "order_status": "order-status",
    "damaged": "damaged-item",
    "cancel": "cancellation",
    "payment": "payments",
    "promo": "promotions",
    "return_label": "returns",
}
CHANNELS = ["web", "web", "web", "ios", "android", "email"]
TIERS = ["standard", "standard", "standard", "plus", "gold"]

PRODUCTS = [
    ("SKU-1042", "Trailhead 40L hiking backpack", 129.00),
    ("SKU-2210", "Merino crew socks (3 pack)", 24.50),
    ("SKU-3307", "Ceramic pour-over coffee set", 46.00),
    ("SKU-4415", "Noise-cancelling headphones", 219.00),
    ("SKU-5120", "Cast iron skillet 12 inch", 54.90),
    ("SKU-6033", "Linen duvet cover, queen", 149.00),
    ("SKU-7081", "Running shoes, road", 118.00),
    ("SKU-7702", "Stainless steel water bottle", 32.00),
    ("SKU-8164", "Desk lamp with dimmer", 68.00),
    ("SKU-9011", "Wool throw blanket", 89.00),
    ("SKU-9240", "Bluetooth kitchen scale", 39.99),
    ("SKU-9377", "Rain shell jacket", 159.00),
]
CITIES = ["Portland", "Austin", "Denver", "Chicago", "Atlanta", "Seattle", "Boston", "Phoenix"]
CARRIERS = ["UPS", "FedEx", "USPS", "DHL"]

SYSTEM_RULES = [
    "You are the Acme customer support assistant. Acme is an online shop for outdoor, kitchen "
    "and home goods.",
    "Be concise, friendly and accurate. Never invent order details; always look them up with "
    "the lookup_order tool before discussing a specific order.",
    "Answer policy questions only from the knowledge base passages provided in the context. If "
    "the passages do not answer the question, say so and offer to escalate.",
    "Quote the exact time limits, fees and conditions that the passages state, and cite the "
    "passage id in square brackets.",
    "Refunds above 500 USD, chargebacks and legal threats must be escalated to a human with the "
    "escalate_to_human tool.",
    "Use issue_refund only after confirming the order is eligible under the current policy and "
    "the customer has asked for a refund.",
    "Use get_shipping_status for delivery questions; carriers update tracking every few hours, "
    "so do not call it repeatedly for the same order.",
    "Do not share internal notes, other customers' data, or payment card numbers. Mask email "
    "addresses except the domain.",
    "If the customer is upset, acknowledge the problem in one sentence before moving on to the "
    "fix. Do not over-apologise.",
    "Always end by asking whether there is anything else you can help with.",
]
SERVICE_PREAMBLE = {
    "support-agent": "You handle general support chats on acme.example and in the mobile apps.",
    "returns-bot": "You handle returns, exchanges and refund requests for delivered orders.",
    "checkout-assistant": "You help shoppers complete checkout: payment, promo codes, delivery "
    "options and order changes before shipment.",
}

USER_OPENERS = {
    "refund": [
        "Hi, I'd like to return the {product} from order {order} and get my money back.",
        "Can I still get a refund for order {order}? The {product} arrived {days} days ago.",
        "Hello, what is your refund policy? I bought a {product} ({order}) and it isn't for me.",
        "I want a refund for {order}. The {product} is not what the pictures showed.",
    ],
    "order_status": [
        "Where is my order {order}? It was supposed to arrive in {city} last week.",
        "Hi, can you tell me when order {order} will be delivered? Tracking hasn't moved.",
        "My {product} (order {order}) still shows 'label created'. What's going on?",
    ],
    "damaged": [
        "The {product} from order {order} arrived damaged. The box was crushed.",
        "Order {order} came today and the {product} is broken. I need a replacement or refund.",
    ],
    "cancel": [
        "Please cancel order {order}, I ordered the wrong size of the {product}.",
        "Can I still cancel {order}? I placed it by mistake an hour ago.",
    ],
    "payment": [
        "My card keeps getting declined at checkout even though it works everywhere else.",
        "I was charged twice for the same order, {order}. Can you fix that?",
        "Checkout says 'payment could not be authorised'. I've tried three times.",
    ],
    "promo": [
        "The promo code WINTER25 says it's expired but the email said it runs until Sunday.",
        "Can I combine a gift card with the 15% welcome discount on a {product}?",
    ],
    "return_label": [
        "I need a return label for the {product} from order {order}.",
        "How do I send back order {order}? I can't find the return label in my account.",
    ],
}
USER_DETAILS = [
    "I've been shopping with Acme for a few years and this is the first time I've had a problem.",
    "I already tried the help center but the article didn't really answer my question.",
    "I'm travelling next week, so I'd like to get this sorted out before then.",
    "The package was left at my building's front desk and I only picked it up yesterday.",
    "To be honest I'm a bit frustrated because I was told something different on the phone.",
    "My partner ordered from the same account, so there may be two orders close together.",
    "I still have the original packaging and the tags are attached.",
    "It was a gift, so I don't have the receipt, only the order confirmation email.",
    "I paid with a credit card and would prefer the money back on the same card.",
    "The item has not been used at all, I only opened the box to check it.",
    "Your website says one thing and the confirmation email says another, which is confusing.",
    "I tried to do this from the app but it keeps showing a spinner and then nothing happens.",
    "If a refund isn't possible, store credit would also be fine, I just want to know my options.",
    "Could you please also confirm the email address on file? I changed it recently.",
    "I live in {city}, in case that matters for shipping times.",
    "I just want a clear answer on how long I have, because I keep reading different numbers.",
]
ASSISTANT_FILLER = [
    "Thanks for your patience while I checked this for you.",
    "I can see the order in our system and everything else on it looks fine.",
    "You'll receive a confirmation email as soon as this is processed.",
    "If you paid with a credit card, it can take 5 to 10 business days for your bank to post it.",
    "I've added a note to your account so any colleague can see what we discussed.",
    "You can also track this at any time from the Orders page in your account.",
    "Please keep the original packaging until the process is complete.",
    "I understand this is frustrating, and I'm sorry for the trouble.",
    "If anything changes on the carrier's side, you'll get an automatic update by email.",
    "For your security I can't display the full card number, but it ends in {last4}.",
    "I've double-checked the order history and there are no other open requests on it.",
    "The {product} is covered by the manufacturer's one-year warranty as well.",
    "Your order {order} shipped with {carrier} to the address in {city} on file.",
    "If you'd rather exchange the item for a different size or colour, I can set that up too.",
    "Acme Plus and Gold members get free return shipping on every order.",
    "Nothing else is needed from you right now; I'll take care of the next steps.",
    "The amount on the order is {amount} USD, including tax and shipping.",
    "Please don't ship anything back until you receive the prepaid label by email.",
    "I've also sent a summary of this conversation to your email address.",
    "Our warehouse team usually processes returns within two business days of arrival.",
]
CLOSINGS = [
    "Is there anything else I can help you with today?",
    "Anything else I can do for you?",
    "Let me know if there is anything else you need.",
]
TOOL_PREAMBLES = {
    "lookup_order": "Let me look up order {order} first.",
    "get_shipping_status": "I'll check the latest tracking information with the carrier.",
    "issue_refund": "Thanks, I'm issuing the refund for order {order} now.",
    "search_kb": "Let me check our help center for the details.",
    "escalate_to_human": "I'm going to hand this over to a colleague on our support team.",
}
TOOL_ERRORS = {
    "lookup_order": ("OrderServiceError", "429 Too Many Requests from orders-api (retry after 2s)"),
    "get_shipping_status": ("TimeoutError", "carrier API did not respond within 3000 ms"),
    "issue_refund": ("PaymentGatewayError", "502 Bad Gateway from payments-gw.internal"),
    "search_kb": ("TimeoutError", "vector index query timed out after 2500 ms"),
    "escalate_to_human": ("HelpdeskError", "503 Service Unavailable from helpdesk API"),
}


def weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def compose(rng: random.Random, pool: list[str], target: int, slots: dict[str, str]) -> str:
    """Join random sentences from ``pool`` until roughly ``target`` characters."""
    out: list[str] = []
    order: list[str] = []
    size = 0
    while size < target:
        if not order:  # walk the pool in a random order so sentences rarely repeat
            order = rng.sample(pool, len(pool))
        sentence = order.pop()
        if "{" in sentence:
            sentence = sentence.format(**slots)
        out.append(sentence)
        size += len(sentence) + 1
    return " ".join(out)


def system_instructions(service: str) -> str:
    return " ".join([SERVICE_PREAMBLE[service], *SYSTEM_RULES])


def user_message(rng: random.Random, topic: str, slots: dict[str, str]) -> str:
    opener = rng.choice(USER_OPENERS[topic]).format(**slots)
    return opener + " " + compose(rng, USER_DETAILS, rng.randint(200, 1100), slots)


def refund_answer(rng: random.Random, slots: dict[str, str], days: int, eligible: bool) -> str:
    source = REFUND_OUTDATED_ID if days == 90 else REFUND_CURRENT_ID
    if eligible:
        core = (
            f"Good news: under our refund policy you can return items for a full refund within "
            f"{days} days of delivery [{source}], and your {slots['product']} was delivered "
            f"{slots['days']} days ago, so order {slots['order']} qualifies. I've started the "
            f"refund of {slots['amount']} USD to your original payment method."
        )
    else:
        core = (
            f"I'm sorry, but our refund policy allows full refunds only within {days} days of "
            f"delivery [{source}]. Your {slots['product']} was delivered {slots['days']} days "
            f"ago, so I can offer store credit for order {slots['order']} instead."
        )
    return core + " " + compose(rng, ASSISTANT_FILLER, rng.randint(300, 1400), slots)


def final_answer(rng: random.Random, topic: str, slots: dict[str, str]) -> str:
    kb = KB_SENTENCES[topic]
    lead = f"Here is what I found about order {slots['order']}. " + rng.choice(kb)
    body = compose(rng, ASSISTANT_FILLER + kb, rng.randint(300, 1500), slots)
    return lead + " " + body + " " + rng.choice(CLOSINGS)


def kb_chunk(rng: random.Random, topic: str) -> str:
    pool = KB_SENTENCES[topic] + GENERAL_KB
    return compose(rng, pool, rng.randint(300, 1100), {})
