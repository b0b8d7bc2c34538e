"""Admin of the official documents' settings: the trust roots, the signers'
certificates (uploaded with their password, stored encrypted, never shown again)
and the templates an administrator may replace per issuer (checked by rendering
a sample before they are saved: a broken one is refused with the reason and the
previous one keeps being used)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import DocumentIssue, DocumentTemplate, SignerCertificate, TrustRoot
from .services.documents import document_template_add, signer_certificate_add


@admin.register(TrustRoot)
class TrustRootAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]


class SignerCertificateForm(forms.ModelForm):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True), label=_("signer")
    )
    file = forms.FileField(label=_("PKCS#12 certificate (.p12, .pfx)"))
    password = forms.CharField(
        label=_("certificate password"), widget=forms.PasswordInput, required=False
    )

    class Meta:
        model = SignerCertificate
        fields = ["user"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.created = signer_certificate_add(
                user=cleaned["user"],
                data=cleaned["file"].read(),
                password=cleaned.get("password") or "",
            )
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("file", exc.messages)) from exc
        return cleaned


@admin.register(SignerCertificate)
class SignerCertificateAdmin(admin.ModelAdmin):
    list_display = ["subject", "user", "not_before", "not_after", "active"]
    list_filter = ["active"]
    fields = ["user", "subject", "fingerprint", "not_before", "not_after", "active"]
    readonly_fields = ["user", "subject", "fingerprint", "not_before", "not_after"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            return SignerCertificateForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        return ["user", "file", "password"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["active"])
        else:
            # Saved by the service in the form's check; show that row.
            obj.pk = form.created.pk


class DocumentTemplateForm(forms.ModelForm):
    request_user = None
    file = forms.FileField(
        label=_("template file"),
        help_text=_(
            "Word: a .docx with docxtpl tags ({{ doc.number }}, {{p annex_table }}); "
            "HTML: a Django template printed to PDF. Start from the built-in ones."
        ),
    )

    class Meta:
        model = DocumentTemplate
        fields = ["issuer", "document", "format", "active"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        upload = cleaned["file"]
        try:
            self.created = document_template_add(
                issuer=cleaned["issuer"],
                document=cleaned.get("document", ""),
                fmt=cleaned["format"],
                content=upload.read(),
                original_name=upload.name,
                actor=self.request_user,
            )
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get("file", exc.messages)) from exc
        return cleaned


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    list_display = ["issuer", "document", "format", "original_name", "uploaded_at"]
    list_filter = ["format", "active"]
    readonly_fields = ["original_name", "uploaded_by", "uploaded_at"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            # A form class of this request's own: who uploads is not shared.
            return type(
                "DocumentTemplateForm",
                (DocumentTemplateForm,),
                {"request_user": request.user},
            )
        kwargs["fields"] = ["active"]
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["issuer", "document", "format", "file"]
        return ["issuer", "document", "format", "active", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["issuer", "document", "format", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["active"])
        else:
            obj.pk = form.created.pk


@admin.register(DocumentIssue)
class DocumentIssueAdmin(admin.ModelAdmin):
    list_display = ["dossier", "document", "version", "state", "requested_at"]
    list_filter = ["state", "document"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
