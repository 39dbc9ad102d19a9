"""The agent wire protocol: messages, codec, session state (pure) and a thin WebSocket transport."""
