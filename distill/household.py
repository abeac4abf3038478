"""QA training passages shaped like a home's documents: tables, field lines, lists and notices.

The reader was trained on prose (Wikipedia, news, dialogues); a home's documents are mostly
table rows ("Ticket: Return; Adult: £3.60; Child: £1.80", as the assistant's extractors write
them), "Label: value" field lines, ingredient lists and short notices full of prices, times and
dates. A prose reader answers a question about one cell with a neighbouring one (the first row
of a timetable, another column's price, another quantity of the recipe) and answers questions
about a row, field or ingredient the document lacks with a value of the right kind from
elsewhere. These passages teach both: every question names its row and column (or field, or
item) and its answer is that cell; about a third ask for a row, column, field or item the
passage does not have (a code the table lacks, a fee that is not listed, a person with a
similar role) and are labelled no-answer.

Passages are generated from templates and word pools written for this project (no benchmark
document or question is used); `household_articles(count, seed)` is deterministic.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from distill.errors import DistillError

SOURCE = "household"

_PEOPLE = (
    "Aisha Khan",
    "Tom Barker",
    "Grace Okafor",
    "Liam Doyle",
    "Priya Shah",
    "Owen Price",
    "Hannah Webb",
    "Marek Nowak",
    "Sofia Russo",
    "Daniel Hughes",
    "Chloe Martin",
    "Ravi Patel",
    "Emma Clarke",
    "Joseph Mensah",
    "Lucy Turner",
    "Ahmed Ali",
    "Nina Fischer",
    "Sam Reid",
    "Megan Lloyd",
    "Ben Carter",
    "Zara Hussain",
    "Paul Jenkins",
    "Ellie Ward",
    "Kofi Asante",
)
_PLACES = (
    "Market Square",
    "Riverside",
    "Station Road",
    "Oakfield",
    "the Leisure Centre",
    "Hillcrest",
    "Town Hall",
    "Northgate",
    "Westbury",
    "the Retail Park",
    "Church Lane",
    "Mill Bridge",
    "Park View",
    "the College",
    "Greenhill",
    "Harbour Street",
    "Ashby Cross",
    "Elm Grove",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_BRANDS = ("Zentra", "Kelvion", "Aqualine", "Brightwell", "Norstar", "Coolmax", "Heatwise")
_APPLIANCES = (
    "washing machine",
    "dishwasher",
    "tumble dryer",
    "boiler",
    "fridge freezer",
    "oven",
    "heat pump",
    "coffee machine",
    "robot vacuum",
    "air fryer",
)
_FAULTS = (
    ("Water inlet blocked", "Check that the tap is open and clean the inlet filter."),
    ("Drain pump blocked", "Clean the pump filter behind the lower flap."),
    ("Door not closed", "Close the door firmly until it clicks."),
    ("Water leak detected", "Switch off at the wall and call the service line."),
    ("Heater fault", "Restart the programme; if the code returns, call an engineer."),
    ("Temperature sensor fault", "Switch off for ten minutes, then on again."),
    ("Motor overload", "Remove some of the load and restart."),
    ("Low water pressure", "Top up the pressure to 1.5 bar."),
    ("Ignition failure", "Check that the gas supply is on, then press reset."),
    ("Overheating", "Let it cool for 30 minutes and clean the air vents."),
    ("Fan fault", "Check that nothing blocks the fan, then restart."),
    ("Communication error", "Switch the mains off and on again."),
    ("Salt low", "Refill the salt container."),
    ("Filter full", "Empty and rinse the lint filter."),
)
_SPECS = (
    ("Weight", "how heavy is the {a}", ("32 kg", "48 kg", "61 kg", "9.5 kg", "27 kg")),
    ("Height", "how tall is the {a}", ("850 mm", "1,860 mm", "710 mm", "92 cm")),
    ("Width", "how wide is the {a}", ("600 mm", "595 mm", "450 mm", "40 cm")),
    ("Power", "what is the power rating of the {a}", ("2,200 W", "1.8 kW", "24 kW", "900 W")),
    ("Capacity", "what is the capacity of the {a}", ("8 kg", "14 place settings", "280 litres")),
    ("Noise level", "how loud is the {a}", ("44 dB", "52 dB", "39 dB", "65 dB")),
    ("Energy class", "what energy class is the {a}", ("A", "B", "C", "D")),
    ("Spin speed", "what is the spin speed of the {a}", ("1,400 rpm", "1,200 rpm", "1,600 rpm")),
    ("Warranty", "how long is the warranty on the {a}", ("2 years", "5 years", "10 years")),
    ("Water use", "how much water does the {a} use", ("9.5 litres", "46 litres", "11 litres")),
    ("Cable length", "how long is the power cable of the {a}", ("1.5 m", "2 m", "1.2 m")),
)
_TICKETS = (
    "Single",
    "Return",
    "Day ticket",
    "Weekly ticket",
    "Monthly ticket",
    "Annual pass",
    "Family ticket",
    "Evening ticket",
)
_RIDERS = ("Adult", "Child (5 to 15)", "Senior (65+)", "Student", "Concession")
_ACTIVITIES = (
    "Aqua fit",
    "Lane swimming",
    "Yoga",
    "Spin class",
    "Pilates",
    "Zumba",
    "Parent and toddler swim",
    "Circuit training",
    "Badminton",
    "Table tennis",
    "Tai chi",
    "Boxing fitness",
    "Family swim",
    "Adult lessons",
)
_EVENTS = (
    "Quiz night",
    "Summer fair",
    "Book sale",
    "Carol concert",
    "Sports day",
    "Cake sale",
    "Open evening",
    "Film night",
    "Coffee morning",
    "Plant swap",
    "Beach clean",
    "Jumble sale",
    "Harvest supper",
    "Craft fair",
)
_ROLES = (
    "Chair",
    "Secretary",
    "Treasurer",
    "Membership secretary",
    "Head teacher",
    "Deputy head",
    "Site manager",
    "Practice manager",
    "Warden",
    "Caretaker",
    "Safeguarding lead",
    "Lettings officer",
    "Club captain",
    "Coach",
)
_INGREDIENTS = (
    ("plain flour", ("200 g", "250 g", "120 g", "350 g")),
    ("caster sugar", ("100 g", "150 g")),
    ("butter", ("75 g", "125 g", "50 g", "200 g")),
    ("eggs", ("2", "3", "1 large")),
    ("milk", ("300 ml", "150 ml", "1 tbsp")),
    ("baking powder", ("1 tsp", "2 tsp")),
    ("salt", ("a pinch", "1/2 tsp")),
    ("onions", ("2", "1 large")),
    ("garlic", ("2 cloves", "3 cloves")),
    ("chopped tomatoes", ("400 g tin", "2 x 400 g tins")),
    ("rice", ("300 g", "250 g")),
    ("chicken thighs", ("6", "500 g")),
    ("cheddar", ("100 g", "80 g grated")),
    ("olive oil", ("2 tbsp", "1 tbsp")),
    ("honey", ("2 tbsp", "1 tbsp")),
    ("oats", ("150 g", "100 g")),
    ("lemon", ("1", "half")),
    ("stock", ("500 ml", "750 ml")),
    ("cocoa powder", ("30 g", "2 tbsp")),
)
_FIELDS = (
    ("Account number", "what is my account number", lambda r: f"{r.randint(10**7, 10**8 - 1)}"),
    ("Policy number", "what is the policy number", lambda r: f"HP-{r.randint(100000, 999999)}"),
    (
        "Reference",
        "what is the reference",
        lambda r: f"REF/{r.randint(1000, 9999)}/{r.choice('ABCK')}",
    ),
    ("Customer number", "what is my customer number", lambda r: f"C{r.randint(100000, 999999)}"),
    ("Serial number", "what is the serial number", lambda r: f"SN{r.randint(10**6, 10**7 - 1)}"),
    ("Amount due", "how much do I owe", lambda r: f"£{r.randint(20, 900)}.{r.randint(0, 99):02d}"),
    (
        "Monthly payment",
        "how much is the monthly payment",
        lambda r: f"£{r.randint(9, 120)}.{r.randint(0, 99):02d}",
    ),
    ("Excess", "how much is the excess", lambda r: f"£{r.choice((100, 150, 250, 350, 500))}"),
    ("Due date", "when is the payment due", lambda r: _date(r)),
    ("Start date", "when does it start", lambda r: _date(r)),
    ("Renewal date", "when is the renewal date", lambda r: _date(r)),
    (
        "Appointment",
        "when is my appointment",
        lambda r: f"{r.choice(_DAYS)} {_date(r)} at {_time(r)}",
    ),
    (
        "Phone",
        "what number should I call",
        lambda r: f"01{r.randint(100, 999)} {r.randint(100000, 999999)}",
    ),
    (
        "Email",
        "what is the email address",
        lambda r: f"{r.choice(('info', 'help', 'office'))}@{r.choice(('vale', 'kelby'))}.example",
    ),
    ("Engineer", "who is the engineer", lambda r: r.choice(_PEOPLE)),
    (
        "Tariff",
        "what tariff am I on",
        lambda r: r.choice(("Fixed Saver 24", "Standard Variable", "Green Flex")),
    ),
    ("Meter reading", "what was the meter reading", lambda r: f"{r.randint(10000, 99999)}"),
    ("Room", "which room is it in", lambda r: f"Room {r.randint(1, 30)}"),
    (
        "Next service due",
        "when is the next service due",
        lambda r: f"{r.choice(_MONTHS)} {r.randint(2025, 2028)}",
    ),
)


@dataclass
class Passage:
    """A context written line by line, with its questions; `add` returns a value's offset."""

    lines: list[str] = field(default_factory=list)
    qas: list[tuple[str, str | None, int]] = field(default_factory=list)
    _length: int = 0

    def line(self, text: str) -> int:
        """Append `text` as a line; return its offset in the context."""
        start = self._length
        self.lines.append(text)
        self._length += len(text) + 1
        return start

    def ask(self, question: str, answer: str | None = None, line_start: int = 0) -> None:
        """Ask `question`, answered by the first `answer` at or after `line_start` (None: the
        passage does not say)."""
        if answer is None:
            self.qas.append((question, None, -1))
            return
        at = self.context.find(answer, line_start)
        if at < 0:
            raise ValueError(f"{answer!r} is not in the passage")
        self.qas.append((question, answer, at))

    @property
    def context(self) -> str:
        return "\n".join(self.lines)


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1, 28)} {rng.choice(_MONTHS)} {rng.randint(2024, 2027)}"


