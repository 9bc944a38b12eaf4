"""The data lifecycle: raw answers deleted after a set time (aggregates kept), municipalities
deleted on request."""
