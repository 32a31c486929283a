"""A Content-Security-Policy on every HTML page (Django 5.2 has none built in).

Scripts come only from our own static files: an injected `<script>` or `onerror=` does not
run. Styles may stay inline (the admin sets `style=` attributes; a style cannot run code).
"""

from __future__ import annotations

from django.utils.deprecation import MiddlewareMixin

POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",  # the monitor socket is same-origin ws(s)://
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Adds the policy to HTML responses that do not set their own (sync and async alike)."""

    def process_response(self, request, response):
        """Mark an HTML answer with the policy."""
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault(HEADER, POLICY)
        return response
