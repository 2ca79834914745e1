"""Reports for analysts (Markdown + HTML), charts, and the one template environment."""
