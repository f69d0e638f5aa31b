"""The example resource: notes, with CRUD and pagination."""
