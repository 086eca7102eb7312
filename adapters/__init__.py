"""Thin platform adapters: a platform event in, one core use-case call, a rendered reply out."""
