"""The smaller fixes of the analytics issue: home page, favicon, demo tour rights, help texts."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import load_command_class
from django.urls import reverse

from calls.demo.accounts import ensure_staff_account
from calls.demo.conversation import DEMO_SCRIPT, demo_script, profile_greeting
from calls.monitoring.call_data import mask_number
from prompts.services import save_prompt_version

pytestmark = pytest.mark.django_db


def test_the_home_page_leads_to_the_dashboard(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("dashboard-wallboard")


def test_there_is_a_favicon(client, staff_user):
    assert client.get("/favicon.ico")["Location"].endswith("favicon.svg")
    client.force_login(staff_user)
    assert 'rel="icon"' in client.get(reverse("dashboard-wallboard")).content.decode()


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+821020002007", "010-****-2007"),
        ("+8221234567", "02-***-4567"),
        ("+14155550100", "********0100"),
    ],
)
def test_numbers_are_masked_in_the_usual_korean_form(number, masked):
    assert mask_number(number) == masked
    assert mask_number(number, reveal=True) == number


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("admin:prompts_agentprofile_changelist", True),
        ("admin:prompts_promptversion_changelist", True),
        ("admin:calls_call_changelist", True),
        ("admin:calls_kpithreshold_changelist", True),
        ("admin:auth_user_changelist", False),
        ("admin:auth_group_changelist", False),
        ("admin:calls_apitoken_changelist", False),
    ],
)
def test_the_demo_account_opens_the_tours_admin_pages_only(client, default_profile, path, allowed):
    password = ensure_staff_account("demo", tour=True)
    assert client.login(username="demo", password=password)
    status = client.get(reverse(path)).status_code
    assert (status == 200) is allowed, status
    assert get_user_model().objects.get(username="demo").is_superuser is False


def test_the_demo_opens_with_the_greeting_the_profile_has_now(default_profile):
    save_prompt_version(
        default_profile,
        instructions="테스트",
        greeting="반갑습니다, 새 인사말입니다.",
    )
    script = demo_script(profile_greeting("+8215880000"), order="1234")
    assert script.agent_turns[0].text == "반갑습니다, 새 인사말입니다."
    assert script.agent_turns[1:] == DEMO_SCRIPT.agent_turns[1:]
    assert script.caller_lines == DEMO_SCRIPT.caller_lines
    assert demo_script("", order="1234").agent_turns == DEMO_SCRIPT.agent_turns


@pytest.mark.parametrize("command", ["simulate_call", "fake_realtime", "run_demo"])
def test_every_option_of_the_tools_says_its_default(command):
    parser = load_command_class("calls", command).create_parser("manage.py", command)
    base = load_command_class("calls", "serve").create_parser("manage.py", "serve")
    common = {option for action in base._actions for option in action.option_strings}
    common -= {"--host", "--port"}
    for action in parser._actions:
        if set(action.option_strings) & common or not action.option_strings:
            continue
        assert action.help and "default" in action.help, action.option_strings
