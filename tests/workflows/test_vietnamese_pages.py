"""Every page of every role reads in Vietnamese.

The pages are those of the permission matrix (every list, dossier and task page a
role may open, of the job-position projects and of the staffing plan's flows),
every page of the site reachable without arguments (the org chart, ranks, salary
groups, the login page, and whatever page is added later), and each unit's page.
Each is rendered as each role, in the default language, and its visible text
(text nodes, placeholders, titles, labels, button values) may hold no English
word outside the allowed ones.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from orgchart.demo import reference_data_load
from orgchart.models import Unit
from tests.vietnamese_text import english_words, is_suspicious, visible_text
from tests.workflows.test_permission_matrix import ROLES, matrix_requests

pytestmark = pytest.mark.django_db

#: Words a Vietnamese page may carry as they are.
ALLOWED = {
    "PositionFlow",
    "Excel",
    "Word",
    "email",
    "byte",
    "TTr",  # tờ trình, in document numbers
    "English",  # the language a person may choose, named in its own language
    # Authenticator apps named on the two-factor set-up page, as they are sold.
    "Google",
    "Microsoft",
    "Authenticator",
    "FreeOTP",
}

#: Routes that are not pages to read (downloads, the admin, language switch,
#: logging out, the API's JSON and its developers' documentation; the page of a
#: person's API keys is one).
NOT_PAGES = re.compile(
    r"^(admin|i18n|set_language|api_(?!keys$))|logout|export|template|download"
)


@pytest.fixture(autouse=True)
def _english(settings):
    """Unlike the other flow tests, these read the pages in the default language."""
    settings.LANGUAGE_CODE = "vi"


def _argless_page_names() -> list[str]:
    """Every named route of the site that takes no argument."""
    names = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = (
                        f"{namespace}:{pattern.namespace}"
                        if namespace
                        else pattern.namespace
                    )
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if pattern.pattern.regex.groups == 0 and not NOT_PAGES.search(name):
                    names.append(name)

    walk(get_resolver().url_patterns, "")
    return sorted(set(names))


def _fixture_words(people) -> str:
    """Names of the test's people and units, to be removed before looking."""
    words = []
    for user in people.values():
        words += [user.username, user.first_name, user.last_name]
    words += [unit.code for unit in Unit.objects.all()]
    alternatives = "|".join(
        re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w
    )
    return rf"(?<!\w)(?:{alternatives})(?!\w)"


_FILE_NAME = re.compile(r"\S+\.(?:pdf|docx?|xlsx?|csv)\b", re.IGNORECASE)


def test_the_checker_flags_english_and_not_vietnamese():
    for word in (
        "Task Done Dashboard Assign Created Status Save Due Project Inbox Queue "
        "Process Cancel Undo Archive Submit Draft Flow Unassign Execute the to in"
    ).split():
        assert is_suspicious(word), word
    for word in (
        "ba con cho tin mang sai theo cao tay hoa quy khoa nguyen trinh nghia "
        "nhieu thuong uyen khuyen thanh phong truong giam doc chuyen vien ke gi "
        "UBND SNV TCBC PDF"
    ).split():
        assert not is_suspicious(word), word
    html = (
        "<p>Hồ sơ <b>Done</b><!-- Internal --></p><script>var Task = 1;</script>"
        '<input placeholder="Search"><button title="Đóng">Lưu</button>'
        '<input type="submit" value="Save"><style>.Queue {}</style>'
    )
    assert english_words(visible_text(html)) == {"Done", "Search", "Save"}


def test_no_page_of_any_role_shows_english(client, people, world, staffing_world):
    reference_data_load()  # the real reference data, as the demo shows it
    pages = [
        (role, reverse(name, args=args))
        for role, name, args, expected in matrix_requests(people, world, staffing_world)
        if expected == 200
    ]
    for role in ROLES:
        for name in _argless_page_names():
            pages.append((role, reverse(name)))
        if role is not None:
            pages += [(role, unit.get_absolute_url()) for unit in Unit.objects.all()]

    fixture_words = re.compile(_fixture_words(people), re.IGNORECASE)
    found: dict[str, set[str]] = defaultdict(set)
    context: dict[str, str] = {}
    seen = set()
    read = 0
    for role, path in pages:
        if (role, path) in seen:
            continue
        seen.add((role, path))
        if role is None:
            client.logout()
        else:
            client.force_login(people[role])
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get(
            "Content-Type", ""
        ):
            continue
        read += 1
        text = visible_text(response.content.decode())
        text = fixture_words.sub(" ", _FILE_NAME.sub(" ", text))
        for word in english_words(text, allowed=ALLOWED):
            found[word].add(f"{role or 'anonymous'} {path}")
            if word not in context:
                at = max(text.find(word), 0)
                context[word] = " ".join(text[max(at - 40, 0) : at + 40].split())

    # Every role's lists, dossiers, tasks and org-chart pages were read.
    assert read > 300, read
    report = [
        f"{word}: {len(where)} page(s), e.g. {sorted(where)[0]}: …{context[word]}…"
        for word, where in sorted(found.items())
    ]
    assert report == [], "\n".join(report)
