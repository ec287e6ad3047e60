"""Spanscope: an offline workbench for investigating LLM application incidents."""

__version__ = "0.1.0"
