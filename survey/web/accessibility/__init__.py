"""The accessibility statement: /was redirects to the municipality's own statement (made in
the state's WAS tool), and /tilgaengelighed lists what this project's automated checks cover."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template

from survey.web.templating import statement_url

bp = Blueprint("accessibility", __name__, template_folder="templates")


@bp.get("/was")
def was():
    url = statement_url()
    if url and url.startswith("https://"):
        return redirect(url, code=302)
    return redirect("/tilgaengelighed", code=302)


@bp.get("/tilgaengelighed")
def checks():
    return render_template("accessibility.html")
