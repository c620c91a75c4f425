"""A rule over every template: Django silences a missing link in a variable (`{{ a.b.c }}` renders
empty when `a.b` is None) but not in a filter's argument, where it raises and the page answers 500.
A `|default:` argument is read exactly when something is missing, so it must not go through a
relation that can be missing too: render a related user as `{{ deal.manager|default:"—" }}` (the
user's str is the full name or login), and use {% if %}/{% elif %} for a fallback through a relation."""

import re
from pathlib import Path

import klientura

THROUGH_A_RELATION = re.compile(r"\|default:[a-z_]+\.[a-z_]+\.[a-z_.]+")


def test_no_default_argument_reads_through_a_relation():
    root = Path(klientura.__file__).parent
    offenders = [
        f"{path.relative_to(root)}:{number}: {match.group(0)}"
        for path in sorted(root.rglob("templates/**/*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for match in THROUGH_A_RELATION.finditer(line)
    ]
    assert offenders == []


def test_the_rule_catches_the_pattern_that_failed():
    assert THROUGH_A_RELATION.search('{{ d.manager.get_full_name|default:d.manager.username }}')
    assert not THROUGH_A_RELATION.search('{{ d.manager|default:"—" }}')
