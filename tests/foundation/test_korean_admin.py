"""The admin speaks Korean from the shipped catalogue, falls back to English; the .mo is fresh."""

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from calls.models import Call
from prompts.models import E164_VALIDATOR, VadSettings

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]|\{[^{}]*\}")


def read_po(path: Path) -> list[dict]:
    """Parse a PO file into entries of {field: text, "flags": set}; comments are skipped."""
    entries, flags, field = [], set(), None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif not line or line.startswith("#"):
            continue
        elif line.startswith('"'):
            entries[-1][field] += ast.literal_eval(line)
        else:
            field, _, literal = line.partition(" ")
            starts_entry = field == "msgctxt" or (
                field == "msgid" and (not entries or "msgid" in entries[-1])
            )
            if starts_entry:
                entries.append({"flags": flags})
                flags = set()
            entries[-1][field] = ast.literal_eval(literal)
    return entries


def catalogue_of(entries: list[dict]) -> dict:
    """The msgid-to-msgstr mapping GNU gettext builds from these entries (header excluded)."""
    catalogue = {}
    for entry in entries:
        key = entry["msgid"]
        if "msgctxt" in entry:
            key = f"{entry['msgctxt']}\x04{key}"
        if not key:
            continue
        if "msgid_plural" in entry:
            plurals = sorted(name for name in entry if name.startswith("msgstr["))
            for name in plurals:
                catalogue[(key, int(name[7:-1]))] = entry[name]
        else:
            catalogue[key] = entry["msgstr"]
    return catalogue


def read_mo(path: Path) -> dict:
    """The catalogue of a compiled .mo file, without its header."""
    with path.open("rb") as handle:
        catalogue = dict(gettext.GNUTranslations(handle)._catalog)
    catalogue.pop("", None)
    return catalogue


def translations_of(entry: dict) -> list[str]:
    """Every msgstr of an entry (one, or one per plural form)."""
    return [text for name, text in entry.items() if name.startswith("msgstr")]


@pytest.fixture
def admin_client(client, superuser):
    """A client logged in as the superuser."""
    client.force_login(superuser)
    return client


@pytest.mark.django_db
def test_the_profile_page_labels_its_fields_in_korean(admin_client, default_profile):
    url = reverse("admin:prompts_agentprofile_change", args=[default_profile.pk])
    page = admin_client.get(url).content.decode()
    assert "<h1>상담원 프로필 변경</h1>" in page
    assert "침묵 시간(ms)" in page
    assert "음성 감지(VAD) 설정" in page
    assert "고객이 이 시간 동안 말이 없으면" in page  # help text
    assert "서버 VAD (침묵 기준)" in page  # choice label
    assert "Silence duration (ms)" not in page


@pytest.mark.django_db
def test_the_call_list_is_titled_and_labelled_in_korean(admin_client, default_profile):
    Call.objects.create(call_sid="CA" + "b" * 32, profile=default_profile, status="completed")
    page = admin_client.get(reverse("admin:calls_call_changelist")).content.decode()
    assert "<h1>변경할 통화 선택</h1>" in page
    assert "고객 번호" in page
    assert "종료 사유" in page
    assert "완료" in page  # status choice
    assert "ARS AI Voice 관리" in page


@pytest.mark.django_db
def test_the_admin_index_names_every_model_in_korean(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    for name in ("상담원 프로필", "프롬프트 버전", "통화 이벤트", "상담원 프롬프트"):
        assert name in page


@pytest.mark.django_db
def test_an_english_browser_gets_the_english_source_strings(admin_client, default_profile):
    url = reverse("admin:prompts_agentprofile_change", args=[default_profile.pk])
    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in page
    assert "Silence duration (ms)" in page
    assert "VAD settings" in page
    assert "침묵 시간" not in page


def test_labels_follow_the_active_language():
    label = VadSettings._meta.get_field("silence_duration_ms").verbose_name
    with translation.override("ko"):
        assert str(label) == "침묵 시간(ms)"
    with translation.override("en"):
        assert str(label) == "silence duration (ms)"


def test_validation_messages_are_korean():
    with translation.override("ko"):
        with pytest.raises(ValidationError) as error:
            E164_VALIDATOR("01012345678")
        assert "E.164 형식으로 입력하세요" in error.value.messages[0]
        with pytest.raises(ValidationError) as error:
            VadSettings(turn_detection_type=VadSettings.SEMANTIC_VAD, idle_timeout_ms=6000).clean()
        assert error.value.message_dict["idle_timeout_ms"] == [
            "무응답 대기 시간은 서버 VAD에서만 사용할 수 있습니다."
        ]


def test_every_message_in_the_catalogue_is_translated_and_none_is_fuzzy():
    entries = [entry for entry in read_po(PO_FILE) if entry["msgid"]]
    assert entries
    assert [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]] == []
    untranslated = [e["msgid"] for e in entries if not all(t.strip() for t in translations_of(e))]
    assert untranslated == []


def test_translations_keep_their_placeholders():
    for entry in read_po(PO_FILE):
        wanted = sorted(PLACEHOLDER.findall(entry["msgid"]))
        if "python-format" in entry["flags"] or "python-brace-format" in entry["flags"]:
            for text in translations_of(entry):
                assert sorted(PLACEHOLDER.findall(text)) == wanted, entry["msgid"]


def test_the_compiled_catalogue_matches_the_po_file():
    """A .po edited without running compilemessages fails here."""
    assert read_mo(MO_FILE) == catalogue_of(read_po(PO_FILE)), (
        "locale/ko/LC_MESSAGES/django.mo is stale: run "
        "`python manage.py compilemessages -l ko --ignore=.venv` and commit the .mo"
    )


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) not installed")
def test_msgfmt_compiles_the_po_file_to_the_committed_catalogue(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(PO_FILE)], check=True, timeout=60
    )
    assert read_mo(MO_FILE) == read_mo(compiled)
