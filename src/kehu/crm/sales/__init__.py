"""Orders and order lines, opportunities in a pipeline, and activities (tasks)."""
