"""Hostile and broken submissions, each with the grade and status it must get."""
