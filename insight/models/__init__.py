"""Models with a scikit-learn shape: constructor args only, fitted state ending in ``_``."""
