"""Results: counting in the database, the one comparison every consumer uses, ambition levels
and charts. The statistics themselves live in analysis/."""
