"""The catalog: resources, topics and platforms."""
