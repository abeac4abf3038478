"""Text as a person says it: amounts, times, dates, years, percentages, ordinals, units, codes,
phone numbers and abbreviations written out in words before a voice reads them.

"Adult tickets cost £9.50." becomes "Adult tickets cost nine pounds fifty.", "6:45 am" "six
forty-five in the morning", "14 October 2025" "the fourteenth of October twenty twenty-five",
"founded in 1889" "founded in eighteen eighty-nine", "48%" "forty-eight percent", "2nd floor"
"second floor", "7 kg" "seven kilograms", "E01" "E zero one", "F22" "F twenty-two", "Dr." "Doctor".
Numbers become words through num2words (British English, "one hundred and five"); the patterns
around them are this module's rules, applied in the order of `RULES` (the more specific first:
an amount or a time is never read as a plain number).

`speakable(text)` is what every voice is given (`assistant.service.daemon`) and what
`qa-assistant ask --json` reports as "spoken". Text without digits, symbols or the listed
abbreviations passes unchanged, and applying it twice changes nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from num2words import num2words

MONTHS = (
    "January February March April May June July August September October November December"
).split()
_MONTH_ABBREVIATIONS = {m[:3]: m for m in MONTHS} | {"Sept": "September"}
_MONTH = r"(?P<month>" + "|".join([*MONTHS, *_MONTH_ABBREVIATIONS]) + r")\.?"

# symbol -> (one, many, hundredth one, hundredths many)
CURRENCIES = {
    "£": ("pound", "pounds", "penny", "pence"),
    "$": ("dollar", "dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
}
SCALES = {"k": "thousand", "m": "million", "bn": "billion"}

# written unit -> (one, many); matched after a number, case-sensitively
UNITS = {
    "km": ("kilometre", "kilometres"),
    "m": ("metre", "metres"),
    "cm": ("centimetre", "centimetres"),
    "mm": ("millimetre", "millimetres"),
    "mi": ("mile", "miles"),
    "ft": ("foot", "feet"),
    "kg": ("kilogram", "kilograms"),
    "g": ("gram", "grams"),
    "mg": ("milligram", "milligrams"),
    "lb": ("pound", "pounds"),
    "lbs": ("pound", "pounds"),
    "oz": ("ounce", "ounces"),
    "l": ("litre", "litres"),
    "L": ("litre", "litres"),
    "ml": ("millilitre", "millilitres"),
    "°C": ("degree Celsius", "degrees Celsius"),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "°": ("degree", "degrees"),
    "h": ("hour", "hours"),
    "hr": ("hour", "hours"),
    "hrs": ("hours", "hours"),
    "min": ("minute", "minutes"),
    "mins": ("minutes", "minutes"),
    "s": ("second", "seconds"),
    "sec": ("second", "seconds"),
    "secs": ("seconds", "seconds"),
    "mph": ("mile per hour", "miles per hour"),
    "km/h": ("kilometre per hour", "kilometres per hour"),
    "kph": ("kilometre per hour", "kilometres per hour"),
    "rpm": ("revolution per minute", "revolutions per minute"),
    "W": ("watt", "watts"),
    "kW": ("kilowatt", "kilowatts"),
    "kWh": ("kilowatt hour", "kilowatt hours"),
    "V": ("volt", "volts"),
    "mA": ("milliamp", "milliamps"),
    "Mbps": ("megabit per second", "megabits per second"),
    "KB": ("kilobyte", "kilobytes"),
    "MB": ("megabyte", "megabytes"),
    "GB": ("gigabyte", "gigabytes"),
    "TB": ("terabyte", "terabytes"),
}

# abbreviations said in full: (pattern, replacement)
ABBREVIATIONS = [
    (r"\be\.g\.", "for example"),
    (r"\bi\.e\.", "that is"),
    (r"\betc\.(?=\s+[A-Z]|\s*$)", "et cetera."),  # the point ends the sentence too
    (r"\betc\.", "et cetera"),
    (r"\bapprox\.", "approximately"),
    (r"\bincl\.", "including"),
    (r"\bvs\.?(?=\s)", "versus"),
    (r"\bDr\.?(?=\s+[A-Z])", "Doctor"),
    (r"\bMrs\.?(?=\s+[A-Z])", "Missus"),
    (r"\bMr\.?(?=\s+[A-Z])", "Mister"),
    (r"\bMs\.?(?=\s+[A-Z])", "Miz"),
    (r"\bNo\.?(?=\s*\d)", "number"),
    (r"#(?=\d)", "number "),
    (r"\bLtd\b\.?", "Limited"),
    (r"\btel\.", "telephone"),
    (r"\s&\s", " and "),
]


def _words(number: float | int, **options: str) -> str:
    """`number` in words, without num2words' commas (they would be read as pauses)."""
    return num2words(number, lang="en", **options).replace(",", "")


