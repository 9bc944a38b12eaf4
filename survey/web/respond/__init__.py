"""The citizen's pages: invitation, landing, pages of questions, thanks."""

from flask import Blueprint, request

from survey.core.transaction import read_without_transaction

bp = Blueprint("respond", __name__, template_folder="templates")


@bp.before_request
def citizen_reads_without_transaction() -> None:
    """A citizen's GET only reads (the round, then the sheet with its answers): no BEGIN
    and ROLLBACK around it. A write in one raises (transaction.WriteInReadOnlyRequest)."""
    if request.method in ("GET", "HEAD"):
        read_without_transaction()


from survey.web.respond import views  # noqa: E402, F401  (routes attach to bp)
