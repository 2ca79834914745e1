"""Phrase bank for the synthetic demo corpus: planted topics, each with many phrasings.

Every topic has a touch point, a polarity (how it pushes the 0–10 score) and clause templates.
Slots in braces are filled from ``SLOTS``. Wording is deliberately varied (registers, typos,
lengths) so that clustering has real work to do; it is synthetic and labelled so in the README.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlantedTopic:
    key: str
    touchpoint: str
    polarity: float
    templates: tuple[str, ...]
    subject: str = ""  # what the topic is about when praise and complaints share a subject


SLOTS: dict[str, tuple[str, ...]] = {
    "item": (
        "jacket",
        "sofa",
        "headphones",
        "trainers",
        "kettle",
        "desk chair",
        "phone case",
        "winter coat",
        "blender",
        "bed frame",
        "lamp",
        "backpack",
        "coffee machine",
        "rug",
    ),
    "days": ("3", "4", "five", "6", "7", "ten", "two", "12"),
    "minutes": ("40", "45", "50", "an hour", "90", "over an hour", "35", "55"),
    "agent": ("Sarah", "Tom", "Priya", "James", "Aisha", "Marco", "Emily", "Daniel"),
    "amount": ("£12.99", "£45", "$30", "£7.50", "$89", "£120", "the full amount"),
    "weeks": ("two weeks", "three weeks", "a month", "10 days", "over a fortnight", "6 weeks"),
    "version": ("5.2", "the latest version", "the new version", "5.2.1"),
}

TOPICS: tuple[PlantedTopic, ...] = (
    PlantedTopic(
        "delivery_delay",
        "delivery",
        -1.6,
        (
            "my {item} arrived {days} days late",
            "the parcel turned up almost a week after the promised date",
            "delivery was late again and nobody told me why",
            "still waiting for my order after {weeks}",
            "the courier missed the delivery slot twice",
            "order was supposed to come Tuesday and came the following Monday",
            "tracking said out for delivery for {days} days straight",
            "delivery took way longer than the estimate on the website",
            "parcel was delayed with no update from the courier",
            "i had to chase the late delivery three times",
            "next day delivery my foot, it took {days} days",
            "waited in all day and the driver never came",
            "the delivery date kept getting pushed back",
            "order arrived late so the gift missed the birthday",
            "shipping was really slow this time",
        ),
    ),
    PlantedTopic(
        "damaged_item",
        "delivery",
        -1.8,
        (
            "the {item} arrived broken",
            "box was crushed and the {item} inside was damaged",
            "item came scratched and dented",
            "my {item} was smashed when I opened the parcel",
            "packaging was torn and half the parts were missing",
            "received a damaged {item} with a cracked panel",
            "the {item} had a big tear in it straight out of the box",
            "product arrived in pieces, clearly dropped in transit",
            "glass was shattered on arrival",
            "the {item} was faulty and damaged when it came",
        ),
    ),
    PlantedTopic(
        "staff_friendly",
        "support",
        1.6,
        (
            "{agent} was lovely and really patient with me",
            "the staff were so friendly and helpful",
            "{agent} on the phone was brilliant",
            "really kind advisor who listened to my problem",
            "the lady in store was super helpful",
            "{agent} went above and beyond for me",
            "customer service rep was polite and knew what she was talking about",
            "the team were courteous and friendly throughout",
            "massive thanks to {agent} who was an absolute star",
            "your agent was very understanding and warm",
            "staff were cheerful and made me feel welcome",
            "the guy on the chat was genuinely helpful",
        ),
    ),
    PlantedTopic(
        "wait_time",
        "support",
        -1.3,
        (
            "i was on hold for {minutes} minutes",
            "waited {minutes} minutes to speak to anyone",
            "the queue on the phone line was ridiculous",
            "took forever to get through to customer service",
            "kept on hold with that awful music for ages",
            "the chat said 2 minutes wait but it was {minutes}",
            "hold times are far too long",
            "had to wait ages before someone picked up",
            "it took {minutes} minutes in the queue before I got an answer",
            "the waiting time to reach an advisor is unacceptable",
            "nobody answered the phone for {minutes} minutes",
        ),
    ),
    PlantedTopic(
        "billing_error",
        "billing",
        -1.7,
        (
            "i was charged twice for the same order",
            "my bill was wrong again this month",
            "you took {amount} from my account without asking",
            "the invoice showed the wrong amount",
            "double charged on my card and still not sorted",
            "there is a payment on my statement I never authorised",
            "billing overcharged me by {amount}",
            "my direct debit went out twice",
            "charged for a subscription I cancelled",
            "the price at checkout was different to what I was billed",
            "an extra fee of {amount} appeared on my bill",
        ),
    ),
    PlantedTopic(
        "refund_slow",
        "returns",
        -1.5,
        (
            "still waiting on my refund after {weeks}",
            "the refund took {weeks} to come through",
            "returned the {item} and never got my money back",
            "refund has not arrived even though you received the return",
            "getting a refund was a nightmare",
            "they promised a refund in 5 days and it took {weeks}",
            "i am still chasing the money for my return",
            "refund process is painfully slow",
            "sent the {item} back {weeks} ago and no refund yet",
        ),
    ),
    PlantedTopic(
        "app_crash",
        "app",
        -1.9,
        (
            "the app keeps crashing when i log in",
            "since updating to {version} the app freezes on the home screen",
            "app crashes every time I try to check out",
            "the new app update is full of bugs",
            "app force closes whenever I open my orders",
            "your app just shows a blank screen after the update",
            "cannot log in to the app since {version}",
            "the mobile app is constantly crashing",
            "app stuck on the loading spinner after the update",
            "the latest update broke the app completely",
            "app crashed halfway through my payment",
        ),
    ),
    PlantedTopic(
        "price_high",
        "buying",
        -0.9,
        (
            "prices have gone up a lot",
            "too expensive compared with other shops",
            "the {item} was overpriced for what it is",
            "delivery charges are far too high",
            "you are pricier than your competitors now",
            "a bit steep on price for me",
            "costs more than it should",
            "found the same {item} cheaper elsewhere",
        ),
    ),
    PlantedTopic(
        "product_quality",
        "product",
        1.4,
        (
            "the {item} is excellent quality",
            "really well made and feels sturdy",
            "quality of the {item} exceeded my expectations",
            "great product, does exactly what it says",
            "the {item} looks even better in person",
            "solid build quality, very pleased",
            "the material is lovely and it fits perfectly",
            "top quality {item}, would buy again",
            "the {item} works perfectly and feels premium",
        ),
    ),
    PlantedTopic(
        "checkout_broken",
        "buying",
        -2.4,
        (
            "the checkout kept failing at the payment step",
            "checkout froze every time I tried to pay",
            "could not complete the checkout on the website",
            "the checkout page crashed twice before my order went through",
            "checkout rejected my card three times for no reason",
            "the website checkout is a nightmare",
            "the checkout process is slow and confusing",
            "I gave up at checkout, it just spins forever",
        ),
        subject="checkout",
    ),
    PlantedTopic(
        "easy_checkout",
        "buying",
        1.1,
        (
            "the website was easy to use",
            "checkout was quick and simple",
            "ordering online took two minutes",
            "really smooth buying process",
            "found what I wanted straight away on the site",
            "easy to order and pay",
            "the site is clear and easy to navigate",
            "paying with my saved card was seamless",
            "simple ordering process from start to finish",
        ),
        subject="checkout",
    ),
    PlantedTopic(
        "issue_resolved",
        "support",
        1.5,
        (
            "my problem was sorted on the first call",
            "they fixed the issue straight away",
            "resolved everything quickly",
            "the issue was resolved within a day",
            "got it all sorted with one email",
            "they sorted out my problem without any fuss",
            "problem fixed in minutes",
            "quick resolution to my complaint",
        ),
    ),
)

TOPIC_BY_KEY = {topic.key: topic for topic in TOPICS}

OPENERS = (
    "",
    "",
    "",
    "",
    "Honestly, ",
    "Overall ",
    "Hi, ",
    "To be fair ",
    "Well ",
    "So ",
    "First time ordering and ",
    "As a long time customer, ",
)
# Extra sentences of plain goodwill that happy customers add (so comment length grows with the
# score, as it does in real reviews, without naming any subject).
GOODWILL = (
    " Honestly I will be telling all my friends and family about you, you deserve it.",
    " I have been a customer for years and every single time it has been a pleasure.",
    " You really made my week, thank you so much to everyone involved.",
)
CLOSERS_POSITIVE = (
    "",
    "",
    "",
    " Thanks!",
    " Will recommend.",
    " Keep it up.",
    " 10/10",
    " Cheers.",
    " Will shop again.",
)
CLOSERS_NEGATIVE = (
    "",
    "",
    "",
    " Not happy.",
    " Sort it out.",
    " Very disappointed.",
    " Won't be ordering again.",
    " Really poor.",
    " Fix this please.",
)
JOINERS_CONTRAST = (" but ", ", but ", ". However ", " although ", ", though ", ". But ")
JOINERS_SAME = (". ", " and ", ". Also ", ", plus ", "! ", ". On top of that ")
FILLERS = (
    "nothing else to add",
    "n/a",
    "no comment",
    "ok",
    "fine",
    "all good",
    "meh",
    "see previous survey",
    "na",
    "no",
)
SOCIAL_TAGS = (" #customerservice", " #fail", " #happycustomer", " @brand", "", "", "", "")
EMOJI_POSITIVE = (" 😊", " 👍", " ❤️", "")
EMOJI_NEGATIVE = (" 😡", " 👎", " 🙄", "")

# PII planted in a share of comments, to exercise redaction (placeholders replace them).
PII_SNIPPETS = (
    " You can reach me at {first}.{last}{n}@example.com.",
    " Call me on 07700 900{n3}.",
    " My number is +44 20 7946 0{n3}.",
    " The card used was 4111 1111 1111 1111.",
    " Email {first}{n}@mailprovider.co.uk if you need anything.",
    " Please ring 555-201-{n4}.",
)
FIRST_NAMES = ("john", "mary", "alex", "sam", "lucy", "omar", "nina", "peter")
LAST_NAMES = ("smith", "jones", "patel", "brown", "khan", "wilson")