def _time(rng: random.Random) -> str:
    hour, minute = rng.randint(6, 21), rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50))
    if rng.random() < 0.5:
        return f"{hour:02d}:{minute:02d}"
    suffix = "am" if hour < 12 else "pm"
    hour12 = hour if hour <= 12 else hour - 12
    return f"{hour12}{suffix}" if minute == 0 else f"{hour12}.{minute:02d}{suffix}"


def _price(rng: random.Random, low: int, high: int) -> str:
    pounds = rng.randint(low, high)
    return f"£{pounds}.{rng.choice((0, 20, 50, 60, 75, 80, 95)):02d}"


def _row(cells: list[tuple[str, str]]) -> str:
    return "; ".join(f"{head}: {value}" for head, value in cells)


def _titled(p: Passage, rng: random.Random, title: str, lead: str) -> None:
    """An optional lead sentence, then (most of the time) the table's title on a line of its own."""
    if rng.random() < 0.5:
        p.line(lead)
    if rng.random() < 0.6:
        p.line(title)


def fault_codes(rng: random.Random) -> Passage:
    p = Passage()
    appliance = rng.choice(_APPLIANCES)
    letter = rng.choice("EFHC")
    codes = rng.sample(range(1, 99), 7)
    faults = rng.sample(_FAULTS, 7)
    shown = codes[: rng.randint(4, 6)]
    _titled(p, rng, "Fault codes", f"If the {appliance} shows a code, do what the table says.")
    starts = {}
    for code, (meaning, action) in zip(shown, faults, strict=False):
        starts[code] = p.line(
            _row([("Code", f"{letter}{code:02d}"), ("Meaning", meaning), ("What to do", action)])
        )
    for code in rng.sample(shown, 2):
        meaning, action = faults[codes.index(code)]
        name = f"{letter}{code:02d}"
        p.ask(
            rng.choice(
                (
                    f"What does {name} mean?",
                    f"What does code {name} mean on the {appliance}?",
                    f"My {appliance} shows {name}, what is wrong?",
                )
            ),
            meaning,
            starts[code],
        )
        p.ask(
            rng.choice(
                (
                    f"What should I do about {name}?",
                    f"How do I fix error {name}?",
                    f"What do I do if the {appliance} shows {name}?",
                )
            ),
            action,
            starts[code],
        )
    missing = f"{letter}{codes[-1]:02d}"
    p.ask(rng.choice((f"What does {missing} mean?", f"What should I do if it shows {missing}?")))
    return p


