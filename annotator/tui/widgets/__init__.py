"""Widgets of the annotate screen."""
