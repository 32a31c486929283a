"""Admin for agent profiles: numbers, VAD settings, prompt history, activation and diffs."""

import difflib

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext_lazy as _

from prompts import greeting_admin, model_catalog, retirement, services
from prompts.models import AgentProfile, AnsweredNumber, PromptVersion, VadSettings
from prompts.tool_admin import tools_summary

NOTICE_OFF_WARNING = _(
    "The AI notice is off for this profile. The Framework Act on Artificial Intelligence "
    "(인공지능 기본법, in force since 2026-01-22) requires telling callers in advance that a "
    "generative AI answers them; without this notice you must give it another way (for "
    "example in your own announcement before the call reaches this number), or face fines."
)


class AnsweredNumberInline(admin.TabularInline):
    """The numbers a profile answers."""

    model = AnsweredNumber
    extra = 1


class VadSettingsInline(admin.StackedInline):
    """VAD settings edited on the profile page."""

    model = VadSettings
    can_delete = False
    min_num = 1
    max_num = 1


class PromptHistoryInline(admin.TabularInline):
    """Read-only list of a profile's versions, newest first."""

    model = PromptVersion
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("number", "note", "author", "created_at", "active_marker")
    readonly_fields = fields
    ordering = ("-number",)

    def has_add_permission(self, request, obj=None):
        """Versions are added from the prompt version page, never inline."""
        return False

    @admin.display(description=_("active"))
    def active_marker(self, version):
        """Show which version is live."""
        return "✔" if version.is_active else ""


def model_choices(supported: list[str], current: str, blank_label: str = "") -> list:
    """Select options: the supported models, plus the current value when it is no longer one.

    An outdated current value stays visible (and is refused with a Korean message on save)
    instead of silently turning into the first option.
    """
    choices = [("", blank_label)] if blank_label else []
    choices += [(model, model) for model in supported]
    if current and current not in supported:
        ending = model_catalog.SHUTDOWNS.get(current)
        note = _("shuts down %(date)s") % {"date": ending.isoformat()} if ending else "?"
        choices.append((current, f"{current} ({note})"))
    return choices


