"""Read models: filtered views over stored results and the advocacy figures built on them."""
