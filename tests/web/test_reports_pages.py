"""The maturity self-assessment and the business case in the web UI.

Maturity needs no run, so it is tested over the fake hub; the business case is written
from a real demo run (one private copy per module, so its users and audit events stay
here).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from joinedup.hub import Hub
from joinedup.reports.maturity import QUESTIONS, load_answers
from joinedup.web import create_app

from .conftest import audited, csrf_from, private_demo_hub, sign_in
from .fakes import FakeHub

# --- maturity (fake hub) ----------------------------------------------------------------


def _answers(level: int = 2) -> dict[str, str]:
    return {q.id: str(level) for q in QUESTIONS}


def test_maturity_needs_sign_in(client: TestClient) -> None:
    response = client.get("/maturity")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fmaturity"


def test_maturity_form_has_every_question_with_five_levels(investigator: TestClient) -> None:
    page = investigator.get("/maturity")
    assert page.status_code == 200
    assert 'href="/maturity" aria-current="page"' in page.text  # in the nav
    assert 'href="/business-case"' in page.text
    for q in QUESTIONS:
        assert q.question in page.text
        for level in range(1, 6):
            assert f'id="{q.id}-{level}" name="{q.id}" value="{level}"' in page.text
    assert 'name="csrf_token"' in page.text
    assert "Latest result" not in page.text  # nothing saved yet


def test_maturity_post_without_csrf_is_refused(investigator: TestClient, hub: FakeHub) -> None:
    response = investigator.post("/maturity", data={**_answers(), "target": "3"})
    assert response.status_code == 400
    assert "This form has expired" in response.text
    assert not (hub.config.data_dir / "maturity.yaml").exists()


def test_maturity_missing_answers_show_errors_and_keep_choices(
    investigator: TestClient, hub: FakeHub
) -> None:
    token = csrf_from(investigator.get("/maturity").text)
    partial = _answers(4)
    del partial["skills"], partial["lifecycle_archive"]
    response = investigator.post("/maturity", data={**partial, "target": "3", "csrf_token": token})
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert 'href="#skills-1"' in response.text and 'href="#lifecycle_archive-1"' in response.text
    assert 'id="culture-4" name="culture" value="4" checked' in response.text
    assert not (hub.config.data_dir / "maturity.yaml").exists()


def test_maturity_rejects_levels_out_of_range(investigator: TestClient, hub: FakeHub) -> None:
    token = csrf_from(investigator.get("/maturity").text)
    answers = {**_answers(), "culture": "9"}
    response = investigator.post("/maturity", data={**answers, "target": "3", "csrf_token": token})
    assert response.status_code == 400
    assert not (hub.config.data_dir / "maturity.yaml").exists()


def test_maturity_is_scored_saved_and_shown_again(investigator: TestClient, hub: FakeHub) -> None:
    token = csrf_from(investigator.get("/maturity").text)
    answers = {**_answers(2), "leadership": "4", "governance": "3"}
    response = investigator.post("/maturity", data={**answers, "target": "3", "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/maturity#result"

    saved = load_answers(hub.config.data_dir / "maturity.yaml")  # the CLI reads it too
    assert saved.answers["leadership"] == 4 and saved.answers["culture"] == 2
    assert saved.assessed_by == "ivy" and saved.target == 3

    page = investigator.get("/maturity")
    assert page.status_code == 200
    assert "The assessment has been saved." in page.text
    assert "Latest result" in page.text
    assert "<svg" in page.text and 'role="img"' in page.text  # the chart by theme
    assert "Recommendations" in page.text
    culture = next(q for q in QUESTIONS if q.id == "culture")
    assert culture.foundation in page.text  # the next step for a gap
    assert 'id="leadership-4" name="leadership" value="4" checked' in page.text
    assert 'href="/maturity/maturity.docx"' in page.text

    # A second visit, in a new session, still shows it: it is kept, not in the session.
    other = TestClient(create_app(hub), base_url="https://testserver", follow_redirects=False)
    sign_in(other, "ivy")
    assert "Latest result" in other.get("/maturity").text


def test_maturity_downloads(investigator: TestClient, hub: FakeHub) -> None:
    assert investigator.get("/maturity/maturity.md").status_code == 404  # nothing saved
    token = csrf_from(investigator.get("/maturity").text)
    investigator.post("/maturity", data={**_answers(3), "target": "4", "csrf_token": token})
    md = investigator.get("/maturity/maturity.md")
    assert md.status_code == 200
    assert md.headers["content-type"].startswith("text/markdown")
    assert 'filename="maturity.md"' in md.headers["content-disposition"]
    assert md.text.startswith("# Data maturity self-assessment")
    docx = investigator.get("/maturity/maturity.docx")
    assert docx.status_code == 200
    assert zipfile.is_zipfile(io.BytesIO(docx.content))
    assert investigator.get("/maturity/maturity.pdf").status_code == 404


# --- business case (real demo run) ------------------------------------------------------


ROLES = {"ivy": "investigator", "ana": "analyst", "owen": "data_owner", "dee": "dpo"}


@pytest.fixture(scope="module")
def demo_hub(demo_hub_config, tmp_path_factory: pytest.TempPathFactory) -> Hub:  # type: ignore[no-untyped-def]
    return private_demo_hub(demo_hub_config.folder, tmp_path_factory.mktemp("web-reports"), ROLES)


def test_business_case_page_in_the_site_layout(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    page = as_user("ivy").get("/business-case")
    assert page.status_code == 200
    text = page.text
    assert text.count("<html") == 1  # inside the site layout, not a nested document
    assert 'href="/business-case" aria-current="page"' in text
    assert "Business case: joining up" in text
    assert '<table class="table">' in text  # the site's table style
    assert 'href="/business-case/business-case.docx"' in text
    assert 'href="/business-case/business-case.md"' in text
    assert ("ivy", "report.view", "allowed") in audited(demo_hub, "report:business-case")


def test_business_case_downloads_are_written_on_request(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    owen = as_user("owen")  # a data owner may see reports
    md = owen.get("/business-case/business-case.md")
    assert md.status_code == 200
    assert md.headers["content-disposition"] == 'attachment; filename="business-case.md"'
    assert md.text.startswith("# Business case: joining up")
    assert md.headers["cache-control"] == "no-store"
    docx = owen.get("/business-case/business-case.docx")
    assert docx.status_code == 200
    assert docx.headers["content-type"].startswith("application/vnd.openxmlformats")
    with zipfile.ZipFile(io.BytesIO(docx.content)) as word:
        assert "word/document.xml" in word.namelist()
    assert owen.get("/business-case/business-case.pdf").status_code == 404
    assert not list(Path(demo_hub.config.data_dir).glob("business-case.*"))  # nothing kept
    events = audited(demo_hub, "report:business-case.docx")
    assert ("owen", "report.view", "allowed") in events


@pytest.mark.parametrize("username", ["ivy", "owen", "dee"])
def test_business_case_roles_allowed(as_user, username: str) -> None:  # type: ignore[no-untyped-def]
    assert as_user(username).get("/business-case").status_code == 200


def test_business_case_refused_to_analyst_andaudited(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    ana = as_user("ana")
    page = ana.get("/business-case")
    assert page.status_code == 403
    assert "analyst role may not see the hub&#39;s reports" in page.text
    assert ana.get("/business-case/business-case.md").status_code == 403
    events = audited(demo_hub, "report:business-case")
    assert ("ana", "report.view", "denied") in events


def test_business_case_needs_sign_in(demo_hub: Hub) -> None:
    client = TestClient(create_app(demo_hub), base_url="https://testserver", follow_redirects=False)
    for path in ("/business-case", "/business-case/business-case.docx"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_business_case_without_a_run(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, make_user("ada", "admin"))
    page = client.get("/business-case")
    assert page.status_code == 404
    assert "No run has finished yet" in page.text
    assert client.get("/business-case/business-case.md").status_code == 404


def test_an_analyst_cannot_overwrite_the_maturity_assessment(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    analyst = as_user("ana")
    token = csrf_from(analyst.get("/maturity").text)
    response = analyst.post("/maturity", data={**_answers(5), "target": "3", "csrf_token": token})
    assert response.status_code == 403
    assert not (demo_hub.config.data_dir / "maturity.yaml").exists()
    assert ("ana", "report.view", "denied") in audited(demo_hub, "report:maturity")
