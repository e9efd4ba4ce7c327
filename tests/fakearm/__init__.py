"""A fake Azure Resource Manager (HTTPS on 127.0.0.1) and the estates it serves, for tests, demos and benchmarks."""
