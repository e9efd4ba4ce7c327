"""hybrid-check: policy-as-code compliance checks for Azure hybrid connectivity."""

__version__ = "0.1.0"
