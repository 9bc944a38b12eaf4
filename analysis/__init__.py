"""Pure statistics and reporting on frequency tables: no Flask, no ORM.

The seam with the survey app is a frequency table, rows of (round, item code, group
variable, group value, answer value, count) counted by the database.
"""
