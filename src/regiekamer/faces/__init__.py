"""Faces: CLI (and later API, web, reports). They parse input, call the facade, render."""
