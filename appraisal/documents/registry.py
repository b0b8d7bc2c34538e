"""Which official documents each kind of dossier issues, and how: a kind
registers, from its own module, one :class:`DocumentSpec` per document (its key,
name, issuer, the step that issues it, whether that step signs it, its content
builder and template names). The shared machinery (generation, storage, signing,
display) reads only this registry, so a new kind of dossier brings its documents
with one registration and its templates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DocumentSpec",
    "Step",
    "document_spec",
    "document_specs",
    "documents_register",
]


class Step:
    """The steps that issue documents."""

    SUBMIT = "submit"
    REPORT_SIGN = "report_sign"
    DECIDE = "decide"


@dataclass(frozen=True)
class DocumentSpec:
    """One official document of a kind of dossier.

    - ``key``: stable name (``decision``), unique within the kind;
    - ``name``: what a person reads on the dossier page;
    - ``issuer(dossier)``: the issuing body's code (``SNV``, ``UBND``, a unit's
      code), which selects an administrator's template for it;
    - ``step``: the step whose completion issues it (:class:`Step`);
    - ``signed``: that step's actor signs the PDF;
    - ``build(dossier)``: the content (:class:`~.content.OfficialDocument`);
    - ``word_template`` / ``html_template``: the built-in templates.
    """

    key: str
    name: Any
    issuer: Callable[[Any], str]
    step: str
    signed: bool
    build: Callable[[Any], Any]
    file_stem: str
    word_template: str = "official.docx"
    html_template: str = "documents/official.html"


_SPECS: dict[type, dict[str, DocumentSpec]] = {}


def documents_register(model: type, *specs: DocumentSpec) -> None:
    """Plug the documents of a kind of dossier (once, by its own module)."""
    _SPECS[model] = {spec.key: spec for spec in specs}


def document_specs(dossier, *, step: str | None = None) -> list[DocumentSpec]:
    """The documents of the dossier's kind, those of ``step`` only if given."""
    from . import kinds  # noqa: F401 - the kinds register their documents

    specs = _SPECS.get(type(dossier.specific), {}).values()
    return [spec for spec in specs if step is None or spec.step == step]


def document_spec(dossier, key: str) -> DocumentSpec:
    for spec in document_specs(dossier):
        if spec.key == key:
            return spec
    raise LookupError(key)
