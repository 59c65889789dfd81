"""The default assistant: NLU → state and memory → policy → backend → generation."""
