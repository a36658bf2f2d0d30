"""Helpers for the endpoint and W3C conformance tests: manifests, result comparison, live servers."""
