"""SQL templates, shipped inside the package as etl.templates."""
