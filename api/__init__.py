"""HTTP service (FastAPI). Only a health endpoint so far; the full API is its own issue."""
