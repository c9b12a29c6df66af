"""Synthetic data from a seed, never from real people.

- :func:`generate_region`: a realistic region as reference CSVs and iJw/iWmo XML messages,
  with planted faults listed in ``fouten.json``;
- :func:`generate_national`: national benchmark scale straight to Parquet in the store layout;
- :func:`write_large_jw323`: one very large, XSD-valid JW323 for the streaming-ingest benchmark;
- :func:`generate_known_rates`: a store history with known inflow, duration and cost rates (and
  optionally a structural break), for testing the forecast.
"""

from regiekamer.synth.large import write_large_jw323
from regiekamer.synth.national import generate_national
from regiekamer.synth.prognose import generate_known_rates
from regiekamer.synth.region import generate_region

__all__ = ["generate_known_rates", "generate_national", "generate_region", "write_large_jw323"]
