"""Compound × person → numbers: protein binding, tissue partitioning (Kp), IVIVE clearance, enzyme turnover."""
