"""The stored index: building it, BM25, and the in-memory snapshot answers are read from."""
