"""Business tools as plain data, and the rules a tool definition must follow (pure: no Django).

A business tool is an HTTP request staff define in the admin: the agent calls it by name with
JSON arguments, the URL template's `{placeholders}` are filled from them (URL-encoded), and the
JSON answer goes back to the model. Both the admin and the call path use these rules, so a tool
refused when saved is refused again at call time.
"""

from __future__ import annotations

import ipaddress
import re
import string
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, SchemaError

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
BUILT_IN_TOOLS = frozenset({"end_call", "transfer_to_human"})
SECRET_REFERENCE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")
SECRET_HEADER_WORDS = ("authorization", "token", "key", "secret", "password", "cookie")
DEFAULT_FILLER = "확인하고 있습니다. 잠시만 기다려 주세요."
DEFAULT_TIMEOUT_MS = 3000
MAX_TIMEOUT_MS = 10000
DEFAULT_FILLER_DELAY_MS = 700
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024
METHODS = ("GET", "POST")


class ToolRuleError(ValueError):
    """A tool definition breaks a rule; the message is Korean, for staff."""


@dataclass(frozen=True)
class ToolSpec:
    """One business tool as a call freezes it."""

    name: str
    description: str
    parameters: dict
    method: str
    url: str
    headers: dict = field(default_factory=dict)
    label: str = ""
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    filler: str = ""
    filler_delay_ms: int = DEFAULT_FILLER_DELAY_MS
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    def to_dict(self) -> dict:
        """Plain JSON for the call row."""
        return asdict(self)

    def function_tool(self) -> dict:
        """The tool as the Realtime session declares it."""
        return {
            "type": "function",
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters,
        }


def check_name(name: str) -> None:
    """Lower-case letters, digits and underscores, starting with a letter; not a built-in."""
    if not NAME_PATTERN.match(name or ""):
        raise ToolRuleError(
            "도구 이름은 영문 소문자로 시작하고 영문 소문자·숫자·밑줄(_)만 쓸 수 있습니다"
            "(최대 64자)."
        )
    if name in BUILT_IN_TOOLS:
        raise ToolRuleError(f"'{name}'은(는) 기본 도구 이름이라 쓸 수 없습니다.")


def check_schema(schema) -> None:
    """A JSON Schema for an object of arguments (valid under draft 2020-12)."""
    if not isinstance(schema, dict):
        raise ToolRuleError("매개변수 스키마는 JSON 객체여야 합니다.")
    if schema.get("type") != "object":
        raise ToolRuleError('매개변수 스키마의 "type"은 "object"여야 합니다.')
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        where = "/".join(str(p) for p in error.path) or "(최상위)"
        raise ToolRuleError(f"올바른 JSON Schema가 아닙니다({where}): {error.message}") from None


def placeholders(url_template: str) -> list[str]:
    """The `{names}` of a URL template, in order."""
    try:
        parsed = list(string.Formatter().parse(url_template))
    except ValueError:
        raise ToolRuleError("URL의 중괄호가 짝이 맞지 않습니다.") from None
    return [name for _, name, _, _ in parsed if name is not None]


def check_url(url_template: str, schema: dict, allowed_hosts: list[str], production: bool) -> None:
    """The URL is http(s), its host allowed, its placeholders named in the schema."""
    names = placeholders(url_template)
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    for name in names:
        if not name.isidentifier() or name not in properties:
            raise ToolRuleError(f"URL의 {{{name}}}이(가) 매개변수 스키마에 없습니다.")
    parts = urlsplit(string.Formatter().vformat(url_template, (), {n: "x" for n in names}))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ToolRuleError("URL은 http:// 또는 https://로 시작하는 전체 주소여야 합니다.")
    if production and parts.scheme != "https":
        raise ToolRuleError("운영 환경에서는 https:// 주소만 쓸 수 있습니다.")
    check_host(parts.hostname, allowed_hosts)


def check_host(host: str, allowed_hosts: list[str]) -> None:
    """The host is on TOOL_ALLOWED_HOSTS (exact, case-insensitive)."""
    if host.lower() not in {h.lower() for h in allowed_hosts}:
        listed = ", ".join(allowed_hosts) or "(비어 있음)"
        raise ToolRuleError(
            f"'{host}'은(는) 허용된 호스트가 아닙니다. TOOL_ALLOWED_HOSTS에 추가하세요 "
            f"(현재: {listed})."
        )


def address_allowed(address: str, allowed_hosts: list[str]) -> bool:
    """A resolved address is public, or named on the list itself (e.g. the demo's 127.0.0.1)."""
    ip = ipaddress.ip_address(address)
    if not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved):
        return True
    return any(_same_address(entry, ip) for entry in allowed_hosts)


def _same_address(entry: str, ip) -> bool:
    try:
        return ipaddress.ip_address(entry.strip("[]")) == ip
    except ValueError:
        return False


def check_headers(headers) -> None:
    """String headers; secrets only as ${ENV_NAME} references, never written in."""
    if not isinstance(headers, dict):
        raise ToolRuleError("헤더는 이름과 값으로 된 JSON 객체여야 합니다.")
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str) or not name.strip():
            raise ToolRuleError("헤더의 이름과 값은 문자열이어야 합니다.")
        sensitive = any(word in name.lower() for word in SECRET_HEADER_WORDS)
        if sensitive and not SECRET_REFERENCE.search(value):
            raise ToolRuleError(
                f"'{name}' 헤더에는 비밀 값을 직접 넣을 수 없습니다. 환경 변수 참조"
                " (예: ${ORDERS_API_TOKEN})로 적어 주세요."
            )


def check_limits(timeout_ms: int, filler_delay_ms: int, max_response_bytes: int) -> None:
    """Timeout 1 ms–10 s, filler delay 0–10 s, a response cap of 1 byte–1 MiB."""
    if not 1 <= timeout_ms <= MAX_TIMEOUT_MS:
        raise ToolRuleError("제한 시간은 1–10000ms 사이여야 합니다.")
    if not 0 <= filler_delay_ms <= MAX_TIMEOUT_MS:
        raise ToolRuleError("안내 문장 대기 시간은 0–10000ms 사이여야 합니다.")
    if not 1 <= max_response_bytes <= 1024 * 1024:
        raise ToolRuleError("응답 크기 제한은 1바이트–1MiB 사이여야 합니다.")


def check_tool(spec: ToolSpec, allowed_hosts: list[str], production: bool) -> None:
    """Every rule at once, in the order staff fix them."""
    check_name(spec.name)
    if not spec.description.strip():
        raise ToolRuleError("언제 이 도구를 쓰는지 설명을 적어 주세요.")
    if spec.method not in METHODS:
        raise ToolRuleError("HTTP 메서드는 GET 또는 POST만 쓸 수 있습니다.")
    check_schema(spec.parameters)
    check_url(spec.url, spec.parameters, allowed_hosts, production)
    check_headers(spec.headers)
    check_limits(spec.timeout_ms, spec.filler_delay_ms, spec.max_response_bytes)
