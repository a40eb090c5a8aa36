"""The shipped policy documents: each file with its metadata record (<doc_id>.yml)."""
