"""Beyond one summary per paper (issue 15)."""
