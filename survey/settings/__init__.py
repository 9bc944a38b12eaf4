"""Reference data the staff maintain: background values (benefit groups and the like, with
old codes mapped to new) and each municipality's own settings."""
