"""The history of attempts: SQLite with numbered migrations, and the trend."""
