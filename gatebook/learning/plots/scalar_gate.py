"""Figures for Part II (to be written)."""

__all__ = []
