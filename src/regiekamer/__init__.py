"""regiekamer: de gezamenlijke regiekamer van het sociaal domein.

Data flows one way (see docs/architectuur.md):
files -> ingest (parse -> validate -> minimise -> load) -> store -> analyses -> scope -> faces.
"""

__version__ = "0.1.0"
