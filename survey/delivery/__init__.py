"""Delivery by Borgerblik: invitations and reminders sent as SMS or e-mail from a
transactional outbox, so that no member of staff ever holds a citizen's link.

texts     the messages per language, placeholders, SMS length and segments
schedule  Danish local time, quiet hours for SMS, reminder times
queue     a send list becomes invitations, sealed contact data and outbox rows, at once
worker    delivers what is due, with retries, once per message, erasing contact data after
transports GatewayAPI (SMS), SMTP (e-mail) and a file transport for the demo
receipts  delivery receipts from the SMS gateway
status    counts per send and per group of at least 5, never who
"""
