"""A labelled set of customer comments with planted personal details, for the redaction bench.

Every case is a realistic comment with one or more planted values and their kind. Values vary in
format, locale and case (lower-case names, full-width and zero-width obfuscated emails, IBANs of
several countries, UK/US/CA/NL postcodes...), so the bench measures detectors, not one template.
All values are generated (valid checksums where the format has one); none is a real person's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from insight.privacy.patterns import luhn_valid

FIRST = (
    "Priya", "Sarah", "Tom", "Aisha", "Marco", "Emily", "Daniel", "Wei", "Olumide", "Siobhan",
    "Mohammed", "Ingrid", "Carlos", "Yuki", "Fatima", "Liam", "Anjali", "Dmitri", "Grace", "Tariq",
    "Chloe", "Kwame", "Lucia", "Rhys", "Mei", "Hamza", "Zofia", "Nikhil", "Ebony", "Jamal",
)  # fmt: skip
LAST = (
    "Sharma", "Okafor", "Nguyen", "Kowalski", "Fernandez", "O'Brien", "Patel", "Müller", "Khan",
    "Johansson", "Rossi", "Tanaka", "Mensah", "Evans", "Dubois", "Haddad", "Li", "Novak",
)  # fmt: skip
STREETS = ("Baker", "Elm", "Victoria", "Mill", "Church", "Station", "Maple", "High", "Oak")
STREET_TYPES = ("Street", "Road", "Avenue", "Lane", "Close", "Drive", "Crescent", "Way", "St")
CITIES = ("Leeds", "Manchester", "Bristol", "Springfield", "Toronto", "Utrecht", "Cardiff")
MONTHS = ("January", "March", "April", "June", "August", "October", "November", "December")


@dataclass(frozen=True)
class Case:
    text: str
    planted: tuple[tuple[str, str], ...]  # (kind, value as written)


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return next(body + check for check in "0123456789" if luhn_valid(body + check))


def _iban(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    number = int("".join(str(int(ch, 36)) for ch in rearranged))
    check = 98 - number % 97
    return f"{country}{check:02d}{bban}"


def _groups(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _name(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return first, last


def _email(rng: random.Random) -> tuple[str, str]:
    first, last = _name(rng)
    local = f"{first}.{last}".lower().replace("'", "").replace("ü", "u")
    domain = rng.choice(("example.com", "mail.example.co.uk", "example.org", "inbox.example.net"))
    style = rng.randrange(4)
    if style == 0:
        value = f"{local}{rng.randrange(100)}@{domain}"
    elif style == 1:  # full-width characters
        value = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in f"{local}@{domain}")
    elif style == 2:  # a zero-width space inside
        value = f"{local[:3]}\u200b{local[3:]}@{domain}"
    else:
        value = f"{local.upper()}@{domain.upper()}"
    return value, rng.choice(
        (
            "You can reach me at {v} if you need more details.",
            "Please email {v} with the refund confirmation.",
            "My email is {v}, nobody ever replied to it.",
            "Contact: {v}",
        )
    )


def _phone(rng: random.Random) -> tuple[str, str]:
    style = rng.randrange(5)
    if style == 0:
        value = f"07{_digits(rng, 3)} {_digits(rng, 6)}"
    elif style == 1:
        value = f"+44 20 {_digits(rng, 4)} {_digits(rng, 4)}"
    elif style == 2:
        value = f"({_digits(rng, 3)}) {_digits(rng, 3)}-{_digits(rng, 4)}"
    elif style == 3:
        value = f"+49 30 {_digits(rng, 8)}"
    else:
        value = f"{_digits(rng, 3)}.{_digits(rng, 3)}.{_digits(rng, 4)}"
    return value, rng.choice(
        (
            "Call me back on {v} please.",
            "I rang {v} three times and no one picked up.",
            "My mobile is {v}.",
        )
    )


def _card(rng: random.Random) -> tuple[str, str]:
    number = _luhn_complete(rng.choice(("4", "51", "37")), 16, rng)
    value = rng.choice((_groups(number), number, "-".join(_groups(number).split())))
    return value, rng.choice(
        (
            "They charged my card {v} twice.",
            "Card number {v} was billed for an order I cancelled.",
        )
    )


def _iban_case(rng: random.Random) -> tuple[str, str]:
    country, bban = rng.choice(
        (
            ("GB", "NWBK" + _digits(rng, 14)),
            ("DE", _digits(rng, 18)),
            ("FR", _digits(rng, 23)),
            ("NL", "ABNA" + _digits(rng, 10)),
            ("ES", _digits(rng, 20)),
        )
    )
    iban = _iban(country, bban)
    value = rng.choice((iban, _groups(iban)))
    return value, rng.choice(
        (
            "Please refund to IBAN {v} as agreed.",
            "I gave you my bank details ({v}) weeks ago.",
            "Refund account: {v}",
        )
    )


def _bank(rng: random.Random) -> list[tuple[str, str, str]]:
    sort = f"{_digits(rng, 2)}-{_digits(rng, 2)}-{_digits(rng, 2)}"
    account = _digits(rng, 8)
    template = rng.choice(
        (
            "Refund to sort code {a}, account number {b} please.",
            "My bank details are {a} / {b}, why is this so hard?",
            "sort code {a} acc {b}",
        )
    )
    return [("sort_code", sort, template.replace("{a}", sort).replace("{b}", account)),
            ("account", account, "")]  # fmt: skip


def _address(rng: random.Random) -> tuple[str, str]:
    number = rng.randrange(1, 250)
    street = f"{rng.choice(STREETS)} {rng.choice(STREET_TYPES)}"
    style = rng.randrange(4)
    if style == 0:
        value = f"{number} {street}"
    elif style == 1:
        value = f"Flat {rng.randrange(1, 30)}, {number} {street}"
    elif style == 2:
        value = f"{number} {street.lower()}"
    else:
        value = f"{rng.choice(('Hauptstraße', 'Lindenweg', 'Schillerstraße'))} {number}"
    return value, rng.choice(
        (
            "The parcel was left at {v} instead of my house.",
            "I live at {v} and the driver never came.",
            "Deliver to {v}, {city} next time.",
        )
    ).replace("{city}", rng.choice(CITIES))


def _postcode(rng: random.Random) -> tuple[str, str]:
    letters = "ABCDEFGHJKLMNPRSTUWXY"
    inward = "ABDEFGHJLNPQRSTUWXYZ"  # letters a UK inward code can end with
    style = rng.randrange(4)
    if style == 0:
        value = (
            f"{rng.choice(letters)}{rng.choice(letters)}{rng.randrange(1, 20)} "
            f"{rng.randrange(10)}{rng.choice(inward)}{rng.choice(inward)}"
        )
    elif style == 1:
        value = f"{rng.choice(('NY', 'CA', 'TX', 'IL'))} {_digits(rng, 5)}"
    elif style == 2:
        canadian = "ABCEGHJKLMNPRSTVXY"
        value = (
            f"{rng.choice(canadian)}{rng.randrange(10)}{rng.choice(canadian)} "
            f"{rng.randrange(10)}{rng.choice(canadian)}{rng.randrange(10)}"
        )
    else:
        value = f"{rng.randrange(1000, 9999)} {rng.choice(letters)}{rng.choice(letters)}"
    if style in (0, 2) and rng.random() < 0.3:
        value = value.lower()
    return value, rng.choice(
        (
            "Nothing arrived at {v} in two weeks.",
            "We are in {city} {v} and no engineer came.",
            "My postcode is {v} but the site says you don't deliver here.",
        )
    ).replace("{city}", rng.choice(CITIES))


def _dob(rng: random.Random) -> tuple[str, str]:
    day, year = rng.randrange(1, 29), rng.randrange(1940, 2006)
    value = rng.choice(
        (
            f"{day:02d}/{rng.randrange(1, 13):02d}/{year}",
            f"{day} {rng.choice(MONTHS)} {year}",
            f"{rng.choice(MONTHS)} {day}, {year}",
            f"{year}-{rng.randrange(1, 13):02d}-{day:02d}",
        )
    )
    return value, rng.choice(
        (
            "They asked for my date of birth ({v}) three times.",
            "DOB {v}, account still locked.",
            "I was born on {v} and your form says I'm too young.",
        )
    )


def _national_id(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.5:
        value = f"{rng.choice(('AB', 'JG', 'NE', 'SK'))} {_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 2)} {rng.choice('ABCD')}"  # noqa: E501
    else:
        value = f"{rng.randrange(100, 666)}-{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}"
    return value, rng.choice(
        (
            "I had to give my national insurance number {v} on the phone.",
            "Why do you need my SSN {v} to change my address?",
            "ID number {v} was typed wrong on the form.",
        )
    )


def _order(rng: random.Random) -> tuple[str, str]:
    value = rng.choice(
        (
            f"#{_digits(rng, 9)}",
            f"ORD-{_digits(rng, 7)}",
            f"{rng.choice('ABCDEFGH')}{rng.choice('KLMNPQ')}{_digits(rng, 8)}",
        )
    )
    return value, rng.choice(
        (
            "Order {v} never arrived.",
            "My order number is {v} and still no refund.",
            "Booking reference {v} was cancelled without notice.",
            "Account {v} was closed without warning.",
        )
    )


def _cvv(rng: random.Random) -> tuple[str, str]:
    value = _digits(rng, 3)
    return value, rng.choice(
        (
            "The agent asked me to read out the CVV {v} over chat!",
            "security code {v}, expiry 09/28, still declined.",
        )
    )


NAME_TEMPLATES = (
    "{f} was lovely and sorted everything.",
    "I spoke to {f} {l} who promised a call back.",
    "Huge thanks to {f} at the front desk.",
    "{fl} was rude and hung up on me.",
    "ask for {fl}, she is the only one who knows what she's doing",
    "My name is {f} {l} and I have been a customer for ten years.",
    "The manager, {f}, refused to help.",
    "shout out to {fl} in the returns team",
    "Signed, {f} {l}",
)


def _names(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    first, last = _name(rng)
    template = rng.choice(NAME_TEMPLATES)
    text = template.replace("{fl}", first.lower()).replace("{f}", first).replace("{l}", last)
    planted = [("name", first.lower() if "{fl}" in template else first)]
    if "{l}" in template:
        planted.append(("name", last))
    return text, planted


SINGLE = {
    "email": _email,
    "phone": _phone,
    "card": _card,
    "iban": _iban_case,
    "address": _address,
    "postcode": _postcode,
    "dob": _dob,
    "national_id": _national_id,
    "order": _order,
    "cvv": _cvv,
}


def generate(per_kind: int = 40, seed: int = 7) -> list[Case]:
    """``per_kind`` cases of each kind, in a seeded shuffled order."""
    rng = random.Random(seed)
    cases: list[Case] = []
    for _ in range(per_kind):
        for kind, make in SINGLE.items():
            value, template = make(rng)
            cases.append(Case(template.replace("{v}", value), ((kind, value),)))
        text, planted = _names(rng)
        cases.append(Case(text, tuple(planted)))
        bank = _bank(rng)
        cases.append(Case(bank[0][2], ((bank[0][0], bank[0][1]), (bank[1][0], bank[1][1]))))
    rng.shuffle(cases)
    return cases


#: Hand-written comments, written after the detectors and never tuned against: the held-out half.
HANDWRITTEN: tuple[Case, ...] = (
    Case("Big thanks to Rosa on the tills, she was so patient with my mum.", (("name", "Rosa"),)),
    Case("deepak sorted my broadband in 5 mins, legend", (("name", "deepak"),)),
    Case(
        "The lady called Margaret at the Leeds branch was really rude to me",
        (("name", "Margaret"),),
    ),
    Case("I was served by Chen and he knew nothing about the product.", (("name", "Chen"),)),
    Case(
        "Please pass on my thanks to Giulia and Ahmed in billing.",
        (("name", "Giulia"), ("name", "Ahmed")),
    ),
    Case("Engineer Bartek turned up late and left mud everywhere.", (("name", "Bartek"),)),
    Case(
        "my name's Tunde Adeyemi, still waiting on a call back",
        (("name", "Tunde"), ("name", "Adeyemi")),
    ),
    Case("Kind regards, Helen Whitfield", (("name", "Helen"), ("name", "Whitfield"))),
    Case("Got put through to a guy named Oskar who actually fixed it.", (("name", "Oskar"),)),
    Case("Esperanza was the best host we have ever had", (("name", "Esperanza"),)),
    Case(
        "write to me at j.okoro@example.com not my old address", (("email", "j.okoro@example.com"),)
    ),
    Case(
        "email: ｍａｒｉａ．ｌｏｐｅｚ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        (("email", "ｍａｒｉａ．ｌｏｐｅｚ＠ｅｘａｍｐｌｅ．ｃｏｍ"),),
    ),
    Case("reach me on sam\u200b.lee@example.net thanks", (("email", "sam\u200b.lee@example.net"),)),
    Case(
        "contact me: peter dot wolfe at example dot com",
        (("email", "peter dot wolfe at example dot com"),),
    ),
    Case("Ring me on 0161 496 0832 after 6pm.", (("phone", "0161 496 0832"),)),
    Case("tel +33 1 23 45 67 89 (France)", (("phone", "+33 1 23 45 67 89"),)),
    Case("my number is 07700-900-461", (("phone", "07700-900-461"),)),
    Case(
        "They took 5500 0000 0000 0004 for a refund that never came",
        (("card", "5500 0000 0000 0004"),),
    ),
    Case("card ending 4242 4242 4242 4242 was charged twice", (("card", "4242 4242 4242 4242"),)),
    Case("CVC 734, expiry 11/27 - your site still rejected it", (("cvv", "734"),)),
    Case("Refund into GB33BUKB20201555555555 please", (("iban", "GB33BUKB20201555555555"),)),
    Case(
        "my IBAN is DE89 3704 0044 0532 0130 00 and nothing arrived",
        (("iban", "DE89 3704 0044 0532 0130 00"),),
    ),
    Case(
        "Sort code 20-00-00 account 55779911", (("sort_code", "20-00-00"), ("account", "55779911"))
    ),
    Case(
        "I moved to 42 Wallaby Way, Sydney and the bills still go to the old place",
        (("address", "42 Wallaby Way"),),
    ),
    Case(
        "Deliver to 7 Kings Road, SW3 4RP, it is not hard",
        (("address", "7 Kings Road"), ("postcode", "SW3 4RP")),
    ),
    Case("parcel went to 15a station road instead of 51", (("address", "15a station road"),)),
    Case(
        "We live at 1600 Pennsylvania Avenue NW, Washington, DC 20500",
        (("address", "1600 Pennsylvania Avenue"), ("postcode", "20500")),
    ),
    Case("postcode m1 1ae keeps getting rejected by your form", (("postcode", "m1 1ae"),)),
    Case("My date of birth is 3rd May 1988 and the app says I'm 12", (("dob", "3rd May 1988"),)),
    Case("dob: 14/02/1975", (("dob", "14/02/1975"),)),
    Case("NI number QQ 12 34 56 C was rejected", (("national_id", "QQ 12 34 56 C"),)),
    Case("SSN 078-05-1120 printed on the letter!!", (("national_id", "078-05-1120"),)),
    Case("Order no. 4471-2290-18 arrived broken", (("order", "4471-2290-18"),)),
    Case("ticket #A55102 has been open for 3 weeks", (("order", "A55102"),)),
    Case("customer number 88123409, please check my account", (("order", "88123409"),)),
)
