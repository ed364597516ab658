"""The teacher: which OpenAI-compatible endpoint, the embedded server, the response cache, the LLM."""
