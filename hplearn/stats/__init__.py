"""Usage statistics: the event recorder, daily rollups, dashboards, CSV and API."""
