"""The writers' web app."""
