"""A per-agent Mesa reference of recruitsim's delivery and behaviour (see ``model.py``)."""

from __future__ import annotations

from .model import Person, ReferenceModel, ReferenceResult, run_reference

__all__ = ["Person", "ReferenceModel", "ReferenceResult", "run_reference"]
