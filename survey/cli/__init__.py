"""Command-line interface: `flask --app wsgi <group> <command>`."""

from flask import Flask


def register_commands(app: Flask) -> None:
    from survey.cli.api_tokens import api_token_group
    from survey.cli.bank import bank_group
    from survey.cli.benchmark import benchmark_group
    from survey.cli.data import data_group
    from survey.cli.demo import demo_command
    from survey.cli.municipalities import municipality_group
    from survey.cli.outbox import outbox_group
    from survey.cli.questionnaire import questionnaire_group
    from survey.cli.report import export_command, report_command
    from survey.cli.results import results_group
    from survey.cli.rounds import round_group
    from survey.cli.users import user_group

    app.cli.add_command(questionnaire_group)
    app.cli.add_command(benchmark_group)
    app.cli.add_command(bank_group)
    app.cli.add_command(round_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(user_group)
    app.cli.add_command(results_group)
    app.cli.add_command(report_command)
    app.cli.add_command(export_command)
    app.cli.add_command(data_group)
    app.cli.add_command(outbox_group)
    app.cli.add_command(municipality_group)
    app.cli.add_command(api_token_group)
