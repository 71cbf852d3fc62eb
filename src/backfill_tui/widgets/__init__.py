"""Widgets the terminal app's screens are built from."""
