"""Statutory reviews: Domestic Abuse Related Death Reviews and ASB Case Reviews (need-to-know)."""