def specifications(rng: random.Random) -> Passage:
    p = Passage()
    appliance = rng.choice(_APPLIANCES)
    specs = rng.sample(_SPECS, 7)
    shown = specs[: rng.randint(4, 6)]
    title = f"{rng.choice(_BRANDS)} {rng.randint(100, 990)} technical data"
    prefix = f"{title}, " if rng.random() < 0.3 else ""
    _titled(p, rng, title, "Specifications")
    for item, question, values in shown:
        value = rng.choice(values)
        start = p.line(prefix + _row([("Item", item), ("Value", value)]))
        if rng.random() < 0.6:
            p.ask(question.format(a=appliance).capitalize() + "?", value, start)
    item, question, _ = specs[-1]
    p.ask(question.format(a=appliance).capitalize() + "?")
    return p


def price_list(rng: random.Random) -> Passage:
    p = Passage()
    tickets = rng.sample(_TICKETS, rng.randint(3, 5))
    riders = rng.sample(_RIDERS, 3)
    shown_riders = riders[:2]
    _titled(
        p,
        rng,
        rng.choice(("Fares", "Prices", "Ticket prices", "Admission")),
        f"Tickets can be bought from the driver or at {rng.choice(_PLACES)}.",
    )
    for ticket in tickets[:-1]:
        cells = [("Ticket", ticket)] + [(r, _price(rng, 1, 60)) for r in shown_riders]
        row = _row(cells)
        start = p.line(row)
        for rider, value in cells[1:]:
            if rng.random() < 0.35:
                who = rider.split(" (")[0].lower()
                p.ask(
                    rng.choice(
                        (
                            f"How much is a {ticket.lower()} for {_article(who)}?",
                            f"What does {_article(who)} {ticket.lower()} cost?",
                            f"Price of a {who} {ticket.lower()}?",
                        )
                    ),
                    value,
                    start + row.find(f"{rider}: "),
                )
    absent_rider = riders[2].split(" (")[0].lower()
    p.ask(f"How much is a {tickets[0].lower()} for {_article(absent_rider)}?")
    shown_rider = shown_riders[0].split(" (")[0].lower()
    p.ask(f"How much is a {tickets[-1].lower()} for {_article(shown_rider)}?")
    return p


