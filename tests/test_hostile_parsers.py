"""Extractors stay linear in their input (issue 36): each construct that made a load hang is
built at a size where quadratic work would take many minutes (the sizes of the adversarial
pass, or larger), and must be extracted well within `BOUND` seconds (a generous bound that only
catches the hang: linear work takes about a second, quadratic work ten minutes or more)."""

from __future__ import annotations

import random
import re
import time
import tracemalloc
from collections.abc import Callable

import pytest

from assistant.documents.extraction import markdown
from assistant.documents.extraction.html import MAX_ATTRIBUTES, MAX_OPEN, html_to_text
from assistant.documents.extraction.markdown import markdown_to_text
from assistant.documents.extraction.plain import plain_text
from assistant.documents.scan import normalize_text
from assistant.errors import DocumentError

BOUND = 30.0

# name -> (extractor, the hostile text, a check of its output)
CASES: dict[str, tuple[Callable[[str], str], str, Callable[[str], bool]]] = {
    # HTML: 20,000 nested <div> took 8.9 s, 40,000 took 34 s
    "html deep nesting": (html_to_text, "<div>" * 200_000 + "deep", lambda t: t == "deep"),
    "html unclosed deep nesting of two tags": (
        html_to_text,
        "<b><i>" * 40_000 + "x" + "</i></b>" * 40_000 + "after",
        lambda t: t == "xafter",
    ),
    "html deep hidden nesting": (
        html_to_text,
        "<nav>" * 100_000 + "menu" + "</nav>" * 100_000 + "<p>text</p>",
        lambda t: t == "text",
    ),
    # '<a ' * 40,000 (120 KB) still ran after 120 s
    "html unclosed start tags": (html_to_text, "<p>before</p>" + "<a " * 200_000, str.isalpha),
    "html unclosed comments": (html_to_text, "<p>x</p>" + "<!-- <b>" * 100_000, str.isalpha),
    "html unclosed end tags": (html_to_text, "<p>x</p>" + "</a " * 100_000, str.isalpha),
    "html unclosed declarations": (html_to_text, "<p>x</p>" + "<!x " * 100_000, str.isalpha),
    "html unclosed processing instructions": (
        html_to_text,
        "<p>x</p>" + "<?x " * 100_000,
        str.isalpha,
    ),
    "html unclosed CDATA": (html_to_text, "<p>x</p>" + "<![CDATA[ " * 100_000, str.isalpha),
    "html unclosed quotes": (html_to_text, "<p>x</p>" + '<a x="' * 100_000, str.isalpha),
    "html a huge table": (
        html_to_text,
        "<table>" + "<tr><th>k</th><td>v</td></tr>" * 100_000,
        lambda t: t.startswith("k: v\nk: v"),
    ),
    "html blank lines in pre": (
        html_to_text,
        "<pre>" + " \n" * 200_000 + "#x",
        lambda t: t.endswith("\\#x"),
    ),
    "html a script never closed": (
        html_to_text,
        "<p>x</p><script>" + "</ x" * 100_000,
        lambda t: t == "x",
    ),
    # '**abc ' * 35,000 (210 KB) still ran after 120 s; '[abc ' and '<!-- abc ' the same
    "markdown strong openers": (markdown_to_text, "**abc " * 100_000, lambda t: "abc" in t),
    "markdown strong underscores": (markdown_to_text, "__abc " * 100_000, lambda t: "abc" in t),
    "markdown emphasis openers": (markdown_to_text, "*abc " * 100_000, lambda t: "abc" in t),
    "markdown underscore openers": (markdown_to_text, "_abc " * 100_000, lambda t: "abc" in t),
    "markdown link openers": (markdown_to_text, "[abc " * 100_000, lambda t: "abc" in t),
    "markdown links without target end": (
        markdown_to_text,
        "[abc](d " * 100_000,
        lambda t: t.startswith("[abc](d"),
    ),
    "markdown reference links without end": (
        markdown_to_text,
        "[a][b " * 100_000,
        lambda t: t.startswith("ab [ab [ab"),
    ),
    "markdown comment openers": (
        markdown_to_text,
        "x <!-- abc " * 100_000,
        lambda t: t.startswith("x <!-- abc x"),
    ),
    "markdown tag openers": (markdown_to_text, "x <a " * 100_000, lambda t: t.startswith("x <a x")),
    "markdown heading closed by hashes": (
        markdown_to_text,
        "# a" + "#" * 200_000 + "x",
        lambda t: t.startswith("# a#"),
    ),
    "markdown table rule of spaces": (
        markdown_to_text,
        "| a |\n|---" + " " * 200_000 + "x",
        lambda t: t.startswith("| a |"),
    ),
    "plain text of spaces": (
        lambda t: plain_text(normalize_text(t)),
        "a" + " " * 1_000_000 + "b \n" + " \n" * 100_000,
        lambda t: t == "a: b",  # two columns
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_markup_is_extracted_in_linear_time(name: str) -> None:
    extract, text, check = CASES[name]
    started = time.monotonic()
    out = extract(text)
    assert time.monotonic() - started < BOUND
    assert check(out), out[:200]


def test_html_nested_beyond_the_open_element_bound_is_refused() -> None:
    """Alternating tags cannot share a run: each is an open element of its own."""
    with pytest.raises(DocumentError, match=f"nested too deeply \\(over {MAX_OPEN} open"):
        html_to_text("<a><b>" * MAX_OPEN)


def test_html_attributes_cost_bounded_memory() -> None:
    """The standard library's start-tag pattern kept about 570 bytes per attribute (a tag of
    300,000 attributes: 170 MB), and its parser lists every attribute before it reports the tag:
    a tag of over MAX_ATTRIBUTES is refused, and a long attribute value costs its length."""
    with pytest.raises(DocumentError, match=f"HTML tag with over {MAX_ATTRIBUTES} attributes"):
        html_to_text("<a " + "b " * 1_000_000 + ">")
    image = '<img src="data:image/png;base64,' + "QUJD" * 500_000 + '">'
    many = "<a " + "b " * (MAX_ATTRIBUTES - 1) + ">"
    tracemalloc.start()
    try:
        assert html_to_text(f"<p>{image}{many}words</p>" * 3) == "words\n\nwords\n\nwords"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20


def test_html_unterminated_at_the_end_runs_to_the_end() -> None:
    """As HTML5: an unterminated tag or comment at the end takes the rest of the page."""
    assert html_to_text("<p>kept</p><!-- a comment <p>not kept") == "kept"
    assert html_to_text('<p>kept</p><a title="5 inch>not kept') == "kept"
    assert html_to_text("<p>kept</p><p>AT&T") == "kept\n\nAT&T"
    assert html_to_text("<p>less <</p>") == "less <"


# The regular expressions the Markdown scanner replaced: it must remove exactly what they did.
_REGEX_INLINE = [
    (re.compile(r"<!--.*?-->", re.DOTALL), ""),
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"!?\[([^\]]*)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"</?[A-Za-z][^>]*>"), ""),
]
_REGEX_ATX = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_REGEX_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")


def _regex_inline(text: str) -> str:
    for pattern, replacement in _REGEX_INLINE:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def test_the_markdown_scanner_equals_the_regular_expressions() -> None:
    rng = random.Random(36)
    pieces = [*"* ** _ __ [ ] ( ) ![ <!-- --> <a> </b < > ` a b ! - x_y é #".split(), " ", "\n"]
    for _ in range(30_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(14)))
        assert markdown._inline(text) == _regex_inline(text), repr(text)
        rule = "".join(rng.choice("|-: \tx\u00a0") for _ in range(rng.randrange(10)))
        expected = _REGEX_TABLE_RULE.match(rule) is not None
        assert (markdown._TABLE_RULE.fullmatch(rule.strip()) is not None) == expected, repr(rule)
        line = "".join(rng.choice(["#", "##", " ", "a", "\t", "\u3000"]) for _ in range(10))
        match = _REGEX_ATX.match(line)
        atx = markdown._atx(line)
        assert atx == (match and (len(match.group(1)), match.group(2))), repr(line)
