"""Loading and checking the sources into the model."""
