"""One module per mechanism of the model (see docs/ODD.md, section 7)."""
