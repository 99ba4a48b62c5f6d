"""etl: declarative ETL from XML documents stored in a database to typed relational tables."""

__version__ = "0.1.0"

__all__ = ["Pipeline", "ProductionProcessor"]


def __getattr__(name: str):
    # Lazy, so `import etl` stays cheap for the CLI and for worker processes.
    if name in __all__:
        from etl import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)
