"""Results for people and programs: text, JSON Lines, CSV and the HTML page."""
