"""The writers' room: ``dsr serve``, a local web app over run directories (see app.py)."""
