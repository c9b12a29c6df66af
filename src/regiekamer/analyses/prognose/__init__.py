"""Forecasts and scenarios (DOMAIN.md §9): history -> model -> simulation, and a backtest."""
