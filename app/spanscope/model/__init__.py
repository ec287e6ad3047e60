"""Plain data of Spanscope: the canonical span and the results the layers hand each other."""

from spanscope.model.kinds import KINDS, LLM_KINDS
from spanscope.model.results import ImportResult, ImportStatus

__all__ = ["KINDS", "LLM_KINDS", "ImportResult", "ImportStatus"]
