"""The baseline for bench/load.py: a bare Flask app with one small HTML page.

Served by gunicorn exactly like the survey (same workers, same loopback), so the ratio
survey/bare shows what the survey's own work costs on top of Flask and gunicorn.
"""

from flask import Flask

app = Flask(__name__)

PAGE = """<!doctype html>
<html lang="da">
<head><meta charset="utf-8"><title>Bare</title></head>
<body><h1>Bare Flask</h1><p>En lille side uden database, skabeloner eller sessioner.</p></body>
</html>
"""


@app.get("/")
def index():
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}
