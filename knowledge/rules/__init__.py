"""Eligibility rules of the seed regions, one YAML file per region (format: knowledge/eligibility.py)."""
