"""Earners, enrollments, performance tasks with their evidence, and reviews."""