def _number(text: str) -> str:
    """A written number ("1,250", "3.5", "-4") in words; digits one by one after a point."""
    text = text.replace(",", "")
    if "." in text:
        whole, fraction = text.split(".", 1)
        digits = " ".join(_words(int(d)) for d in fraction)
        return f"{_words(int(whole or 0))} point {digits}"
    return _words(int(text))


def _digits(text: str) -> str:
    """Each digit of `text` on its own ("01632" -> "zero one six three two")."""
    return " ".join(_words(int(d)) for d in text if d.isdigit())


def _year(text: str) -> str:
    return _words(int(text), to="year")


def _ordinal(text: str) -> str:
    return _words(int(text), to="ordinal")


def _currency(match: re.Match[str]) -> str:
    one, many, small_one, small_many = CURRENCIES[match["symbol"]]
    whole, cents, scale = match["whole"].replace(",", ""), match["cents"], match["scale"]
    if scale:
        amount = _number(f"{whole}.{cents}" if cents else whole)
        return f"{amount} {SCALES.get(scale.lower(), scale.lower())} {many}"
    pounds = int(whole)
    pence = int(cents.ljust(2, "0")) if cents else 0
    if pounds == 0 and pence:
        return f"{_words(pence)} {small_one if pence == 1 else small_many}"
    said = f"{_words(pounds)} {one if pounds == 1 else many}"
    return f"{said} {_words(pence)}" if pence else said


def _pence(match: re.Match[str]) -> str:
    pence = int(match["pence"])
    return f"{_words(pence)} {'penny' if pence == 1 else 'pence'}"


def _part_of_day(hour: int, meridiem: str) -> str:
    """The words after a 12-hour time: "in the morning", "in the afternoon", ..."""
    if meridiem == "am":
        return "at night" if hour == 12 else "in the morning"
    if hour == 12 or hour < 6:
        return "in the afternoon"
    return "in the evening" if hour < 9 else "at night"


def _clock(hour: int, minute: int, meridiem: str | None) -> str:
    """A time of day in words; 24-hour afternoon times are said the 12-hour way."""
    if meridiem is None and hour > 12:
        hour, meridiem = hour - 12, "pm"
    if meridiem is None and hour == 0:
        hour, meridiem = 12, "am"
    if meridiem and minute == 0 and hour == 12:
        return "midnight" if meridiem == "am" else "noon"
    said = _words(hour)
    if minute == 0:
        said += "" if meridiem else " o'clock"
    elif minute < 10:
        said += f" oh {_words(minute)}"
    else:
        said += f" {_words(minute)}"
    return f"{said} {_part_of_day(hour, meridiem)}" if meridiem else said


def _meridiem(text: str | None) -> str | None:
    return None if not text else text.replace(".", "").lower()


def _sentence_end(match: re.Match[str]) -> str:
    """ "." when the match ends in "a.m."/"p.m." whose point also ends the sentence."""
    after = match.string[match.end() :]
    ends = not after.strip() or re.match(r"\s+[A-Z]", after) is not None
    return "." if match[0].endswith(".") and ends else ""


