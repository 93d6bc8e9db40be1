"""What the studio refuses before any handler runs (dreamstyle.studio.guard) and the bounds on what a request
may ask: rule by rule, then over a real socket as another site's page or a careless script would send it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from dreamstyle.studio.guard import SECRET_HEADER, Guard
from dreamstyle.studio.requests import MAX_JSON_BYTES

from .helpers import DATA, make_studio, served

PHOTO = str(DATA / "amber.jpg")
HOST = "127.0.0.1:8765"
GUARD = Guard("s3cret", hosts=(HOST,))
OWN = {"host": HOST, "origin": f"http://{HOST}", "sec-fetch-site": "same-origin", SECRET_HEADER.lower(): "s3cret"}


def without(headers: dict, *names: str) -> dict:
    return {name: value for name, value in headers.items() if name not in names}


def test_the_studios_own_page_may_change_things_and_so_may_a_script_that_knows_the_secret():
    assert GUARD.refusal("POST", "/api/jobs", OWN) is None
    assert GUARD.refusal("DELETE", "/api/jobs/3", without(OWN, "origin", "sec-fetch-site")) is None


@pytest.mark.parametrize("headers, words", [
    ({**OWN, "origin": "http://127.0.0.1:9999", "sec-fetch-site": "same-site"}, ["http://127.0.0.1:9999"]),
    ({**OWN, "origin": "null"}, ["from null"]),
    ({**OWN, "sec-fetch-site": "cross-site"}, ["cross-site"]),
    ({**OWN, "sec-fetch-site": "same-site"}, ["same-site"]),
    (without(OWN, SECRET_HEADER.lower()), [SECRET_HEADER]),
    ({**OWN, SECRET_HEADER.lower(): "guess"}, [SECRET_HEADER]),
    ({**OWN, SECRET_HEADER.lower(): "sécret"}, [SECRET_HEADER]),
    ({**OWN, "host": "evil.example:8765"}, ["answers only at"]),
])
def test_a_change_from_another_origin_or_without_the_secret_is_refused(headers, words):
    for method in ("POST", "DELETE", "PUT"):
        reason = GUARD.refusal(method, "/api/jobs", headers)
        assert reason is not None and all(word in reason for word in words), reason


def test_another_sites_page_cannot_read_the_api_but_may_link_to_the_page():
    assert "cross-site" in GUARD.refusal("GET", "/api/file", {"host": HOST, "sec-fetch-site": "cross-site"})
    assert "same-site" in GUARD.refusal("GET", "/api/events", {"host": HOST, "sec-fetch-site": "same-site"})
    assert GUARD.refusal("GET", "/api/file", {"host": HOST, "sec-fetch-site": "none"}) is None  # typed address
    assert GUARD.refusal("GET", "/", {"host": HOST, "sec-fetch-site": "cross-site"}) is None


@pytest.mark.parametrize("given", ["sesame", "wrong", "sésame", "\udcff", ""])
def test_a_token_of_any_text_is_compared_without_failing(given):
    guard = Guard("s3cret", token="sesame")
    reason = guard.refusal("GET", "/api/info", {"host": HOST}, query=f"token={given}")
    assert (reason is None) == (given == "sesame")
    cookie = guard.refusal("GET", "/api/info", {"host": HOST, "cookie": f"dreamstyle_token={given}"})
    assert (cookie is None) == (given == "sesame")


@pytest.fixture(scope="module")
def live(tmp_path_factory, vgg19):
    """A studio served on a real socket; every test here expects its queue to stay empty."""
    studio = make_studio(tmp_path_factory.mktemp("guard"), vgg19)
    with served(studio) as url:
        yield url, studio


def send(url: str, method: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, dict]:
    """(status, headers, JSON answer) of a request sent as a plain client would."""
    request = urllib.request.Request(url, body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"null")


def test_a_form_or_no_cors_post_from_another_port_queues_nothing(live):
    url, studio = live
    body = json.dumps({"kind": "dream", "input": PHOTO, "size": 48}).encode()
    for headers in ({"Content-Type": "text/plain", "Origin": "http://127.0.0.1:9"},
                    {"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://127.0.0.1:9",
                     "Sec-Fetch-Site": "same-site"},
                    {"Content-Type": "application/json"}):
        status, _, answer = send(f"{url}/api/jobs", "POST", body, headers)
        assert status == 403 and "error" in answer
    status, _, _ = send(f"{url}/api/jobs/1/stop", "POST", b"", {"Origin": "http://127.0.0.1:9"})
    assert status == 403
    assert studio.queue.jobs() == []


def test_every_answer_forbids_framing_sniffing_and_inline_script(live):
    url, _ = live
    for path in ("/", "/static/studio.js", "/api/info", "/api/nothing-here"):
        try:
            answer = urllib.request.urlopen(f"{url}{path}", timeout=60)
            headers = answer.headers
        except urllib.error.HTTPError as error:
            headers = error.headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"


def test_the_page_carries_the_servers_secret_and_no_other_page_is_told_it(live):
    url, studio = live
    page = urllib.request.urlopen(f"{url}/", timeout=60).read().decode()
    assert f'<meta name="dreamstyle-secret" content="{studio.secret}">' in page
    assert len(studio.secret) >= 40


def post_job(url: str, studio, body: bytes) -> tuple[int, dict]:
    status, _, answer = send(f"{url}/api/jobs", "POST", body,
                             {"Content-Type": "application/json", SECRET_HEADER: studio.secret})
    return status, answer


def test_a_huge_body_is_refused_before_it_is_read_whole(live):
    url, studio = live
    status, answer = post_job(url, studio, b'{"kind": "' + b"x" * (MAX_JSON_BYTES + 1) + b'"}')
    assert status == 413 and "over 256 KiB" in answer["error"]


@pytest.mark.parametrize("body, words", [
    (b"[" * 100_000 + b"]" * 100_000, ["nests deeper than 8"]),
    (b'{"a": ' * 20 + b"1" + b"}" * 20, ["nests deeper than 8"]),
    (b'{"kind": "dream", "input": "x", "seed": NaN}', ["NaN"]),
    (b'{"kind": "dream", "size": Infinity}', ["Infinity"]),
])
def test_deep_nesting_and_numbers_json_does_not_allow_are_a_400(live, body, words):
    url, studio = live
    status, answer = post_job(url, studio, body)
    assert status == 400 and all(word in answer["error"] for word in words), answer


@pytest.mark.parametrize("body, words", [
    ({"kind": "dream", "input": PHOTO, "seed": 2**70}, ["seed", "0 to 4611686018427387904"]),
    ({"kind": "dream", "input": PHOTO, "seed": -1}, ["seed", "0 to"]),
    ({"kind": "dream", "input": PHOTO, "settings": {"step": 1e308}}, ["step", "at most 1"]),
    ({"kind": "dream", "input": PHOTO, "settings": {"octaves": 1000}}, ["octaves", "at most 16"]),
    ({"kind": "atlas", "layer": "relu3_1", "channels": "0-3", "settings": {"iterations": 10**9}},
     ["iterations", "at most 100000"]),
    ({"kind": "atlas", "layer": "relu3_1", "channels": "0-3", "seed": 2**70}, ["seed"]),
    ({"kind": "transfer", "input": PHOTO, "styles": [PHOTO], "settings": {"scales": 99}}, ["scales", "16"]),
])
def test_every_number_is_checked_when_the_request_arrives_naming_its_field_and_range(live, body, words):
    url, studio = live
    status, answer = post_job(url, studio, json.dumps(body).encode())
    assert status == 400 and all(word in answer["error"] for word in words), answer
    assert studio.queue.jobs() == []


def test_a_non_ascii_token_is_a_403_not_a_server_error(tmp_path, vgg19):
    with served(make_studio(tmp_path, vgg19, token="sesame")) as url:
        status, _, answer = send(f"{url}/api/info?token=s%C3%A9same", "GET")
        assert status == 403 and "token" in answer["error"]
        status, _, _ = send(f"{url}/api/info?token=sesame", "GET")
        assert status == 200
