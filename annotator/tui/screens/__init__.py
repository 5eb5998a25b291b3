"""Screens: name prompt, document picker, annotate, help and small dialogs."""
