"""Answering: planning a question, first-stage retrieval, learned ranking and declines (pure)."""
