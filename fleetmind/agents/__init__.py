"""The GUI agent loop, grounding, local ranking, routing, models and the device-agent host."""
