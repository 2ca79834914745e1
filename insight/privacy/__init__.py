"""Personal data: find it (patterns, names) and replace it with typed placeholders."""
