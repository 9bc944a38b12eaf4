"""The one place that makes an application object: `flask --app wsgi`, gunicorn wsgi:app."""

from survey import create_app

app = create_app()