def _article(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def timetable(rng: random.Random) -> Passage:
    p = Passage()
    stops = rng.sample(_PLACES, 5)
    shown = stops[: rng.randint(3, 4)]
    route = rng.randint(1, 99)
    day = rng.choice(("Monday to Friday", "Saturday", "Sunday", "Weekdays"))
    _titled(
        p, rng, f"Route {route}, {day}", f"Route {route} runs every day except public holidays."
    )
    minutes = rng.randint(6 * 60, 8 * 60)
    rows, start_of = [], []
    for _ in range(rng.randint(4, 8)):
        times, t = [], minutes
        for _stop in shown:
            times.append(f"{t // 60:02d}:{t % 60:02d}")
            t += rng.randint(6, 18)
        rows.append(times)
        start_of.append(p.line(_row(list(zip(shown, times, strict=True)))))
        minutes += rng.choice((30, 45, 60, 90, 120))
    a = rng.randrange(len(shown) - 1)
    p.ask(
        rng.choice(
            (
                f"When is the first bus from {shown[a]}?",
                f"What time does the first bus leave {shown[a]}?",
            )
        ),
        rows[0][a],
        start_of[0],
    )
    p.ask(
        rng.choice(
            (
                f"When is the last bus from {shown[a]}?",
                f"What time is the last bus from {shown[a]}?",
            )
        ),
        rows[-1][a],
        start_of[-1],
    )
    k = rng.randrange(len(rows))
    b = rng.randrange(a + 1, len(shown))
    p.ask(
        f"If I catch the {rows[k][a]} from {shown[a]}, when do I get to {shown[b]}?",
        rows[k][b],
        start_of[k],
    )
    p.ask(f"When is the first bus from {stops[-1]}?")
    return p


def opening_hours(rng: random.Random) -> Passage:
    p = Passage()
    place = rng.choice(("library", "pool", "museum", "tip", "surgery", "café", "gym"))
    other = rng.choice(("café", "shop", "pharmacy", "crèche", "sauna"))
    days = list(_DAYS[: rng.randint(5, 6)])
    _titled(p, rng, f"Opening hours of the {place}", f"The {place} is closed on bank holidays.")
    starts, hours = {}, {}
    for day in days:
        opens = f"{rng.randint(7, 10)}:{rng.choice(('00', '30'))}"
        closes = f"{rng.randint(16, 21)}:{rng.choice(('00', '30'))}"
        hours[day] = (opens, closes)
        starts[day] = p.line(_row([("Day", day), ("Opens", opens), ("Closes", closes)]))
    day = rng.choice(days)
    p.ask(f"What time does the {place} open on {day}?", hours[day][0], starts[day])
    day = rng.choice(days)
    p.ask(
        rng.choice(
            (f"When does the {place} close on {day}?", f"How late is the {place} open on {day}?")
        ),
        hours[day][1],
        starts[day],
    )
    p.ask(f"What time does the {place} open on Sunday?")
    p.ask(f"When does the {other} open?")
    return p


def fields(rng: random.Random) -> Passage:
    p = Passage()
    chosen = rng.sample(_FIELDS, 8)
    shown = chosen[: rng.randint(4, 7)]
    p.line(
        rng.choice(
            (
                "Dear customer,",
                "Your statement",
                "Booking confirmation",
                "Service record",
                "Your policy schedule",
            )
        )
    )
    for label, question, make in shown:
        value = make(rng)
        start = p.line(f"{label}: {value}")
        if rng.random() < 0.5:
            p.ask(question[0].upper() + question[1:] + "?", value, start)
    if rng.random() < 0.5:
        p.line(f"If anything here is wrong, please call us within {rng.randint(7, 30)} days.")
    p.ask(chosen[-1][1][0].upper() + chosen[-1][1][1:] + "?")
    return p


def ingredients(rng: random.Random) -> Passage:
    p = Passage()
    chosen = rng.sample(_INGREDIENTS, 8)
    shown = chosen[: rng.randint(5, 7)]
    dish = rng.choice(
        (
            "flapjacks",
            "the pie",
            "the traybake",
            "the soup",
            "the risotto",
            "the scones",
            "the curry",
            "the muffins",
            "the pancakes",
        )
    )
    p.line(f"Serves {rng.randint(2, 8)}. Preparation {rng.choice((10, 15, 20, 25))} minutes.")
    p.line("Ingredients")
    for name, amounts in shown:
        amount = rng.choice(amounts)
        start = p.line(f"{amount} {name}")
        if rng.random() < 0.4:
            noun = name.split()[-1]
            p.ask(
                rng.choice(
                    (
                        f"How much {noun} goes in {dish}?",
                        f"How many {noun} do I need?",
                        f"How much {name} for {dish}?",
                    )
                ),
                amount,
                start,
            )
    temp = rng.choice((160, 170, 180, 190, 200, 220))
    minutes = rng.choice((12, 20, 25, 30, 40, 45, 55))
    start = p.line(
        f"Heat the oven to {temp}°C ({temp - 20}°C fan). Bake for {minutes} minutes, "
        f"then leave to cool for {rng.choice((5, 10, 15))} minutes."
    )
    p.ask(f"How long does {dish} bake?", f"{minutes} minutes", start)
    p.ask(
        rng.choice((f"What temperature for {dish}?", "How hot should the oven be?")),
        f"{temp}°C",
        start,
    )
    p.ask(f"What temperature for {dish} in a fan oven?", f"{temp - 20}°C", start)
    name = chosen[-1][0]
    p.ask(
        rng.choice((f"How much {name} goes in {dish}?", f"How much {name.split()[-1]} do I need?"))
    )
    p.ask(f"How long does {dish} keep?")
    return p


def contacts(rng: random.Random) -> Passage:
    p = Passage()
    roles = rng.sample(_ROLES, 6)
    shown = roles[: rng.randint(3, 5)]
    people = rng.sample(_PEOPLE, len(shown))
    p.line(rng.choice(("Who to contact", "Committee", "Staff", "Contacts")))
    for role, person in zip(shown, people, strict=True):
        phone = f"07{rng.randint(100, 999)} {rng.randint(100000, 999999)}"
        start = p.line(
            _row([("Role", role), ("Name", person), ("Phone", phone)])
            if rng.random() < 0.5
            else f"{role}: {person}, {phone}"
        )
        r = rng.random()
        if r < 0.4:
            p.ask(f"Who is the {role.lower()}?", person, start)
        elif r < 0.7:
            p.ask(f"What is the {role.lower()}'s phone number?", phone, start)
    p.ask(f"Who is the {roles[-1].lower()}?")
    return p


def events(rng: random.Random) -> Passage:
    p = Passage()
    chosen = rng.sample(_EVENTS, 6)
    shown = chosen[: rng.randint(3, 5)]
    _titled(p, rng, "Dates for your diary", "All families are welcome at these events.")
    for event in shown:
        date = f"{rng.choice(_DAYS)[:3]} {rng.randint(1, 28)} {rng.choice(_MONTHS)}"
        time = _time(rng)
        where = rng.choice(_PLACES)
        start = p.line(_row([("Date", date), ("Event", f"{event}, {time}"), ("Where", where)]))
        r = rng.random()
        if r < 0.35:
            p.ask(f"What date is the {event.lower()}?", date, start)
        elif r < 0.6:
            p.ask(f"What time does the {event.lower()} start?", time, start)
        elif r < 0.8:
            p.ask(f"Where is the {event.lower()}?", where, start)
    p.ask(f"When is the {chosen[-1].lower()}?")
    return p


def classes(rng: random.Random) -> Passage:
    p = Passage()
    chosen = rng.sample(_ACTIVITIES, 6)
    shown = chosen[: rng.randint(3, 5)]
    _titled(p, rng, f"{rng.choice(_DAYS)} timetable", "Book classes online or at reception.")
    for activity in shown:
        time, coach = _time(rng), rng.choice(_PEOPLE)
        price = _price(rng, 2, 9)
        start = p.line(
            _row([("Time", time), ("Activity", activity), ("Instructor", coach), ("Price", price)])
        )
        r = rng.random()
        if r < 0.3:
            p.ask(f"What time is {activity.lower()}?", time, start)
        elif r < 0.55:
            p.ask(f"Who runs the {activity.lower()} class?", coach, start)
        elif r < 0.8:
            p.ask(f"How much does {activity.lower()} cost?", price, start)
    p.ask(rng.choice((f"What time is {chosen[-1].lower()}?", f"How much is {chosen[-1].lower()}?")))
    return p


Fact = tuple[str, str, tuple[str, ...]]  # sentence, the answer in it, questions it answers


def _guarantee_facts(rng: random.Random) -> list[Fact]:
    a = rng.choice(_APPLIANCES)
    years, months, days = rng.randint(2, 10), rng.choice((6, 12, 18, 24)), rng.randint(3, 14)
    fee, call = _price(rng, 40, 150), _price(rng, 20, 90)
    descale = rng.choice((2, 3, 4, 6))
    return [
        (
            f"The {a} has a {years}-year guarantee on parts",
            f"{years}-year",
            (f"How long is the guarantee on the {a}?", "How long are parts guaranteed?"),
        ),
        (
            f"labour is covered for {months} months",
            f"{months} months",
            ("How long is labour covered?", "For how long is labour free?"),
        ),
        (
            f"repairs are usually done within {days} working days",
            f"{days} working days",
            ("How quickly are repairs done?", "How long does a repair take?"),
        ),
        (
            f"an engineer's visit after the guarantee costs {fee}",
            fee,
            ("How much is an engineer's visit after the guarantee?",),
        ),
        (
            f"a call-out on a Sunday costs {call}",
            call,
            ("How much is a Sunday call-out?", "What does it cost to call someone out on Sunday?"),
        ),
        (
            f"the {a} should be descaled every {descale} months",
            f"{descale} months",
            (f"How often should the {a} be descaled?",),
        ),
    ]


def _method_facts(rng: random.Random) -> list[Fact]:
    dish = rng.choice(("the cake", "the loaf", "the pie", "the crumble", "the lasagne"))
    bake, cool = rng.choice((25, 35, 40, 50, 60)), rng.choice((5, 10, 15, 20))
    keep, freeze = rng.randint(2, 5), rng.choice((1, 2, 3, 6))
    tin = rng.choice(("20 cm", "23 cm", "900 g", "1 litre"))
    temp = rng.choice((160, 170, 180, 190, 200))
    return [
        (
            f"Bake {dish} for {bake} minutes until golden",
            f"{bake} minutes",
            (f"How long does {dish} bake?", f"How long do I cook {dish} for?"),
        ),
        (
            f"leave it to cool in the tin for {cool} minutes",
            f"{cool} minutes",
            (f"How long should {dish} cool in the tin?",),
        ),
        (
            f"{dish[0].upper() + dish[1:]} keeps for {keep} days in an airtight tin",
            f"{keep} days",
            (f"How long does {dish} keep?", f"How many days will {dish} last?"),
        ),
        (
            f"it freezes for up to {freeze} months",
            f"{freeze} months",
            (f"How long can I freeze {dish}?",),
        ),
        (f"use a {tin} tin", tin, (f"What size tin do I need for {dish}?",)),
        (
            f"the oven should be at {temp}°C",
            f"{temp}°C",
            (f"What temperature do I bake {dish} at?", "How hot should the oven be?"),
        ),
    ]


def _letter_facts(rng: random.Random) -> list[Fact]:
    who = rng.choice(("Dr " + rng.choice(_PEOPLE).split()[1], "the practice nurse", "the optician"))
    date, time = _date(rng), _time(rng)
    early, notice_hours = rng.choice((5, 10, 15)), rng.choice((24, 48))
    days, results = rng.randint(2, 5), rng.randint(6, 14)
    return [
        (
            f"Your appointment with {who} is on {date}",
            date,
            ("When is my appointment?", f"What date am I seeing {who}?"),
        ),
        (f"please arrive at {time}", time, ("What time should I arrive?",)),
        (
            f"come {early} minutes early to fill in a form",
            f"{early} minutes",
            ("How early should I arrive?", "How many minutes early should I come?"),
        ),
        (
            f"if you cannot come, give us {notice_hours} hours' notice",
            f"{notice_hours} hours",
            ("How much notice do I need to give to cancel?",),
        ),
        (
            f"repeat prescriptions take {days} working days",
            f"{days} working days",
            ("How long do repeat prescriptions take?",),
        ),
        (
            f"results are usually back within {results} days",
            f"{results} days",
            ("How long do test results take?",),
        ),
    ]


def _bill_facts(rng: random.Random) -> list[Fact]:
    total = f"£{rng.randint(900, 2900)}.{rng.randint(10, 99)}"
    first, rest = _price(rng, 100, 300), _price(rng, 100, 300)
    police = _price(rng, 150, 400)
    date = f"{rng.randint(1, 28)} {rng.choice(_MONTHS)}"
    rate, old = (
        f"{rng.randint(1, 5)}.{rng.randint(10, 95)}%",
        f"{rng.randint(1, 5)}.{rng.randint(10, 95)}%",
    )
    return [
        (
            f"The total to pay this year is {total}",
            total,
            ("How much do I have to pay this year?", "What is the total bill?"),
        ),
        (f"the first instalment is {first}", first, ("How much is the first payment?",)),
        (
            f"the other instalments are {rest} each",
            rest,
            ("How much are the payments after the first one?",),
        ),
        (f"{police} of it goes to the police", police, ("How much goes to the police?",)),
        (
            f"payments are taken on {date} each month",
            date,
            ("When are payments taken?", "On what day is the money taken?"),
        ),
        (
            f"your interest rate changes from {old} to {rate}",
            rate,
            ("What is the new interest rate?",),
        ),
    ]


_THEMES = (_guarantee_facts, _method_facts, _letter_facts, _bill_facts)


def notice(rng: random.Random) -> Passage:
    """Prose with several values of one kind: the question's words pick the right one, and a
    question about a fact of the same kind that the notice leaves out has no answer."""
    p = Passage()
    facts = rng.choice(_THEMES)(rng)
    rng.shuffle(facts)
    shown, left_out = facts[:4], facts[4:]
    text = ". ".join(sentence[0].upper() + sentence[1:] for sentence, _, _ in shown) + "."
    start = p.line(text)
    for sentence, answer, questions in shown:
        if questions and rng.random() < 0.6:
            p.ask(rng.choice(questions), answer, start + text.find(sentence[1:]) - 1)
    for _, _, questions in left_out:
        if questions:
            p.ask(rng.choice(questions))
    return p


GENERATORS: tuple[Callable[[random.Random], Passage], ...] = (
    fault_codes,
    specifications,
    price_list,
    timetable,
    opening_hours,
    fields,
    ingredients,
    contacts,
    events,
    classes,
    notice,
)


def household_articles(count: int, seed: int) -> list[dict]:
    """`count` SQuAD 2.0 paragraphs, generators taken in turn (deterministic for `seed`), as
    one article per generator titled "household <generator>". Each paragraph is also asked one
    answerable question of the previous paragraph of its generator that names something it does
    not hold, labelled no-answer: the same kind of table, another code, stop or time."""
    rng = random.Random(seed)
    articles: dict[str, list[dict]] = {}
    for k in range(count):
        make = GENERATORS[k % len(GENERATORS)]
        passage = make(rng)
        qas = [
            {
                "id": f"{SOURCE}-{make.__name__}-{k}-{j}",
                "question": question,
                "answers": [] if answer is None else [{"text": answer, "answer_start": at}],
                "is_impossible": answer is None,
            }
            for j, (question, answer, at) in enumerate(passage.qas)
        ]
        paragraphs = articles.setdefault(make.__name__, [])
        if paragraphs:
            borrowed = [
                q["question"]
                for q in paragraphs[-1]["qas"]
                if q["answers"] and _names_missing_from(q["question"], passage.context)
            ]
            if borrowed:
                qas.append(
                    {
                        "id": f"{SOURCE}-{make.__name__}-{k}-other",
                        "question": rng.choice(borrowed),
                        "answers": [],
                        "is_impossible": True,
                    }
                )
        paragraphs.append({"context": passage.context, "qas": qas})
    return [
        {"title": f"{SOURCE} {name}", "source": SOURCE, "paragraphs": paragraphs}
        for name, paragraphs in articles.items()
    ]


def _names_missing_from(question: str, context: str) -> bool:
    """Whether `question` names something (a word with a digit, or a capitalised word after
    the first: a code, a time, a stop, a day) that `context` does not hold."""
    words = [w.strip("?,.'s") for w in question.split()[1:]]
    return any(
        len(w) > 1 and (w[0].isupper() or any(c.isdigit() for c in w)) and w not in context
        for w in words
    )


def add_household(
    path: str | Path, out: str | Path, *, passages: int, keep: int | None, seed: int
) -> tuple[int, int, int]:
    """Write `out`: `keep` questions drawn (seeded) from the SQuAD 2.0 file `path` (all when
    None), whole paragraphs at a time, plus `passages` household passages with their questions.
    Returns (questions kept, household questions, of them unanswerable)."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if not doc.get("data"):
        raise DistillError(f"{path}: no articles")
    if keep is not None:
        doc["data"] = _sample_paragraphs(doc["data"], keep, random.Random(seed))
    kept = sum(len(p["qas"]) for a in doc["data"] for p in a["paragraphs"])
    added = household_articles(passages, seed)
    doc["data"].extend(added)
    questions = [q for a in added for p in a["paragraphs"] for q in p["qas"]]
    Path(out).write_text(json.dumps(doc), encoding="utf-8")
    return kept, len(questions), sum(q["is_impossible"] for q in questions)


def _sample_paragraphs(articles: list[dict], keep: int, rng: random.Random) -> list[dict]:
    """Articles holding about `keep` questions in paragraphs drawn at random."""
    paragraphs = [(a, p) for a in articles for p in a["paragraphs"]]
    rng.shuffle(paragraphs)
    chosen: dict[int, dict] = {}
    total = 0
    for article, paragraph in paragraphs:
        if total >= keep:
            break
        entry = chosen.setdefault(id(article), {**article, "paragraphs": []})
        entry["paragraphs"].append(paragraph)
        total += len(paragraph["qas"])
    return list(chosen.values())
