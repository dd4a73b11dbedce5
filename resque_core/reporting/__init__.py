"""Reporting: scenarios, the charts the pages and reports share, and CSV/JSON/HTML export."""
