"""Checking calls against the Bot API specification (../shared/telegram-bot-api/api.json)."""

from __future__ import annotations

import pytest

from danhgia.sandbox.spec import ApiSpec


@pytest.fixture(scope="module")
def spec() -> ApiSpec:
    found = ApiSpec.find()
    if found is None:
        pytest.skip("../shared/telegram-bot-api/api.json is not beside the project")
    return found


def test_spec_is_the_shared_file(spec: ApiSpec) -> None:
    assert spec.version.startswith("Bot API")
    assert spec.method("sendmessage") is spec.method("sendMessage")


def test_unknown_and_missing_parameters(spec: ApiSpec) -> None:
    method = spec.method("sendMessage")
    assert method is not None
    problems = spec.check_call(method, {"chat_id": 1, "txt": "x"})
    assert "sendMessage: unknown parameter 'txt'" in problems
    assert "sendMessage: missing required parameter 'text'" in problems


def test_nested_objects_are_checked(spec: ApiSpec) -> None:
    method = spec.method("sendMessage")
    assert method is not None
    bad_button = {"inline_keyboard": [[{"text": "A", "callback": "x"}]]}
    problems = spec.check_call(method, {"chat_id": 1, "text": "x", "reply_markup": bad_button})
    assert any("unknown field 'callback'" in p for p in problems)
    good = {"inline_keyboard": [[{"text": "A", "callback_data": "x"}]]}
    assert spec.check_call(method, {"chat_id": 1, "text": "x", "reply_markup": good}) == []


def test_wrong_types_and_union_subtypes(spec: ApiSpec) -> None:
    method = spec.method("setMyCommands")
    assert method is not None
    commands = [{"command": "help", "description": "Trợ giúp"}]
    assert spec.check_call(method, {"commands": commands, "scope": {"type": "chat", "chat_id": 5}}) == []
    assert spec.check_call(method, {"commands": commands, "scope": {"type": "chat"}}) != []
    assert spec.check_call(method, {"commands": "help"}) != []


def test_form_values_are_decoded_by_type(spec: ApiSpec) -> None:
    method = spec.method("sendMessage")
    assert method is not None
    decoded = spec.decode(
        method,
        {"chat_id": "42", "text": "123", "disable_notification": "true", "reply_markup": '{"inline_keyboard": []}'},
    )
    assert decoded == {
        "chat_id": 42,
        "text": "123",
        "disable_notification": True,
        "reply_markup": {"inline_keyboard": []},
    }