def _time(match: re.Match[str]) -> str:
    groups = match.groupdict()
    hour, minute = int(groups["hour"]), int(groups.get("minute") or 0)
    if hour > 23 or minute > 59:
        return match[0]
    return _clock(hour, minute, _meridiem(groups.get("meridiem"))) + _sentence_end(match)


def _date(match: re.Match[str]) -> str:
    """ "24, 25 and 26 December 2025" -> "the twenty-fourth, twenty-fifth and twenty-sixth of
    December twenty twenty-five"."""
    days = re.sub(r"\s*[-–]\s*", " to ", match["days"])
    days = re.sub(r"\d+(?:st|nd|rd|th)?", lambda m: _ordinal(re.sub(r"\D", "", m[0])), days)
    month = _MONTH_ABBREVIATIONS.get(match["month"], match["month"])
    year = f" {_year(match['year'])}" if match["year"] else ""
    return f"the {days} of {month}{year}"


def _month_first_date(match: re.Match[str]) -> str:
    month = _MONTH_ABBREVIATIONS.get(match["month"], match["month"])
    year = f" {_year(match['year'])}" if match["year"] else ""
    return f"{month} the {_ordinal(match['day'])}{year}"


def _iso_date(match: re.Match[str]) -> str:
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match[0]
    return f"the {_ordinal(str(day))} of {MONTHS[month - 1]} {_year(str(year))}"


def _unit(match: re.Match[str]) -> str:
    one, many = UNITS[match["unit"]]
    amount = match["amount"]
    sign = "minus " if amount.startswith(("-", "−")) else ""
    amount = amount.lstrip("-−")
    return f"{sign}{_number(amount)} {one if amount == '1' else many}"


def _code(match: re.Match[str]) -> str:
    """A code of capitals and digits: "E01" -> "E zero one", "F22" -> "F twenty-two",
    "WM-7140" -> "W M seven one four zero"."""
    letters, digits = " ".join(match["letters"]), match["digits"]
    if digits.startswith("0") or len(digits) > 2:
        return f"{letters} {_digits(digits)}"
    return f"{letters} {_words(int(digits))}"


def _phone(match: re.Match[str]) -> str:
    return ", ".join(_digits(group) for group in match[0].split())


_FRACTIONS = {"1/2": "a half", "1/3": "a third", "2/3": "two thirds", "1/4": "a quarter"}
_FRACTIONS |= {"3/4": "three quarters", "½": "a half", "¼": "a quarter", "¾": "three quarters"}

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_UNIT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
_MERIDIEM = r"(?P<meridiem>[ap]\.m\.|[ap]m\b)"
_YEAR_CUE = r"in|since|from|until|till|by|before|after|of|around|circa|c\.|year|between|and|to"

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str] | str]


def _rule(pattern: str, replace: Callable[[re.Match[str]], str] | str, flags: int = 0) -> Rule:
    return re.compile(pattern, flags), replace


