"""Pipeline stages; ``run.py`` orchestrates them, business logic lives in the stages and models."""
