"""Clinical qualification: predicted against observed for clinical cases and DDI studies, age trends, the report."""
