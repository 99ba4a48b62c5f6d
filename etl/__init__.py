"""etl: declarative ETL from XML documents stored in a database to typed relational tables."""

__version__ = "0.1.0"
