"""Demo data: an Odense round, staff users, invented answers and history. Never real data."""
