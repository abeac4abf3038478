"""The kind of answer a question asks for, and whether a span is of that kind.

A reader trained on encyclopaedia prose answers "What date is the bingo?" with "6pm" when both
sit in the same table row, and "How much is a child ticket?" with a whole clause. The question's
opening says what kind of thing is wanted ("how much" an amount, "what time" a time, "what
year" a year, "how long" a duration or length, "what temperature", "how heavy", a phone
number); `type_filter` refuses spans that cannot be one, so the decoder takes the reader's
next best span of the right kind, or none from that passage.

Only openings whose answer kind is unambiguous are used, and each kind is recognised broadly
(a time is "6pm", "18:30", "noon", "half past nine"; an amount any number, in digits or words):
a question whose wording does not match one of them is left to the reader alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_NUMBER_WORDS = (
    "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    "eighty|ninety|hundred|thousand|million|billion|dozen|half|quarter|a few|several|once|"
    "twice|single|double|none"
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DAYS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|"
    "fri|sat|sun|weekdays?|weekends?|daily|tomorrow|today|tonight|yesterday"
)
_TIME_WORDS = "noon|midday|midnight|morning|afternoon|evening|night|dawn|dusk|o'clock|half past"

_HAS_NUMBER = re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)
_HAS_TIME = re.compile(
    rf"\d\s*(?:[:.]\s*\d\d|\s*[ap]\.?m\b|\s*h\b|\s*hrs?\b)|\b(?:{_TIME_WORDS})\b|\d{{4}}h",
    re.IGNORECASE,
)
# a day: a month or weekday name, a numeric or ordinal date, a year, or a feast (not a time)
_HAS_DATE = re.compile(
    rf"\b(?:{_MONTHS}|{_DAYS}|christmas|easter|new year)\b|\b\d{{1,2}}[/.-]\d{{1,2}}\b|"
    r"\b\d{1,2}(?:st|nd|rd|th)\b|\b\d{3,4}\b",
    re.IGNORECASE,
)
_UNITS_OF_TIME = (
    "seconds?|secs?|minutes?|mins?|hours?|hrs?|h|days?|nights?|weeks?|fortnights?|months?|"
    "years?|yrs?|decades?|centuries|century|generations?|seasons?|terms?"
)
_UNITS_OF_LENGTH = (
    "mm|cm|m|km|metres?|meters?|kilometres?|kilometers?|inch(?:es)?|in|foot|feet|ft|yards?|miles?"
)
# a duration or a length: a number (or "a", "an", "half") with its unit, or a span of time words
_HAS_DURATION = re.compile(
    rf"(?:\d|\b(?:{_NUMBER_WORDS}|a|an|few)\b)[\s–-]*(?:to|-|–|or|and)?[\s\d–-]*"
    rf"(?:{_UNITS_OF_TIME}|{_UNITS_OF_LENGTH})\b|\b(?:overnight|all day|all night|until|till)\b",
    re.IGNORECASE,
)
_HAS_TEMPERATURE = re.compile(r"\d\s*°|\bdegrees?\b|\bgas mark\b|\d\s*[CF]\b", re.IGNORECASE)
_HAS_WEIGHT = re.compile(
    r"\d\s*(?:kg|g|lbs?|oz|kilos?|kilograms?|grams?|pounds?|ounces?|stone|tonnes?)\b", re.I
)
# a telephone number: nine digits or more, in groups ("01632 960214", "+44 20 7946 0000")
_HAS_PHONE = re.compile(r"\+?\d(?:[\s()-]*\d){8,}")
_HAS_AMOUNT = re.compile(r"\d|\b(?:free|pounds?|pence|dollars?|euros?|cents?)\b|[£$€]", re.I)
_HAS_YEAR = re.compile(r"\b\d{2,4}s?\b|\bcentury\b|\bcenturies\b|\bBC\b|\bAD\b", re.IGNORECASE)

# question opening -> what its answer must contain; the first that matches decides
_EXPECTED: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (re.compile(r"^\W*(?:in |during |by )?(?:what|which) year\b", re.IGNORECASE), _HAS_YEAR),
    (re.compile(r"^\W*(?:at )?what time\b", re.IGNORECASE), _HAS_TIME),
    (
        re.compile(r"^\W*(?:on )?(?:what|which) (?:date|day)\b", re.IGNORECASE),
        _HAS_DATE,
    ),
    (re.compile(r"^\W*how (?:much|many|old)\b", re.IGNORECASE), _HAS_NUMBER),
    (re.compile(r"^\W*(?:for )?how long\b", re.IGNORECASE), _HAS_DURATION),
    (re.compile(r"^\W*(?:at )?what temperature\b", re.IGNORECASE), _HAS_TEMPERATURE),
    (re.compile(r"^\W*how heavy\b|^\W*what does .* weigh\b", re.IGNORECASE), _HAS_WEIGHT),
    (
        re.compile(
            r"\b(?:phone|telephone) number\b|^\W*what number (?:do|should|can) (?:i|we|you) "
            r"(?:call|ring|phone)\b",
            re.IGNORECASE,
        ),
        _HAS_PHONE,
    ),
    (
        re.compile(r"^\W*what (?:is|was|are|were) the (?:price|cost|fee|charge)\b", re.I),
        _HAS_AMOUNT,
    ),
]


def expected_kind(question: str) -> re.Pattern[str] | None:
    """What an answer to `question` must contain, or None when its opening does not say."""
    for opening, kind in _EXPECTED:
        if opening.search(question):
            return kind
    return None


def type_filter(question: str) -> Callable[[str], bool]:
    """A predicate: True for an answer text that cannot be the kind `question` asks for."""
    kind = expected_kind(question)
    if kind is None:
        return lambda text: False
    return lambda text: kind.search(text) is None
