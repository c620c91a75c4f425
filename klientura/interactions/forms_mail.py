"""Forms of the mail pages: the letter to a client, filing an unsorted letter, the inbox search.

They parse; the rules (addresses, sizes, file types, who may do what) live in mail_out / mail_store.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .mail_out import MAX_ATTACHMENTS, MAX_SUBJECT, OutgoingAttachment


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", _MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_clean(item, initial) for item in data if item]
        return [single_clean(data, initial)] if data else []


class ComposeForm(forms.Form):
    contact = forms.TypedChoiceField(label=_("Contact person"), required=False, coerce=int, empty_value=None)
    to = forms.CharField(
        label=pgettext_lazy("mail", "To"),
        max_length=5000,
        widget=forms.TextInput(attrs={"autocomplete": "email", "placeholder": "name@example.ru"}),
    )
    cc = forms.CharField(label=_("Copy to"), required=False, max_length=5000)
    subject = forms.CharField(label=_("Subject"), max_length=MAX_SUBJECT)
    body = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 12}))
    attachments = _MultipleFileField(label=_("Files"), required=False)

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [("", "—")] + [(c.pk, c.full_name) for c in contacts]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select" if name == "contact" else "form-control")

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        limit = settings.MAIL_MAX_ATTACHMENT_BYTES
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(
                _("At most %(count)s files in one letter."), params={"count": MAX_ATTACHMENTS}
            )
        # Refused before the files are read into memory; the service checks the contents again.
        too_big = [f.name for f in files if f.size > limit]
        if too_big or sum(f.size for f in files) > limit:
            raise forms.ValidationError(
                _("Files may take at most %(size)s MB together."),
                params={"size": f"{limit / 1024 / 1024:.0f}"},
            )
        return files

    def outgoing_attachments(self) -> list[OutgoingAttachment]:
        return [
            OutgoingAttachment(f.name, f.read(), getattr(f, "content_type", "") or "application/octet-stream")
            for f in self.cleaned_data.get("attachments") or []
        ]


class InboxFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)


class AssignForm(forms.Form):
    NEW = "new"

    partner = forms.IntegerField(widget=forms.HiddenInput)
    contact = forms.ChoiceField(label=_("Contact person"), required=False)
    new_contact_name = forms.CharField(
        label=_("Name of the new contact person"), required=False, max_length=300
    )
    remember_address = forms.BooleanField(
        label=_("Add the sender's address to the contact person"), required=False
    )
    same_sender = forms.BooleanField(
        label=_("Also file the other unsorted letters from this address"), required=False
    )

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].choices = [
            ("", _("Do not link to a contact person")),
            *[(str(c.pk), c.full_name) for c in contacts],
            (self.NEW, _("New contact person…")),
        ]
        self.fields["contact"].widget.attrs["class"] = "form-select"
        self.fields["new_contact_name"].widget.attrs["class"] = "form-control"
        for name in ("remember_address", "same_sender"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        choice = data.get("contact") or ""
        return {
            "partner_id": data["partner"],
            "contact_id": int(choice) if choice.isdigit() else None,
            "new_contact_name": data.get("new_contact_name", "") if choice == self.NEW else "",
            "remember_address": bool(data.get("remember_address")) and bool(choice),
            "same_sender": bool(data.get("same_sender")),
        }
