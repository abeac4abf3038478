"""Retrieval: which passages answer a question, by BM25 and sentence embeddings together
(`index`), the encoder (`encoder`) and how the two scores are mixed (`fusion`)."""