RULES: list[Rule] = [
    *(_rule(pattern, words) for pattern, words in ABBREVIATIONS),
    # amounts: £9.50, $3, €1,250, £2.5m, £5 million, 50p
    _rule(
        r"(?P<symbol>[£$€])\s?(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d{1,2}))?"
        r"(?:\s?(?P<scale>k|m|bn|thousand|million|billion)\b)?",
        _currency,
    ),
    _rule(r"\b(?P<pence>\d+)p\b", _pence),
    # times: 9:30, 17:45, 6:45 am, 7.30pm, 7 am
    _rule(
        r"\b(?P<hour>\d{1,2})(?::(?P<minute>\d{2})(?:\s?" + _MERIDIEM + r")?"
        r"|[.](?P<dotted>\d{2})\s?" + _MERIDIEM.replace("meridiem", "dotted_m") + r")",
        lambda m: _time(m) if m["minute"] is not None else _clock_dotted(m),
    ),
    _rule(r"\b(?P<hour>\d{1,2})\s?" + _MERIDIEM, _time),
    # dates: 14 October 2025, 24, 25 and 26 December, 1st-3rd May, March 3, 2025, 2025-03-12
    _rule(
        r"\b(?P<days>(?:\d{1,2}(?:st|nd|rd|th)?(?:,\s*|\s+and\s+|\s*[-–]\s*|\s+to\s+))*"
        r"\d{1,2}(?:st|nd|rd|th)?)\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+(?P<year>\d{4}))?\b",
        _date,
    ),
    _rule(
        r"\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{4})\b)?",
        _month_first_date,
    ),
    _rule(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b", _iso_date),
    # a month and its year: March 2025
    _rule(
        r"\b" + _MONTH + r"\s+(?P<year>1[1-9]\d\d|20\d\d)\b",
        lambda m: f"{_MONTH_ABBREVIATIONS.get(m['month'], m['month'])} {_year(m['year'])}",
    ),
    # percentages
    _rule(r"(?P<n>" + _NUMBER + r")\s?%", lambda m: f"{_number(m['n'])} percent"),
    # measurements: 7 kg, 40 °C, -5°C, 150 m, 2 h 15 min, 67 Mbps
    _rule(
        r"(?<![\w.,])(?P<amount>[-−]?(?:" + _NUMBER + r"))\s?(?P<unit>" + _UNIT + r")(?![\w/])",
        _unit,
    ),
    # years after a word that introduces one: in 1889, since 2020, 1914-1918
    _rule(
        r"\b(?P<cue>" + _YEAR_CUE + r")\s+(?P<year>1[1-9]\d\d|20\d\d)(?:\s*[-–]\s*"
        r"(?P<end>1[1-9]\d\d|20\d\d))?(?![\d,.]\d)",
        lambda m: f"{m['cue']} {_year(m['year'])}" + (f" to {_year(m['end'])}" if m["end"] else ""),
        re.IGNORECASE,
    ),
    # ordinals: 1st, 22nd, 3rd, 4th
    _rule(r"\b(?P<n>\d+)(?:st|nd|rd|th)\b", lambda m: _ordinal(m["n"])),
    # codes: E01, F22, H3, WM-7140
    _rule(r"\b(?P<letters>[A-Z]{1,3})-?(?P<digits>\d{1,4})\b", _code),
    # phone numbers and other digit strings: 01632 960123, 0800 123 4567
    _rule(r"\b0\d{3,}(?:\s\d{3,})*\b", _phone),
    # fractions
    _rule(r"(?<![\d/])(?:[1-3]/[2-4]|[½¼¾])(?![\d/])", lambda m: _FRACTIONS.get(m[0], m[0])),
    # ranges of numbers: 10-12
    _rule(
        r"(?<![\w.,])(?P<a>" + _NUMBER + r")\s?[-–]\s?(?P<b>" + _NUMBER + r")(?![\w.,]\w)",
        lambda m: f"{_number(m['a'])} to {_number(m['b'])}",
    ),
    # any other number
    _rule(r"(?<![\w.])(?P<n>" + _NUMBER + r")(?![\w])", lambda m: _number(m["n"])),
]


def _clock_dotted(match: re.Match[str]) -> str:
    """9.30am / 7.30 pm: a time written with a point (only with am or pm after it)."""
    hour, minute = int(match["hour"]), int(match["dotted"])
    if hour > 12 or minute > 59:
        return match[0]
    return _clock(hour, minute, _meridiem(match["dotted_m"])) + _sentence_end(match)


def speakable(text: str) -> str:
    """`text` with every rule of `RULES` applied, in order (see the module docstring)."""
    for pattern, replace in RULES:
        text = pattern.sub(replace, text)
    return text
