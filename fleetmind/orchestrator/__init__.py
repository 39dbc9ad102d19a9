"""Task graphs, scheduling decisions, planners, the event store and the asyncio runtime that wires them."""