class AgentProfileForm(forms.ModelForm):
    """The profile form: model fields as selects of the supported models."""

    class Meta:
        model = AgentProfile
        fields = (
            "realtime_model",
            "reasoning_effort",
            "truncation_retention_ratio",
            "idle_reprompts",
            "transcription_model",
            "transcription_delay",
            "extra_languages",
            "keywords",
        )
        widgets = {
            "keywords": forms.Textarea(attrs={"rows": 6, "cols": 40}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default_label = _("Server default (OPENAI_REALTIME_MODEL: %(model)s)") % {
            "model": settings.OPENAI_REALTIME_MODEL
        }
        current = self.instance.realtime_model if self.instance.pk else ""
        self.fields["realtime_model"].widget = forms.Select(
            choices=model_choices(model_catalog.REALTIME_MODELS, current, default_label)
        )
        current = self.instance.transcription_model if self.instance.pk else ""
        self.fields["transcription_model"].widget = forms.Select(
            choices=model_choices(model_catalog.TRANSCRIPTION_MODELS, current)
        )


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    """Profiles with their numbers, models, VAD settings and prompt history."""

    form = AgentProfileForm
    list_display = (
        "name",
        "is_default",
        "active_version",
        "numbers_list",
        "realtime_model_display",
        "record_calls",
    )
    list_select_related = ("active_version",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "is_default",
                    "active_version",
                    "transfer_digit",
                    "new_version_link",
                    "tools_list",
                )
            },
        ),
        (_("Post-call summary"), {"fields": ("summarize_calls", "call_categories")}),
        (
            _("Notice before the agent speaks"),
            {
                "fields": (
                    "ai_notice_enabled",
                    "ai_notice_text",
                    "recording_notice_text",
                    "notice_voice",
                ),
            },
        ),
        (
            _("Recording and retention"),
            {
                "fields": (
                    "record_calls",
                    "recording_retention_days",
                    "call_data_retention_days",
                ),
                "description": _(
                    "Recordings cannot be redacted: they hold every number the caller says."
                ),
            },
        ),
        (
            _("Personal data in transcripts"),
            {
                "fields": (
                    "keep_unredacted_text",
                    "redact_phone",
                    "redact_rrn",
                    "redact_card",
                    "redact_account",
                    "redact_email",
                    "redact_caller_number",
                ),
            },
        ),
        (
            _("AI model"),
            {
                "fields": (
                    "realtime_model",
                    "reasoning_effort",
                    "truncation_retention_ratio",
                    "idle_reprompts",
                )
            },
        ),
        (
            _("Speech recognition"),
            {
                "fields": (
                    "transcription_model",
                    "transcription_delay",
                    "extra_languages",
                    "keywords",
                )
            },
        ),
    )
    readonly_fields = ("active_version", "new_version_link", "tools_list")
    inlines = [AnsweredNumberInline, VadSettingsInline, PromptHistoryInline]

    @admin.display(description=_("business tools"))
    def tools_list(self, profile):
        """The profile's tools, each linking to its page, and a link to add one."""
        return tools_summary(profile)

    @admin.display(description=_("Realtime model"))
    def realtime_model_display(self, profile):
        """The model the profile's calls use (the server default when left empty)."""
        return profile.effective_realtime_model()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Show a banner when a model this profile uses is retired or has a shutdown date."""
        profile = self.get_object(request, object_id)
        if request.method == "GET" and profile is not None:
            for ending in retirement.profile_notices(profile):
                self.message_user(request, retirement_banner(ending), messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("numbers"))
    def numbers_list(self, profile):
        """The numbers this profile answers, comma-separated."""
        return ", ".join(n.number for n in profile.numbers.all()) or "—"

    @admin.display(description=_("edit prompt"))
    def new_version_link(self, profile):
        """Link to write a new prompt version for this profile."""
        if not profile.pk:
            return "—"
        url = reverse("admin:prompts_promptversion_add") + f"?profile={profile.pk}"
        return format_html('<a class="button" href="{}">{}</a>', url, _("Write a new version"))

    def save_model(self, request, obj, form, change):
        """Save; warn about the legal obligation when the AI notice is off."""
        super().save_model(request, obj, form, change)
        if not obj.ai_notice_enabled:
            messages.warning(request, NOTICE_OFF_WARNING)

    def get_queryset(self, request):
        """Prefetch numbers for the list column."""
        return super().get_queryset(request).prefetch_related("numbers")


def retirement_banner(ending) -> str:
    """The Korean banner for one model's announced shutdown.

    The text starts with "OpenAI": the admin capitalises the first letter of every message.
    """
    values = {"model": ending.model, "date": ending.shutdown.isoformat(), "days": ending.days_left}
    if ending.retired:
        text = _(
            "OpenAI shut down %(model)s on %(date)s: calls on this profile fail. "
            "Choose a supported model below and save."
        )
    else:
        text = _(
            "OpenAI shuts down %(model)s on %(date)s (in %(days)d days): after that, calls on "
            "this profile fail. Choose a supported model below and save."
        )
    return text % values


class PromptVersionForm(forms.ModelForm):
    """A prompt version form; saving always creates a new version."""

    activate_now = forms.BooleanField(
        label=_("Use for new calls now"), required=False, initial=True
    )

    class Meta:
        model = PromptVersion
        fields = (
            "profile",
            "instructions",
            "greeting",
            "voice",
            "custom_voice_id",
            "transcription_language",
            "note",
        )


@admin.register(PromptVersion)
class PromptVersionAdmin(admin.ModelAdmin):
    """Prompt versions: immutable; saving an edited one stores a new version."""

    form = PromptVersionForm
    list_display = ("__str__", "profile", "number", "active_marker", "author", "note", "created_at")
    list_filter = ("profile",)
    list_select_related = ("profile", "author")
    readonly_fields = ("number", "author", "created_at", "cached_greeting")
    actions = ["activate_selected", "compare_two", "record_greeting_again"]

    @admin.display(description=_("cached greeting"))
    def cached_greeting(self, version):
        """Players for the greeting audio later calls hear at once."""
        return greeting_admin.cached_greetings_html(version)

    @admin.action(description=_("Record the greeting again"))
    def record_greeting_again(self, request, queryset):
        """Forget the cached greeting audio: the next call records it anew."""
        removed = greeting_admin.forget(queryset)
        self.message_user(request, _("%(count)d cached greeting(s) removed.") % {"count": removed})

    def get_urls(self):
        """Adds the cached greeting's WAV."""
        view = self.admin_site.admin_view(greeting_admin.greeting_wav)
        extra = [
            path(
                "<int:version_id>/greeting/<str:name>.wav",
                view,
                name="prompts_promptversion_greeting",
            )
        ]
        return extra + super().get_urls()

    @admin.display(description=_("active"), boolean=True)
    def active_marker(self, version):
        """Whether new calls use this version."""
        return version.is_active

    def get_changeform_initial_data(self, request):
        """Start a new version from the profile's active one."""
        initial = super().get_changeform_initial_data(request)
        profile = AgentProfile.objects.filter(pk=request.GET.get("profile")).first()
        if profile and profile.active_version:
            current = profile.active_version
            initial.update(
                instructions=current.instructions,
                greeting=current.greeting,
                voice=current.voice,
                custom_voice_id=current.custom_voice_id,
                transcription_language=current.transcription_language,
            )
        return initial

    def save_model(self, request, obj, form, change):
        """Store the form as a new version; an existing version is never overwritten."""
        version = services.save_prompt_version(
            form.cleaned_data["profile"],
            instructions=obj.instructions,
            greeting=obj.greeting,
            voice=obj.voice,
            custom_voice_id=obj.custom_voice_id,
            transcription_language=obj.transcription_language,
            author=request.user,
            note=obj.note,
            activate=form.cleaned_data.get("activate_now", False),
        )
        obj.pk, obj.number, obj._state.adding = version.pk, version.number, False
        if change:
            messages.info(request, _("Saved as a new version; the old version is unchanged."))

    def has_delete_permission(self, request, obj=None):
        """Versions are history: never deleted."""
        return False

    @admin.action(description=_("Activate the selected version (roll back or forward)"))
    def activate_selected(self, request, queryset):
        """Make one selected version the active one of its profile."""
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one version."), messages.ERROR)
            return
        version = queryset.select_related("profile").get()
        services.activate_version(version)
        self.message_user(request, _("%(version)s is now active.") % {"version": version})

    @admin.action(description=_("Compare two versions"))
    def compare_two(self, request, queryset):
        """Show a side-by-side diff of two selected versions."""
        versions = list(queryset.select_related("profile").order_by("number"))
        if len(versions) != 2:
            self.message_user(request, _("Select exactly two versions."), messages.ERROR)
            return None
        old, new = versions
        differ = difflib.HtmlDiff()
        sections = [
            (
                label,
                # The stylesheet wraps long lines to the admin's width: keep real spaces for it.
                differ.make_table(
                    getattr(old, field).splitlines(),
                    getattr(new, field).splitlines(),
                    escape(str(old)),  # HtmlDiff puts the headers into its HTML as they are
                    escape(str(new)),
                ).replace("&nbsp;", " "),
            )
            for label, field in ((_("instructions"), "instructions"), (_("greeting"), "greeting"))
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Compare %(old)s and %(new)s") % {"old": old, "new": new},
            "sections": sections,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/prompts/compare.html", context)
