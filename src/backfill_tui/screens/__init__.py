"""The terminal app's screens (Textual): connect, dashboard, observations, runs, help."""
